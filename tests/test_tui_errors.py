"""Errors in the app: one dialog per error however often auto-refresh hits it, a dashboard that
says what failed once the dialog is closed, and a history that never contradicts its rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mend_core.errors import MendError
from mend_core.history.status import StatusReport, get_status
from mend_core.project.context import Context
from mend_tui.app import MendApp
from mend_tui.modals.error import ErrorModal
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.screens.history import HistoryScreen
from mend_tui.widgets.migration_table import MigrationRows
from scenes import UNREACHABLE, settle
from test_tui import app_on, rows

TIMEOUT = MendError("P1002", "The database server at `db:5432` was reached but timed out.")


class FlakyReader:
    """Fails with `error` until it is set to None."""

    def __init__(self, error: MendError | None) -> None:
        self.error = error
        self.calls = 0

    def __call__(self, context: Context) -> StatusReport:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return get_status(context)


def text_of(app: MendApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def error_modals(app: MendApp) -> list[ErrorModal]:
    return [screen for screen in app.screen_stack if isinstance(screen, ErrorModal)]


class HeldTimer:
    """The auto-refresh's timer, ticked by the test's hand instead of the clock."""

    def __init__(self) -> None:
        self.ticks: list[Callable[[], None]] = []
        self.stopped = False

    def __call__(self, seconds: float, callback: Callable[[], None]) -> HeldTimer:
        self.ticks.append(callback)
        return self

    def tick(self) -> None:
        self.ticks[-1]()

    def stop(self) -> None:
        self.stopped = True


async def test_refresh_errors_update_one_dialog(demo: Path):
    reader = FlakyReader(UNREACHABLE)
    timer = HeldTimer()
    app = app_on(demo, {"read_status": reader, "refresh_interval": 5, "every": timer})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(timer.ticks) == 1  # auto-refresh on, every 5 s
        for _ in range(2):  # two of its ticks
            timer.tick()
            await settle(pilot)
        modals = error_modals(app)
        assert len(modals) == 1 and reader.calls == 3
        assert modals[0].repeats == 3
        assert "Happened 3 times" in text_of(app, "#repeats")

        reader.error = TIMEOUT  # another error takes the dialog's place
        timer.tick()
        await settle(pilot)
        modals = error_modals(app)
        assert len(modals) == 1 and modals[0].error.code == "P1002"
        assert text_of(app, "#code") == "Error: P1002" and modals[0].repeats == 1
        assert "esc close" in str(app.screen.query_one("#dialog").border_subtitle)

        await pilot.press("escape")
        timer.tick()  # the error just closed, again: no dialog
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen) and "error P1002" in text_of(
            app, "TargetBar"
        )

        reader.error = UNREACHABLE  # a different one: a dialog
        timer.tick()
        await settle(pilot)
        assert len(error_modals(app)) == 1 and app.screen.error.code == "P1001"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.press("r")  # asked for: the dialog comes back
        await settle(pilot)
        assert len(error_modals(app)) == 1 and app.screen.repeats == 1  # type: ignore[attr-defined]


async def test_the_dashboard_says_what_failed_once_the_dialog_is_closed(demo: Path):
    reader = FlakyReader(UNREACHABLE)
    app = app_on(demo, {"read_status": reader})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        state, step = text_of(app, "#state"), text_of(app, "#next-step")
        assert state.startswith("Could not read the status: P1001 Can't reach database server")
        assert step.endswith("Press r to retry.") and "Reading" not in state
        assert "error P1001" in text_of(app, "TargetBar")

        await pilot.press("h")  # the history says it too
        await settle(pilot)
        assert "Could not read the status (P1001): press r to retry" in text_of(
            app, "#detail-title"
        )
        await pilot.press("escape")

        reader.error = None
        await pilot.press("r")
        await settle(pilot)
        assert text_of(app, "#state").startswith("Database: failed")
        assert "error" not in text_of(app, "TargetBar")

        reader.error = UNREACHABLE  # a later failure: the last status stays, marked as old
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("escape")
        assert text_of(app, "#state").startswith("Database: failed")
        assert text_of(app, "#next-step").startswith("The last reading failed: P1001")


async def test_a_configuration_error_says_to_start_again(tmp_path: Path):
    app = MendApp(None, startup_error=MendError("M1001", "No database URL.", "Set DATABASE_URL."))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal) and not app.screen.retry
        await pilot.press("escape")
        assert "Could not read the status: M1001" in text_of(app, "#state")
        assert text_of(app, "#next-step") == "Next: Set DATABASE_URL. Then start mend again."


async def test_the_history_never_says_nothing_matches_while_rows_show(demo: Path):
    app = app_on(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        for keys in (["3"], ["1"], ["4"], ["3", "1"], ["slash", "z"], ["backspace"]):
            await pilot.press(*keys)
            for wait in (0, 0.2):  # at once, and once the detail is read
                await pilot.pause(wait)
                title = text_of(app, "#detail-title")
                if rows(app):
                    assert not title.startswith("No "), (keys, title)
                    current = app.screen.query_one(MigrationRows).current
                    assert current.name in title
                else:
                    assert title.startswith("No "), (keys, title)
        assert isinstance(app.screen, HistoryScreen)
