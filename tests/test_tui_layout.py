"""The app at 80x24, the size it promises to work at: what fits, what is cut and how, and
--ascii drawing nothing but ASCII on every screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import Project
from mend_tui.modals.help import HelpModal
from mend_tui.presentation import elide
from mend_tui.screens.history import HistoryScreen
from mend_tui.widgets.migration_table import MigrationRows
from scenes import SCENES, settle
from test_tui import app_on
from tui_support import non_ascii, screen_text

STARTED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
LONG_NAMES = [
    "20240101000000_add_user_email_index",
    "20240101000001_add_user_email_unique",
    "20240102000000_create_table_organisation_members",
    "20240102000001_create_table_organisation_invites",
    *(f"20240103{n:06d}_backfill_step_{n}" for n in range(8)),
]


@pytest.fixture
def long_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    from mend_core.operations.deploy import SilentDeploy, deploy

    root = tmp_path / "long"
    (root / "prisma" / "migrations").mkdir(parents=True)
    project = Project(root, f"file:{root / 'dev.db'}", "sqlite")
    for number, name in enumerate(LONG_NAMES):
        project.add(name, f"CREATE TABLE t{number} (x int);\n")
    deploy(project.context(), SilentDeploy())
    monkeypatch.chdir(root)
    return project


def test_elide_keeps_the_distinguishing_end():
    assert elide("20240101000000_add_user_email_index", 26) == "2024…_add_user_email_index"
    # The timestamp is cut first, then the name at its end, never in its middle (issue 14 §2).
    assert elide("20240101000000_add_user_email_index", 26, "...") == "20..._add_user_email_index"
    assert elide("20240101000000_add_user_email_index", 22) == "…_add_user_email_index"
    assert elide("20240101000000_add_user_email_index", 12) == "…email_index"
    assert elide("short", 26) == "short"
    assert len(elide("x" * 100, 10)) == 10


async def test_history_shows_more_than_five_rows_and_tells_long_names_apart(long_names: Project):
    app = app_on(long_names.root, url=long_names.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for screen_key in ("", "h"):
            if screen_key:
                await pilot.press(screen_key)
                await settle(pilot)
            table = app.screen.query_one(MigrationRows)
            assert table.size.height > 5
            text = screen_text(app)
            # The table's rows: the ones with a start time.
            shown = [line for line in text.splitlines() if STARTED.search(line)]
            assert len(shown) > 5
            # Each visible long name keeps its own end, and no two look alike.
            for name in LONG_NAMES[:4]:
                ending = name[-12:]
                assert sum(ending in line for line in shown) == 1, (name, text)
        assert isinstance(app.screen, HistoryScreen)


async def test_dashboard_next_step_takes_two_lines_at_most(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        next_step = app.screen.query_one("#next-step")
        width = next_step.content_size.width
        lines = next_step.render().wrap(width)  # type: ignore[union-attr]
        assert len(lines) <= 2 and next_step.size.height == len(lines)
        assert app.screen.query_one("#counts").size.height == 1


async def test_help_is_a_key_list_that_fits_80x24(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        dialog = app.screen.query_one("#dialog")
        assert dialog.max_scroll_y == 0  # nothing hidden below
        assert dialog.region.height <= 24
        text = screen_text(app)
        for key, words in (("n p", "Next, Previous statement"), ("x", "Recover")):
            assert any(key in line and words in line for line in text.splitlines()), text
        assert "esc close" in text


async def test_attempts_do_not_wrap_their_id(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await SCENES["history-attempts"].run(pilot)
        attempts = app.screen.query_one("#attempts-text")
        text = str(attempts.render())
        assert max(len(line) for line in text.splitlines()) <= attempts.content_size.width
        assert "id 00000000-0000-4000-8000-000000000004" in screen_text(app)


async def test_sql_header_says_statements_and_prisma_steps(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h", "home")
        await settle(pilot)
        title = str(app.screen.query_one("#detail-title").render())
        assert "20240101000000_init  applied; 1 statement; Prisma steps 1/1" in title
        await pilot.press("end")
        await settle(pilot)
        title = str(app.screen.query_one("#detail-title").render())
        assert "failed at statement 3 of 3; Prisma steps 0/1" in title
        assert "steps 0" not in title.replace("steps 0/1", "")


ASCII_SCENES = [
    "dashboard",
    "history-sql",
    "history-sql-focused",
    "history-logs",
    "history-attempts",
    "help",
    "palette",
    "error",
    "error-closed",
]


@pytest.mark.parametrize("scene", ASCII_SCENES)
async def test_ascii_draws_only_ascii(scene: str, demo: Path):
    app = app_on(demo, {"ascii_only": True, **SCENES[scene].options})
    async with app.run_test(size=(80, 24)) as pilot:
        await SCENES[scene].run(pilot)
        text = screen_text(app)
        assert not non_ascii(text), text
        assert text.strip()


async def test_ascii_keeps_the_layout_of_wide_and_accented_text():
    from mend_tui.ascii_filter import to_ascii

    assert to_ascii("café ✓ │ ─ ┏ … 🔎x") == "cafe + | - + . > x"
    assert to_ascii("e\u0301") == "e"  # a combining accent takes no cell
