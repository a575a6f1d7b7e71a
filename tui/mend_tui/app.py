"""The terminal app: a shell around mend_core for people in the middle of an incident.

Every database call runs in a thread worker, so the screen never freezes; errors open a modal
with the code, the message and the hint, with a retry. The app reads through read-only sessions
(`get_status`); only the wizards write: the recovery through the engine's rehearsal and
recovery, after the operator typed the migration's name; the hotfix through `apply_hotfix`,
after the operator typed the new migration folder's name.

The app owns what it knows (one Snapshot) and the navigation: screens are given the snapshot,
post messages (OpenHistory, Recover, Hotfix) to ask for another screen, and return results with
`dismiss`. Each wizard, the recovery (`action_recover`, screens/recover/flow.py) and the hotfix
(`action_hotfix`, screens/hotfix/flow.py), is one coroutine in a worker that shows its steps one
after the other; while one is open the app's own navigation keys rest, and while it writes the
app does not quit. `palette.COMMANDS` is the palette and `help.md` the help.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from mend_core.errors import MendError
from mend_core.history.status import MigrationState, StatusReport, get_status
from mend_core.output.redaction import redact
from mend_core.project.context import Context
from mend_tui.ascii_filter import AsciiFilter
from mend_tui.collector import Collector
from mend_tui.control_filter import ControlFilter
from mend_tui.messages import HistoryRequest, Hotfix, OpenHistory, Recover, Writing
from mend_tui.modals.error import ErrorModal
from mend_tui.palette import MendCommands
from mend_tui.paths import shown_path
from mend_tui.presentation import Look
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.snapshot import Snapshot, SnapshotChanged, database_name
from mend_tui.widgets.chrome import MIN_HEIGHT, MIN_WIDTH

if TYPE_CHECKING:
    from textual.driver import Driver

    from mend_core.hotfix.session import HotfixSession
    from mend_core.recovery.session import RecoverySession

WIZARD_STYLES = (
    "screens/recover/flow.tcss",
    "screens/recover/inspect.tcss",
    "screens/recover/choose.tcss",
    "screens/recover/data_fix.tcss",
    "screens/recover/preview.tcss",
    "screens/recover/rehearse.tcss",
    "screens/recover/execute.tcss",
    "screens/recover/verify.tcss",
    "modals/confirm.tcss",
    "screens/hotfix/flow.tcss",
    "screens/hotfix/items.tcss",
    "screens/hotfix/name.tcss",
    "screens/hotfix/preview.tcss",
    "screens/hotfix/targets.tcss",
    "screens/hotfix/apply.tcss",
    "screens/hotfix/verify.tcss",
)

HERE = Path(__file__).parent

AUTO_REFRESH_STEPS = (0, 5, 30, 120)
# The app's own actions that rest while a wizard is open: navigating away would pull its
# screens from under it.
RESTING_IN_WIZARD = (
    "history",
    "dashboard",
    "refresh",
    "auto_refresh",
    "recover",
    "report",
    "hotfix",
)

# Keys Textual draws with a symbol, spelt out with --ascii.
ASCII_KEYS = {"enter": "enter", "backspace": "bksp"}

StatusReader = Callable[[Context], StatusReport]
Clock = Callable[[], datetime]


class Repeater(Protocol):
    """What calls the auto-refresh: Textual's timer, or a test's hand."""

    def stop(self) -> None: ...


# Calls `callback` every `seconds` until stopped (the app's set_interval, by default).
Every = Callable[[float, Callable[[], None]], Repeater]


def utc_now() -> datetime:
    return datetime.now(UTC)


class MendApp(App[int]):
    # The wizards' styles are read once the first frame is drawn (`read_wizard_styles`), not
    # when their screens open: a screen whose .tcss is new makes Textual parse every source
    # again and restyle the whole app, which each step would pay for.
    CSS_PATH = ["app.tcss"]
    TITLE = "mend"
    COMMANDS = {MendCommands}

    # The footer lists the focused panel's keys first, then these.
    BINDINGS = [
        Binding("h", "history", "History"),
        Binding("r", "refresh", "Refresh"),
        # f1 where a field takes `?` as text (the footer shows the first of an action's keys
        # left active, the one that works: get_key_display).
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("d", "dashboard", "Dashboard", show=False),
        Binding("a", "auto_refresh", "Auto-refresh", show=False),
        Binding("w", "report", "Report", show=False),
    ]

    auto_refresh: reactive[int] = reactive(0)

    def __init__(
        self,
        context: Context | None,
        *,
        ascii_only: bool = False,
        refresh_interval: int = 0,
        startup_error: MendError | None = None,
        prepare: Callable[[], Context] | None = None,
        read_status: StatusReader = get_status,
        clock: Clock = utc_now,
        recover: str | None = None,
        engine: Callable[[Context], RecoverySession] | None = None,
        hotfix_engine: Callable[[Context], HotfixSession] | None = None,
        manage_gc: bool = False,
        every: Every | None = None,
    ) -> None:
        """`prepare`, if given, makes the context in a worker after the first frame (the demo
        writes its project there, so that the app shows at once). `recover` opens the recovery
        wizard on that migration ("": the failed one) once the status is read (`mend recover`
        on a terminal). `read_status`, `clock`, `engine` and `hotfix_engine` (the wizards'
        sessions, mend_core's RecoverySession and HotfixSession, made for a context) are for
        tests and demo scenes. `manage_gc`: the garbage
        collector kept out of the first frame and the wizards' step changes (collector.py; the
        real command, not tests, which make many apps in one process). `every` starts the
        auto-refresh's repeats (default: a Textual timer; tests hold the callback and call it)."""
        super().__init__()
        self.context: Context | None = context
        self.prepare = prepare
        self.ascii_only = ascii_only
        self.read_status = read_status
        self.clock = clock
        self.startup_error = startup_error
        self._initial_refresh = refresh_interval
        self._every: Every = every or self._interval
        self._timer: Repeater | None = None
        self._error_modal: ErrorModal | None = None
        # The error the operator closed: auto-refresh hitting it again does not reopen it
        # (the target bar and the screens still say it); `r` does.
        self._closed_error: tuple[str, str] | None = None
        self._ascii_filter = AsciiFilter()
        self._control_filter = ControlFilter()
        self._recover_at_start = recover
        self.make_engine = engine
        self.make_hotfix_engine = hotfix_engine
        self._wizard_warm = False  # their modules imported ahead (recover_, hotfix_warmup.py)
        self.collector = Collector(active=manage_gc)
        self.wizard: str | None = None  # the wizard open: "recover", "hotfix" or None
        self.writing: bool = False  # a wizard step writes to the database now
        self.snapshot = Snapshot(
            Look(ascii=ascii_only, color=not self.no_color), preparing=prepare is not None
        )
        self._describe_context()

    # -- what the app knows -------------------------------------------------------------------
    @property
    def report(self) -> StatusReport | None:
        return self.snapshot.report

    def publish(self, **changes: object) -> None:
        """Change the snapshot and hand it to every screen."""
        self.snapshot = self.snapshot.but(**changes)
        for screen in self.screen_stack:
            screen.post_message(SnapshotChanged(self.snapshot))
        self.refresh_bindings()

    def _describe_context(self) -> None:
        context = self.context
        if context is not None:
            self.snapshot = self.snapshot.but(
                target=context.target.label(),
                database=database_name(context.target),
                dialect=context.target.dialect,
                read_only=context.read_only,
                preparing=False,
            )

    def has_failed(self) -> bool:
        report = self.snapshot.report
        return bool(report and report.named(MigrationState.FAILED))

    # -- lifecycle ----------------------------------------------------------------------------
    def get_driver_class(self) -> type[Driver]:
        chosen = super().get_driver_class()
        # deferred: Linux only (termios): Textual picks the driver for the platform
        from textual.drivers.linux_driver import LinuxDriver

        if chosen is not LinuxDriver:  # Windows, or a driver named in TEXTUAL_DRIVER
            return chosen
        # Escape (back one step in a wizard) as prompt as any other key: driver.py.
        # deferred: Linux only, as above (driver.py subclasses Textual's Linux driver)
        from mend_tui.driver import PromptEscapeDriver

        return PromptEscapeDriver

    def get_key_display(self, binding: Binding) -> str:
        if binding.key == "f1":
            return "f1"
        # Textual draws enter as `⏎`, which --ascii would turn into `?`, the key of Help.
        if self.ascii_only and binding.key in ASCII_KEYS:
            return ASCII_KEYS[binding.key]
        return super().get_key_display(binding)

    def get_line_filters(self) -> Sequence[LineFilter]:
        # Control characters first: the ASCII filter then draws their pictures as `?`.
        filters = [*super().get_line_filters(), self._control_filter]
        return [*filters, self._ascii_filter] if self.ascii_only else filters

    def on_mount(self) -> None:
        if self.ascii_only:
            self.add_class("-ascii")
        self.push_screen(DashboardScreen(self.snapshot))
        self.auto_refresh = self._initial_refresh
        if self.startup_error is not None:
            self.publish(error=self.startup_error)
            self.show_error(self.startup_error)
        # The rest once the first frame is drawn: a worker thread started now would hold the
        # interpreter's lock while the frame is made.
        self.call_after_refresh(self._first_frame_drawn)

    def _first_frame_drawn(self) -> None:
        self.collector.drawn()
        self.read_wizard_styles()
        if self.startup_error is not None:
            return
        if self.prepare is not None:
            self.prepare_context()
        else:
            self.load_status()

    def read_wizard_styles(self) -> None:
        """The wizards' styles, read before any of their screens opens (and restyles the app);
        each file is parsed once, those read already are not parsed again."""
        self.stylesheet.read_all([HERE / path for path in WIZARD_STYLES])
        self.stylesheet.update(self)

    @work(thread=True, group="prepare", exit_on_error=False)
    def prepare_context(self) -> None:
        assert self.prepare is not None
        try:
            context = self.prepare()
        except MendError as error:
            self.call_from_thread(self._loaded, None, error)
            return
        self.call_from_thread(self._prepared, context)

    def _prepared(self, context: Context) -> None:
        self.context = context
        self._describe_context()
        self.publish()
        self.load_status()

    def on_resize(self, event: events.Resize) -> None:
        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        self.set_class(small, "-too-small")

    # -- reading the status -------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def load_status(self, *, automatic: bool = False) -> None:
        context = self.context
        if context is None:
            return
        self.call_from_thread(self.publish, loading=True)
        try:
            report = self.read_status(context)
        except MendError as error:
            self.call_from_thread(self._loaded, None, error, automatic)
            return
        except Exception as error:  # noqa: BLE001 - shown in the modal, never as a traceback
            unexpected = MendError(
                "M9000",
                f"mend hit an internal error: {type(error).__name__}: "
                f"{redact(str(error), context.target.secrets)}",
                "This is a bug in mend; run `mend status` for the same information.",
            )
            self.call_from_thread(self._loaded, None, unexpected, automatic)
            return
        self.call_from_thread(self._loaded, report, None)

    def _loaded(
        self, report: StatusReport | None, error: MendError | None, automatic: bool = False
    ) -> None:
        if report is not None:
            self._closed_error = None
            self.publish(report=report, read_at=self.clock(), error=None, loading=False)
            if self._recover_at_start is not None:
                name, self._recover_at_start = self._recover_at_start, None
                self.action_recover(name or None)
            elif not self._wizard_warm:
                self._wizard_warm = True
                # Once the status is drawn: the imports would slow the frame that shows it.
                recovery = self.has_failed()
                self.call_after_refresh(lambda: self.warm_wizard(recovery=recovery))
        else:
            self.publish(error=error, loading=False)
        if error is not None:
            if automatic and (error.code, error.message) == self._closed_error:
                return  # closed once already; the screens say it
            self.show_error(error)

    def show_error(self, error: MendError) -> None:
        """One dialog at a time: a repeat (auto-refresh) updates the open one."""
        shown = self._error_modal
        if shown is not None and shown in self.screen_stack:
            shown.update_error(error, self.clock())
            return
        modal = ErrorModal(
            error, retry=self.context is not None, title="Could not read the migration status"
        )

        def answered(retry: bool | None) -> None:
            self._error_modal = None
            self._closed_error = (modal.error.code, modal.error.message)
            if retry:
                self.load_status()

        self._error_modal = modal
        self.push_screen(modal, answered)

    # -- actions ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.wizard is not None and action in RESTING_IN_WIZARD:
            return False
        if action in ("report", "hotfix"):
            return self.context is not None
        if action == "history":  # hidden where it is (a modal over it included)
            return not self.history_open()
        if action == "recover":
            return self.has_failed()
        return True

    def history_open(self) -> bool:
        # Asked for every footer drawn: the history's module (SQL view, Pygments) is not
        # imported for it. Not imported yet, no history screen can be open; nor while the
        # warm-up thread is still importing it (in sys.modules, HistoryScreen not yet defined).
        module = sys.modules.get("mend_tui.screens.history")
        screen_class = getattr(module, "HistoryScreen", None)
        if screen_class is None:
            return False
        return any(isinstance(screen, screen_class) for screen in self.screen_stack)

    def action_refresh(self) -> None:
        if self.context is None:
            self.notify("No database to read: correct the configuration and start mend again.")
            return
        self.load_status()
        self.notify(f"Reading the status again{self.snapshot.look.marks.ellipsis}", timeout=2)

    def action_auto_refresh(self) -> None:
        position = (
            AUTO_REFRESH_STEPS.index(self.auto_refresh)
            if (self.auto_refresh in AUTO_REFRESH_STEPS)
            else 0
        )
        self.auto_refresh = AUTO_REFRESH_STEPS[(position + 1) % len(AUTO_REFRESH_STEPS)]
        every = f"every {self.auto_refresh} s" if self.auto_refresh else "off"
        self.notify(f"Auto-refresh: {every}", timeout=2)

    def watch_auto_refresh(self, seconds: int) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if seconds:
            self._timer = self._every(seconds, self.refresh_automatically)
        self.publish(auto_refresh=seconds)

    def _interval(self, seconds: float, callback: Callable[[], None]) -> Timer:
        return self.set_interval(seconds, callback)

    def refresh_automatically(self) -> None:
        """What the auto-refresh does at each tick."""
        if self.wizard is None:  # a wizard reads what it needs itself; its dialogs stay clear
            self.load_status(automatic=True)

    def action_help(self) -> None:
        # deferred: loaded when help opens: not on the first frame's path
        from mend_tui.modals.help import HelpModal

        if not isinstance(self.screen, HelpModal):
            self.push_screen(HelpModal(self.snapshot.look, wizard=self.wizard))

    async def action_quit(self) -> None:
        if self.writing:
            self.notify(
                "A wizard step is writing to the database: mend quits once it has finished.",
                severity="warning",
                timeout=5,
            )
            return
        await super().action_quit()

    # -- the recovery wizard ------------------------------------------------------------------
    def action_recover(self, name: str | None = None) -> None:
        """Open the recovery wizard on the failed migration `name` (default: the first)."""
        if self.wizard is not None or self.context is None:
            return
        report = self.snapshot.report
        failed = report.named(MigrationState.FAILED) if report else []
        if not failed:
            self.notify("Nothing has failed: there is nothing to recover.", timeout=3)
            return
        self.run_wizard(name or failed[0].name)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_wizard(self, *, recovery: bool) -> None:
        """The modules of what the dashboard does not draw imported ahead: the history's (h),
        the recovery wizard's when a migration failed (x is offered), the hotfix's always (d is
        on every dashboard)."""
        # deferred: a wizard's modules load after the first frame (warm_wizard) or when opened
        from mend_tui.screens.hotfix.warmup import import_hotfix_wizard
        from mend_tui.screens.recover.warmup import import_wizard

        import_module("mend_tui.screens.history")
        if recovery:
            import_wizard()
        import_hotfix_wizard()
        self.call_from_thread(self.collector.freeze)  # modules stay: collections skip them

    def on_recover(self, message: Recover) -> None:
        self.action_recover(message.name)

    @work(exclusive=True, group="recover", exit_on_error=False)
    async def run_wizard(self, name: str) -> None:
        # deferred: a wizard's modules load after the first frame (warm_wizard) or when opened
        from mend_core.recovery.session import RecoverySession
        from mend_tui.screens.recover.flow import RecoverBackdrop, RecoveryFlow
        from mend_tui.widgets.stepper import Step

        assert self.context is not None
        engine = (self.make_engine or RecoverySession)(self.context)
        flow = RecoveryFlow(self, engine, lambda: self.snapshot, name)
        await self.walk_wizard(
            "recover", RecoverBackdrop(self.snapshot), lambda: flow.run(Step.INSPECT)
        )

    async def walk_wizard(
        self, kind: str, backdrop: Screen[None], run: Callable[[], Awaitable[object]]
    ) -> None:
        """Open a wizard over its backdrop, walk its flow, then close every screen it opened
        and read the status again (what it changed)."""
        # deferred: a wizard's modules load after the first frame (warm_wizard) or when opened
        from mend_tui.screens.wizard_step import unexpected

        assert self.context is not None
        self.wizard = kind
        self.refresh_bindings()
        await self.push_screen(backdrop)
        try:
            await run()
        except Exception as error:  # noqa: BLE001 - a bug: said in the dialog, never a traceback
            self.show_error(unexpected(error, self.context.target.secrets))
        finally:
            self.wizard, self.writing = None, False
            while backdrop in self.screen_stack:  # the wizard's screens go with it
                self.pop_screen()
            self.refresh_bindings()
            self.load_status()
            self.call_after_refresh(self.collector.release)  # what its steps left

    # -- the hotfix wizard --------------------------------------------------------------------
    def action_hotfix(self) -> None:
        """Open the hotfix wizard: the drift, recorded as a migration."""
        if self.wizard is not None or self.context is None:
            return
        self.run_hotfix_wizard()

    def on_hotfix(self, message: Hotfix) -> None:
        self.action_hotfix()

    @work(exclusive=True, group="hotfix", exit_on_error=False)
    async def run_hotfix_wizard(self) -> None:
        # deferred: a wizard's modules load after the first frame (warm_wizard) or when opened
        from mend_core.hotfix.session import HotfixSession
        from mend_tui.screens.hotfix.flow import HotfixBackdrop, HotfixFlow
        from mend_tui.widgets.hotfix_stepper import HotfixStep

        assert self.context is not None
        engine = (self.make_hotfix_engine or HotfixSession)(self.context)
        flow = HotfixFlow(self, engine, lambda: self.snapshot)
        backdrop = HotfixBackdrop(self.snapshot)
        await self.walk_wizard("hotfix", backdrop, lambda: flow.run(HotfixStep.ITEMS))
        if flow.recover is not None:  # x on a failed migration's leftover
            self.action_recover(flow.recover)

    def on_writing(self, message: Writing) -> None:
        self.writing = message.active
        if not message.active:
            self.load_status()  # the target bar follows what the step changed

    # -- the incident report ------------------------------------------------------------------
    def action_report(self) -> None:
        if self.context is not None:
            self.write_report()

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def write_report(self) -> None:
        # deferred: a wizard's modules load after the first frame (warm_wizard) or when opened
        from mend_core.recovery.session import RecoverySession

        assert self.context is not None
        try:
            path: Path = RecoverySession(self.context).write_report(None)
        except MendError as error:
            self.call_from_thread(self._report_failed, error)
            return
        except OSError as error:
            self.call_from_thread(
                self.notify, f"The report could not be written: {error}", severity="error"
            )
            return
        self.call_from_thread(
            self.notify, f"Incident report written to {shown_path(path)}", timeout=8
        )

    def _report_failed(self, error: MendError) -> None:
        self.push_screen(ErrorModal(error, retry=False, title="Could not write the report"))

    def action_dashboard(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def open_history(self, request: HistoryRequest) -> None:
        # deferred: the history (SQL view, Pygments) loads after the first frame or when opened
        from mend_tui.screens.history import HistoryScreen

        if isinstance(self.screen, HistoryScreen):
            self.screen.open(request)
            return
        self.action_dashboard()
        self.push_screen(HistoryScreen(self.snapshot, request))

    def on_open_history(self, message: OpenHistory) -> None:
        self.open_history(message.request)

    def action_history(self) -> None:
        self.open_history(HistoryRequest())

    def action_history_tab(self, tab: str) -> None:
        self.open_history(HistoryRequest(tab=tab))

    def action_history_filter(self, index: int) -> None:
        self.open_history(HistoryRequest(filter=index))

    def action_history_search(self) -> None:
        self.open_history(HistoryRequest(search=True))


def run(
    context: Context | None,
    *,
    ascii_only: bool = False,
    no_mouse: bool = False,
    refresh_interval: int = 0,
    startup_error: MendError | None = None,
    prepare: Callable[[], Context] | None = None,
    recover: str | None = None,
) -> int:
    app = MendApp(
        context,
        ascii_only=ascii_only,
        refresh_interval=refresh_interval,
        startup_error=startup_error,
        prepare=prepare,
        recover=recover,
        manage_gc=True,
    )
    app.collector.rest_until_drawn()
    app.run(mouse=not no_mouse)
    return app.return_code or 0


__all__ = ["MendApp", "run"]
