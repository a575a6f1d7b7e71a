"""The terminal app: a shell around mend_core for people in the middle of an incident.

Every database call runs in a thread worker, so the screen never freezes; errors open a modal
with the code, the message and the hint, with a retry; nothing here writes to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from mend_core.context import Context
from mend_core.errors import MendError
from mend_core.redaction import redact
from mend_core.status import StatusReport, get_status
from mend_tui.modals.error import ErrorModal
from mend_tui.modals.message import MessageModal
from mend_tui.terminal import ASCII, UNICODE, Glyphs
from mend_tui.widgets.chrome import MIN_HEIGHT, MIN_WIDTH

AUTO_REFRESH_STEPS = (0, 5, 30, 120)

HELP = """
mend is read-only here: it shows the state of the migration history and never writes.

| Key | Does |
|---|---|
| `r` | read the status again |
| `a` | auto-refresh: off, every 5 s, 30 s, 2 min |
| `h` | the history browser |
| `d` | the status dashboard |
| `enter` | open the highlighted migration in the history browser |
| `x` | what recovering the failed migration will do |
| `/` | search migrations by name (history) |
| `f`, `1`-`6` | filter the history by state |
| `tab` | move between the list and the details |
| `s` `o` `t` | the SQL, logs and attempts of a migration (history) |
| `n` / `f` | next statement / the failed statement (in the SQL) |
| `ctrl+p` | the command palette |
| `?`, `f1` | this help |
| `escape` | back |
| `q` | quit |

States: `✓` applied, `○` pending, `✗` failed, `?` recorded in the database but missing from the
migrations folder, `✎` edited after it was applied.

Over SSH: `--no-mouse` keeps the terminal's own text selection; `--ascii` avoids box-drawing
characters; `NO_COLOR=1` turns colours off (states keep their glyphs).
"""

RECOVERY = """
A migration failed half-way. The recovery wizard (coming in the next release) will:

1. **Inspect**: show what the migration ran before it failed (its logs: statement, error code,
   what was committed or rolled back) and what the database really holds now, by comparing the
   live schema with the migrations (`mend drift` does this today).
2. **Decide**: roll back (undo what the migration did) or roll forward (finish it).
3. **Preview** the repair SQL, computed by the schema engine (`mend diff`).
4. **Execute** it, statement by statement, journaled (`mend execute`).
5. **Resolve** the history (`mend resolve --rolled-back` or `--applied`).

Until then, the same steps by hand:

```
mend drift                                   # what the failed migration left behind
mend diff --from-url "$DATABASE_URL" --to-migrations DIR --script > fix.sql
mend execute --file fix.sql
mend resolve --rolled-back NAME              # or --applied NAME
```
"""


class MendApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "mend"

    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("d", "dashboard", "Dashboard", show=False),
        Binding("h", "history", "History"),
        Binding("r", "refresh", "Refresh"),
        Binding("a", "auto_refresh", "Auto-refresh", show=False),
    ]

    report: reactive[StatusReport | None] = reactive(None)
    loading: reactive[bool] = reactive(False)
    auto_refresh: reactive[int] = reactive(0)

    def __init__(
        self,
        context: Context | None,
        *,
        ascii_only: bool = False,
        refresh_interval: int = 0,
        startup_error: MendError | None = None,
        prepare: Callable[[], Context] | None = None,
    ) -> None:
        """`prepare`, if given, makes the context in a worker after the first frame (the demo
        writes its project there, so that the app shows at once)."""
        super().__init__()
        self.context = context
        self.prepare = prepare
        self.ascii_only = ascii_only
        self.glyphs: Glyphs = ASCII if ascii_only else UNICODE
        self.startup_error = startup_error
        self._initial_refresh = refresh_interval
        self._timer: Timer | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        from mend_tui.screens.dashboard import DashboardScreen

        if self.ascii_only:
            self.add_class("-ascii")
        self.push_screen(DashboardScreen())
        self.auto_refresh = self._initial_refresh
        if self.startup_error is not None:
            self.show_error(self.startup_error)
        elif self.prepare is not None:
            self.prepare_context()
        else:
            self.load_status()

    @work(thread=True, group="prepare", exit_on_error=False)
    def prepare_context(self) -> None:
        assert self.prepare is not None
        self.call_from_thread(setattr, self, "loading", True)
        try:
            context = self.prepare()
        except MendError as error:
            self.call_from_thread(self._loaded, None, error)
            return
        self.call_from_thread(self._prepared, context)

    def _prepared(self, context: Context) -> None:
        self.context = context
        self.load_status()

    def on_resize(self, event: events.Resize) -> None:
        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        self.set_class(small, "-too-small")

    # -- reading the status -------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def load_status(self) -> None:
        if self.context is None:
            return
        self.call_from_thread(setattr, self, "loading", True)
        try:
            report = get_status(self.context)
        except MendError as error:
            self.call_from_thread(self._loaded, None, error)
            return
        except Exception as error:  # noqa: BLE001 - shown in the modal, never as a traceback
            secrets = self.context.target.secrets
            unexpected = MendError(
                "M9000",
                f"mend hit an internal error: {type(error).__name__}: "
                f"{redact(str(error), secrets)}",
                "This is a bug in mend; run `mend status` for the same information.",
            )
            self.call_from_thread(self._loaded, None, unexpected)
            return
        self.call_from_thread(self._loaded, report, None)

    def _loaded(self, report: StatusReport | None, error: MendError | None) -> None:
        self.loading = False
        if report is not None:
            self.report = report
        if error is not None:
            self.show_error(error)

    def show_error(self, error: MendError) -> None:
        def answered(retry: bool | None) -> None:
            if retry:
                self.load_status()

        self.push_screen(ErrorModal(error, retry=self.context is not None), answered)

    # -- actions ------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.load_status()
        self.notify("Reading the status again…", timeout=2)

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
            self._timer = self.set_interval(seconds, self.load_status)

    def action_help(self) -> None:
        self.push_screen(MessageModal("mend: keys and states", HELP))

    def action_recovery(self) -> None:
        self.push_screen(MessageModal("Recovering a failed migration", RECOVERY))

    def action_dashboard(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_history(self, name: str | None = None) -> None:
        from mend_tui.screens.history import HistoryScreen

        if isinstance(self.screen, HistoryScreen):
            if name:
                self.screen.focus_migration(name)
            return
        self.push_screen(HistoryScreen(focus=name))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh", "Read the migration status again", self.action_refresh)
        yield SystemCommand(
            "History", "Browse every migration, its SQL and logs", self.action_history
        )
        yield SystemCommand("Dashboard", "The status dashboard", self.action_dashboard)
        yield SystemCommand(
            "Auto-refresh", "Cycle: off, 5 s, 30 s, 2 min", self.action_auto_refresh
        )
        yield SystemCommand(
            "Recovery", "What recovering a failed migration will do", self.action_recovery
        )
        yield SystemCommand("Help", "Keys and states", self.action_help)


def run(
    context: Context | None,
    *,
    ascii_only: bool = False,
    no_mouse: bool = False,
    refresh_interval: int = 0,
    startup_error: MendError | None = None,
    prepare: Callable[[], Context] | None = None,
) -> int:
    app = MendApp(
        context,
        ascii_only=ascii_only,
        refresh_interval=refresh_interval,
        startup_error=startup_error,
        prepare=prepare,
    )
    app.run(mouse=not no_mouse)
    return app.return_code or 0


__all__ = ["MendApp", "run"]
