"""The app's keys, as a new user meets them: the focused panel shows in its border and its keys
in the footer, a key means one thing per screen, `n` marks a statement, keys typed before the
status arrives are kept, the palette offers the app's own actions, and `x` only when it can."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.command import CommandList

from conftest import Project
from mend_core.history.status import StatusReport, get_status
from mend_core.project.context import Context
from mend_tui.app import MendApp
from mend_tui.modals.message import MessageModal
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.screens.history import DetailPanel, HistoryScreen, ListPanel
from mend_tui.widgets.migration_table import MigrationRows
from mend_tui.widgets.sql_view import SqlView
from scenes import settle
from test_tui import app_on, rows
from tui_support import screen_text


def footer_keys(app: MendApp) -> dict[str, str]:
    """{key: description} of what the footer shows now."""
    return {
        binding.key: binding.description
        for _, binding, enabled, _ in app.screen.active_bindings.values()
        if binding.show and enabled
    }


def key_meanings(app: MendApp) -> dict[str, str]:
    """{key: description} of every key active now, shown or not."""
    return {
        key: binding.description
        for key, (_, binding, enabled, _) in app.screen.active_bindings.items()
        if enabled
    }


async def test_the_focused_panel_has_the_border_and_the_footer_its_keys(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h", "end")  # the failed migration
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        listing, detail = screen.query_one(ListPanel), screen.query_one(DetailPanel)
        assert listing.has_focus_within and not detail.has_focus_within
        assert listing.styles.border_top[0] == "heavy" and detail.styles.border_top[0] == "round"
        keys = footer_keys(app)
        assert {"enter", "slash", "f", "escape"} <= set(keys) and "n" not in keys

        await pilot.press("enter")  # into the SQL
        await pilot.pause()
        assert detail.has_focus_within and not listing.has_focus_within
        assert detail.styles.border_top[0] == "heavy" and listing.styles.border_top[0] == "round"
        keys = footer_keys(app)
        assert {"n", "p", "e", "c", "escape"} <= set(keys)
        assert "slash" not in keys and "f" not in keys
        assert keys["n"] == "Next" and keys["e"] == "Failed"

        await pilot.press("tab")  # back to the list
        assert listing.has_focus_within


async def test_a_key_means_one_thing_on_a_screen(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        meanings: dict[str, set[str]] = {}

        def collect() -> None:
            for key, description in key_meanings(app).items():
                meanings.setdefault(key, set()).add(description)

        collect()  # the dashboard
        await pilot.press("h", "end")
        await settle(pilot)
        history: dict[str, set[str]] = {}
        meanings, history = history, meanings
        collect()  # the list
        for tab in ("s", "o", "t", "s"):
            await pilot.press(tab, "enter")  # each detail, focused
            await pilot.pause()
            collect()
            await pilot.press("escape")
        clashes = {key: found for key, found in meanings.items() if len(found) > 1}
        assert not clashes, clashes

        # `f` filters even from the SQL, and `h` does not scroll it.
        await pilot.press("enter")
        await pilot.press("f")
        assert app.screen.filter_index == 1  # type: ignore[attr-defined]
        assert app.screen.query_one(SqlView).has_focus
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)


async def test_n_marks_the_current_statement(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("home", "enter")  # init: one statement
        await pilot.press("down", "escape")
        await settle(pilot)
        await pilot.press("end")  # the failed one: three statements, 3 current
        await settle(pilot)
        await pilot.press("enter")
        view = app.screen.query_one(SqlView)
        assert view.current == 3
        await pilot.press("p")
        assert view.current == 2
        await pilot.pause()
        marked = [line for line in screen_text(app).splitlines() if "▶" in line]
        assert len(marked) == 1 and "2  7 │ -- AlterTable" in marked[0]
        await pilot.press("n")
        assert view.current == 3
        await pilot.press("n")  # the last: stays
        assert view.current == 3
        await pilot.press("p", "p", "e")
        assert view.current == 3
        await pilot.press("p", "c")
        assert app.clipboard.startswith("-- AlterTable\nALTER TABLE")
        scrolled = view.scroll_y
        app.load_status(automatic=True)  # auto-refresh: the reader keeps their place
        await settle(pilot)
        assert view.current == 2 and view.scroll_y == scrolled


class SlowReader:
    """Reads the status only once released: keys are typed while it waits."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def __call__(self, context: Context) -> StatusReport:
        self.released.wait(10)
        return get_status(context)


async def test_keys_typed_before_the_status_arrives_are_not_lost(demo: Path):
    reader = SlowReader()
    app = app_on(demo, {"read_status": reader})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen) and app.report is None
        await pilot.pause()
        assert "reading" in screen_text(app).splitlines()[0]
        await pilot.press("end", "o")
        reader.released.set()
        await settle(pilot)
        current = app.screen.query_one(MigrationRows).current
        assert current is not None and current.name == "20240103000000_unique"
        assert app.screen.query_one("#detail").current == "logs"  # type: ignore[attr-defined]

    reader = SlowReader()
    app = app_on(demo, {"read_status": reader})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("up", "enter")  # from the failed one up, then open it
        reader.released.set()
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        current = app.screen.query_one(MigrationRows).current
        assert current is not None and current.name == "20240102000000_add_users"


async def palette_names(app: MendApp, pilot) -> list[str]:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await pilot.pause(0.6)
    options = app.screen.query_one(CommandList)
    names = [
        str(options.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(options.option_count)
    ]
    return names


async def test_the_palette_offers_the_apps_actions_first(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = await palette_names(app, pilot)
        assert names[:4] == ["Refresh", "History", "Dashboard", "Recover"]
        for wanted in (
            "Filter: failed",
            "Logs",
            "Attempts",
            "SQL",
            "Search",
            "Auto-refresh",
            "Help",
        ):
            assert wanted in names
        last_own = names.index("Help")
        assert set(names[last_own + 1 :]) == {"Theme", "Screenshot", "Quit"}
        assert "Maximize" not in names and "Keys" not in names
        await pilot.press(*"Logs", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.query_one("#detail").current == "logs"  # type: ignore[attr-defined]
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Filter: failed", "enter")
        await settle(pilot)
        assert rows(app) == ["20240103000000_unique"]


@pytest.fixture
def healthy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A SQLite project whose every migration applied."""
    from mend_core.operations.deploy import SilentDeploy, deploy

    root = tmp_path / "healthy"
    (root / "prisma" / "migrations").mkdir(parents=True)
    project = Project(root, f"file:{root / 'dev.db'}", "sqlite")
    project.add("20240101000000_init", "CREATE TABLE a (x int);\n")
    project.add("20240102000000_more", "CREATE TABLE b (x int);\n")
    deploy(project.context(), SilentDeploy())
    monkeypatch.chdir(root)
    return project


async def test_recover_is_hidden_when_nothing_failed(healthy: Project):
    app = MendApp(healthy.context())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "x" not in footer_keys(app) and "Recover" not in screen_text(app)
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, MessageModal)
        names = await palette_names(app, pilot)
        assert "Recover" not in names and names[0] == "Refresh"
