"""The terminal app, driven with Textual's Pilot: navigation, filtering, search, error display,
read-only mode, each dialect; snapshots of each screen at 80x24. Keys, layout at 80x24, errors
and structure have files of their own (test_tui_*.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.errors import MendError
from mend_core.project.context import load_context
from mend_tui.app import MendApp
from mend_tui.modals.error import ErrorModal
from mend_tui.modals.help import HelpModal
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.screens.history import HistoryScreen
from mend_tui.screens.recover.inspect import InspectStep
from mend_tui.widgets.chrome import TargetBar, TooSmall
from mend_tui.widgets.migration_table import MigrationRows
from mend_tui.widgets.sql_view import SqlView
from scenes import FIXED_CLOCK, SCENES, settle


def app_on(
    folder: Path, app_options: dict[str, object] | None = None, **options: object
) -> MendApp:
    """The app on the project in `folder`; `options` are the context's."""
    context = load_context(root=folder, environ={}, **options)  # type: ignore[arg-type]
    return MendApp(context, clock=lambda: FIXED_CLOCK, **(app_options or {}))  # type: ignore[arg-type]


def bar_text(app: MendApp) -> str:
    return str(app.screen.query_one(TargetBar).render())


def rows(app: MendApp) -> list[str]:
    return [m.name for m in app.screen.query_one(MigrationRows).rows]


async def test_dashboard_shows_each_migration_and_the_next_step(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert rows(app) == [
            "20240101000000_init",
            "20240102000000_add_users",
            "20240103000000_unique",
        ]
        table = app.screen.query_one(MigrationRows)
        assert table.current is not None and table.current.name == "20240103000000_unique"
        assert "sqlite prisma/dev.db" in bar_text(app) and "failed" in bar_text(app)
        next_step = str(app.screen.query_one("#next-step").render())
        assert "20240103000000_unique" in next_step and "press x" in next_step
        await pilot.press("x")  # the recovery wizard (tests/test_tui_wizard*.py)
        await settle(pilot)
        assert isinstance(app.screen, InspectStep)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


async def test_navigation_between_dashboard_and_history(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("up")  # the cursor moves to add_users
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        current = app.screen.query_one(MigrationRows).current
        assert current is not None and current.name == "20240102000000_add_users"
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("d")
        assert isinstance(app.screen, DashboardScreen)


async def test_history_filter_and_search(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("4")  # failed
        assert rows(app) == ["20240103000000_unique"]
        await pilot.press("3")  # pending: none
        assert rows(app) == []
        assert "No pending migration" in str(app.screen.query_one("#detail-title").render())
        await pilot.press("f")  # next filter: failed
        assert rows(app) == ["20240103000000_unique"]
        await pilot.press("1", "slash", "a", "d", "d")
        assert rows(app) == ["20240102000000_add_users"]
        await pilot.press("escape")  # clears the search, stays
        assert isinstance(app.screen, HistoryScreen) and len(rows(app)) == 3


async def test_history_detail_marks_the_failing_statement(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await SCENES["history-sql"].run(pilot)
        view = app.screen.query_one(SqlView)
        assert view.failing == 3 and view.statement_count == 3 and view.current == 3
        assert view.lexer == "sql"
        # From the failure record: 1 and 2 committed, 3 failed.
        assert view.effects == {1: "took_effect", 2: "took_effect", 3: "failed"}
        title = str(app.screen.query_one("#detail-title").render())
        assert "failed at statement 3 of 3; Prisma steps 0/1" in title
        await pilot.press("o")
        logs = str(app.screen.query_one("#logs-text").render())
        assert "Failed statement: 3 of 3 (line 11)" in logs  # the code, below its comment
        assert "UNIQUE constraint failed: User.name" in logs
        assert "Raw logs:" in logs
        await pilot.press("t")
        attempts = str(app.screen.query_one("#attempts-text").render())
        assert "2024-03-01 09:30:00" in attempts
        assert "id 00000000-0000-4000-8000-000000000004" in attempts


async def test_help_palette_and_auto_refresh(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpModal)
        await pilot.press("escape")
        await pilot.press("a")
        assert app.auto_refresh == 5
        await pilot.press("a", "a", "a")
        assert app.auto_refresh == 0
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"History")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert app.auto_refresh == 0


async def test_too_small_terminal_says_so(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot)
        notice = app.screen.query_one(TooSmall)
        assert notice.display and "needs 80x24" in str(notice.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.query_one(TooSmall).display


async def test_connection_error_is_a_modal_with_retry_and_copy(tmp_path: Path):
    app = app_on(tmp_path, url="postgresql://u:pw-secret-99@127.0.0.1:1/db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.error.code == "P1001"
        await pilot.press("c")
        assert app.clipboard.startswith("Error: P1001")
        assert "pw-secret-99" not in app.clipboard
        await pilot.press("r")  # retry: still unreachable, the modal comes back
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert "Could not read the status: P1001" in str(app.screen.query_one("#state").render())


async def test_read_only_browsing_never_writes(demo: Path):
    database = demo / "prisma" / "dev.db"
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    database.chmod(0o444)
    try:
        app = app_on(demo, read_only=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "READ-ONLY" in bar_text(app)
            assert app.report is not None and len(app.report.migrations) == 3
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("up", "up", "down", "o", "t", "s", "r")
            await settle(pilot)
            assert not isinstance(app.screen, ErrorModal)
    finally:
        database.chmod(0o644)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


async def test_each_dialect_loads_its_status(project: Project, db: TestDatabase):
    from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy

    project.add("1_ok", "CREATE TABLE a (x int);\n")
    project.add("2_bad", "CREATE TABLE b (x int);\nSELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    app = MendApp(project.context(read_only=True))
    async with app.run_test(size=(80, 24)) as pilot:
        # Typed at once, before the status is read: kept, and played on the rows.
        await pilot.press("h", "end")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert rows(app) == ["1_ok", "2_bad"]
        assert app.report is not None and app.report.state.value == "failed"
        view = app.screen.query_one(SqlView)
        assert view.failing == 2 and view.current == 2
        assert view.effects[2] == "failed"
        assert view.lexer == {"postgresql": "postgresql", "mysql": "mysql"}.get(db.dialect, "sql")


def test_startup_configuration_errors_print_before_the_app(bare_project: Project):
    completed = bare_project.mend()
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: M1001")


@pytest.mark.parametrize("scene", sorted(SCENES))
def test_snapshot(scene: str, demo: Path, snap_compare):  # type: ignore[no-untyped-def]
    app = app_on(demo, SCENES[scene].options)
    assert snap_compare(app, terminal_size=(80, 24), run_before=SCENES[scene].run)


async def test_error_modal_snapshot_text(tmp_path: Path):
    error = MendError("P1001", "Can't reach the database server at `db:5432`.", "Start it.")
    app = MendApp(None, startup_error=error)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert str(app.screen.query_one("#hint").render()) == "Hint: Start it."


async def test_demo_opens_before_its_project_is_written(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    from mend_core.operations.demo import create_demo

    monkeypatch.chdir(tmp_path)
    app = MendApp(None, prepare=lambda: create_demo(tmp_path / "demo").context)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.context is not None and app.report is not None
        assert rows(app)[-1] == "20240103000000_unique"
        assert "demo/prisma/dev.db" in bar_text(app)


def test_demo_refuses_a_foreign_folder_before_opening(tmp_path: Path):
    import subprocess
    import sys

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    completed = subprocess.run(
        [sys.executable, "-m", "mend_tui", "demo", "mine"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1 and completed.stderr.startswith("Error: M5001")


async def test_no_color_and_ascii(demo: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_on(demo, {"ascii_only": True})
    assert app.no_color  # Textual turns every colour into shades of grey
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(MigrationRows)
        assert [table.cell(m, "glyph") for m in table.rows] == ["+", "+", "x"]
        assert app.has_class("-ascii")
        assert app.snapshot.look.words  # marks are spelled out
