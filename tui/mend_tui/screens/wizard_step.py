"""What every step of a wizard shares (the recovery's, and the hotfix's: screens/hotfix/flow.py):
the target bar, the stepper, a busy indicator while the step's data loads in a thread worker, the
load's error (with a retry), the footer.

A step is a screen that takes its data in (the values, or a function that loads them off the UI
thread) and returns its result with `answer`: BACK for escape, or what the operator chose. The
flow (screens/recover/flow.py) is handed it and decides what comes next; a step shown on its own
dismisses itself with it (push_screen_wait). It never reaches into the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from typing import Generic, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, LoadingIndicator, Static, TextArea

from mend_core.errors import MendError
from mend_core.output.redaction import redact
from mend_tui.messages import Writing
from mend_tui.presentation import Look
from mend_tui.snapshot import Snapshot, SnapshotChanged
from mend_tui.widgets.chrome import TargetBar, TooSmall
from mend_tui.widgets.footer import KeysFooter
from mend_tui.widgets.stepper import Stepper, WizardProgress

ResultT = TypeVar("ResultT")
LoadedT = TypeVar("LoadedT")


class Back:
    """The operator pressed escape: one step back (or, from Inspect, out of the wizard)."""

    def __repr__(self) -> str:
        return "BACK"


BACK = Back()


def unexpected(error: Exception, secrets: tuple[str, ...] = ()) -> MendError:
    """An exception the engine did not expect, as an error the screen can show (never a
    traceback: it could hold a URL's password)."""
    return MendError(
        "M9000",
        f"mend hit an internal error: {type(error).__name__}: {redact(str(error), secrets)}",
        "This is a bug in mend; the same step from the command line (`mend inspect`, `mend plan`, "
        "`mend recover`) may say more. The journal records every write that was made.",
    )


def error_content(error: MendError, title: str) -> Content:
    """`Could not inspect: P1001` / the message / `Hint: ...`."""
    parts: list[Content | str] = [
        Content.styled(f"{title}: {error.code}", "bold $text-error"),
        "\n",
        error.message,
    ]
    if error.hint:
        parts += ["\n", Content.styled(f"Hint: {error.hint}", "$text-muted")]
    return Content.assemble(*parts)


class Ahead(Generic[LoadedT]):
    """A step's load started as the step is asked for, in a thread of its own, before its
    screen is made (the flow makes it: wizard_flow.StepShower.ahead). The flow waits for it a
    moment; in by the time the screen opens, the screen's first frame shows the data (a frame
    of the busy indicator and another with the data, each laid out and drawn, cost the step
    change more than the load itself). Still running, the screen shows the busy indicator and
    waits for it.

    As a loader it is called once for its result (what the thread got, raised as the load's
    own error), then for a fresh one each time (a retry loads again). Its thread is not a
    daemon: an app that quits waits for it, as for its workers (a shadow database it made is
    dropped)."""

    def __init__(self, fn: Callable[[], LoadedT], future: Future[LoadedT] | None = None) -> None:
        """Run `fn` now; or, given `future`, take its result from there (whoever set it)."""
        self.fn = fn
        self.future: Future[LoadedT] = future or Future()
        self._lock = threading.Lock()
        self._taken = False
        if future is None:
            threading.Thread(target=self._run, name="mend-step-ahead").start()

    def _run(self) -> None:
        try:
            value = self.fn()
        except BaseException as error:  # noqa: BLE001 - the screen says it (StepScreen.load)
            self.future.set_exception(error)
        else:
            self.future.set_result(value)

    def ready(self) -> bool:
        """Its result is in and not taken yet: the screen can show it at once."""
        with self._lock:
            return not self._taken and self.future.done()

    def __call__(self) -> LoadedT:
        with self._lock:
            taken, self._taken = self._taken, True
        return self.fn() if taken else self.future.result()


class StepScreen(Screen[ResultT], Generic[ResultT]):
    """A step of the wizard. Subclasses set STEP_CSS, compose `body()` and show their data in
    `ready()`; a slow load goes through `load()`."""

    CSS_PATH = ["recover/flow.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "retry", "Retry"),  # offered only after a load failed
        # Where a field takes `q` as text: Textual's ctrl+q (the app's, priority) quits; this
        # binding only shows it (priority too, or the app's hidden one would take its place).
        Binding("ctrl+q", "quit_shown", "Quit", priority=True),
    ]

    def __init__(self, snapshot: Snapshot, progress: WizardProgress) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.progress = progress
        self.busy = False
        self.load_error: MendError | None = None
        self._retry: Callable[[], None] | None = None
        self.handoff: Callable[[ResultT], None] | None = None  # set by the flow
        self.built_ahead = False  # off-screen, before it is asked for (set by the flow)
        self._set_breakpoint()

    def _set_breakpoint(self) -> None:
        """The breakpoint class for the terminal's width, from the start: set by Textual after
        the first layout, it would restyle and lay the screen out a second time."""
        breakpoints = self.HORIZONTAL_BREAKPOINTS or []
        width = self.app.size.width
        chosen = [name for minimum, name in breakpoints if width >= minimum]
        if chosen:
            self.add_class(chosen[-1])

    @property
    def look(self) -> Look:
        return self.snapshot.look

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Stepper(self.progress, self.look)
        with Vertical(classes="main"):
            with Vertical(id="busy"):
                yield LoadingIndicator()
                yield Static("", id="busy-text", markup=False)
            yield Static("", id="load-error")
            with Vertical(id="body"):
                yield from self.body()
        yield TooSmall()
        yield KeysFooter()

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        with self.app.batch_update():  # one frame for all of it, not one per change
            self.query_one(TargetBar).show(self.snapshot)
            self.query_one("#load-error").display = False
            self.show_busy(False)
            self.ready()

    def ready(self) -> None:
        """Show the step's data (called once mounted, and when shown again)."""

    def shown_again(
        self, snapshot: Snapshot, progress: WizardProgress, *, data: bool = True
    ) -> None:
        """Shown again, kept since it answered (the flow keeps a step whose data did not
        change: built once, not again): from here on as a new one would show, its data
        shown again by `ready`, where the wizard is now in the stepper."""
        self.progress = progress
        with self.app.batch_update():
            if snapshot is not self.snapshot:  # (kept off the stack, it missed the changes)
                self.snapshot = snapshot
                self.query_one(TargetBar).show(snapshot)
            self.query_one(Stepper).show(progress)
            if data:
                self.ready()

    def shown_ready(self, snapshot: Snapshot, progress: WizardProgress) -> None:
        """Shown for the first time, built ahead (wizard_flow.StepShower.prepare): its data is
        shown already; the target bar and the stepper as they are now."""
        self.built_ahead = False
        self.shown_again(snapshot, progress, data=False)

    def show_busy(self, shown: bool) -> None:
        """The busy indicator, animated only while shown: hidden, Textual's would still
        redraw itself 16 times a second, frames a step change waits behind."""
        self.query_one("#busy").display = shown
        self.query_one(LoadingIndicator).auto_refresh = 1 / 16 if shown else None

    def on_snapshot_changed(self, message: SnapshotChanged) -> None:
        self.snapshot = message.snapshot
        self.query_one(TargetBar).show(message.snapshot)

    # -- loading off the UI thread ------------------------------------------------------------
    def load(
        self,
        fn: Callable[[], LoadedT],
        doing: str,
        done: Callable[[LoadedT], None],
        failed_title: str,
    ) -> None:
        """Run `fn` in a thread worker with the busy indicator up, then `done(value)`; a
        MendError is shown in place of the body, with `r` to try again. An Ahead whose result
        is in is shown at once, in the frame being made (no busy indicator)."""
        self._retry = lambda: self.load(fn, doing, done, failed_title)
        if isinstance(fn, Ahead) and fn.ready():
            self._load_at_once(fn, done, failed_title)
            return
        self.busy = True
        self.load_error = None
        self.query_one("#busy-text", Static).update(doing + self.look.marks.ellipsis)
        self.show_busy(True)
        self.query_one("#load-error").display = False
        self.query_one("#body").display = False
        self.refresh_bindings()
        self._load_worker(fn, done, failed_title)

    @work(thread=True, exclusive=True, group="step-load", exit_on_error=False)
    def _load_worker(
        self, fn: Callable[[], LoadedT], done: Callable[[LoadedT], None], failed_title: str
    ) -> None:
        try:
            value = fn()
        except MendError as error:
            self._from_thread(self._load_failed, error, failed_title)
            return
        except Exception as error:  # noqa: BLE001 - shown on screen, never as a traceback
            self._from_thread(self._load_failed, unexpected(error), failed_title)
            return
        self._from_thread(self._load_done, done, value)

    def _load_at_once(
        self, ahead: Ahead[LoadedT], done: Callable[[LoadedT], None], failed_title: str
    ) -> None:
        self.busy = False
        self.load_error = None
        self.show_busy(False)
        try:
            value = ahead()
        except Exception as error:  # noqa: BLE001 - shown on screen, never as a traceback
            self.query_one("#body").display = False
            shown = error if isinstance(error, MendError) else unexpected(error)
            self._load_failed(shown, failed_title)
            return
        self.query_one("#load-error").display = False
        self.query_one("#body").display = True
        done(value)
        self.refresh_bindings()

    def _from_thread(self, callback: Callable[..., None], *args: object) -> None:
        """Hand a result to the UI thread, unless the screen is gone (escape while loading)."""
        with suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(callback, *args)

    def _load_done(self, done: Callable[[LoadedT], None], value: LoadedT) -> None:
        if not self.is_attached:
            return
        self.busy = False
        with self.app.batch_update():
            self.show_busy(False)
            self.query_one("#body").display = True
            done(value)
        self.refresh_bindings()

    def _load_failed(self, error: MendError, title: str) -> None:
        if not self.is_attached:
            return
        self.busy = False
        self.load_error = error
        self.show_busy(False)
        shown = self.query_one("#load-error", Static)
        shown.update(error_content(error, title))
        shown.display = True
        self.refresh_bindings()

    # -- keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self.load_error is not None
        if action == "quit_shown":
            return isinstance(self.focused, Input | TextArea)
        return True

    async def action_quit_shown(self) -> None:
        await self.app.run_action("quit")

    def action_retry(self) -> None:
        if self.load_error is not None and self._retry is not None:
            self._retry()

    def action_back(self) -> None:
        self.answer(BACK)  # type: ignore[arg-type]

    def answer(self, result: ResultT) -> None:
        """The step's result. The flow shows the next step in this one's place (switch_screen):
        between two steps nothing beneath them is redrawn. Shown on its own (no flow), the
        step dismisses itself with it, for push_screen_wait."""
        if self.handoff is not None:
            handoff, self.handoff = self.handoff, None
            handoff(result)
        else:
            self.dismiss(result)

    def writing(self, active: bool) -> None:
        """Tell the app that this step writes now (it refuses to quit meanwhile)."""
        self.post_message(Writing(active))
