"""Per-step progress of a recovery plan running (rehearsal or execution): the phase, a bar, and
each step with its state and timing. The engine reports from a worker thread through
`ThreadObserver`, which hands every report to the UI thread."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import ProgressBar, Static

from mend_core.recovery.plan import PlanStep
from mend_tui.presentation import Look


class StepState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "ok"
    FAILED = "failed"


STATE_STYLE = {
    StepState.WAITING: "$text-muted",
    StepState.RUNNING: "bold $text-accent",
    StepState.DONE: "$text-success",
    StepState.FAILED: "bold $text-error",
}


def state_mark(state: StepState, look: Look) -> str:
    if look.words:
        return f"{state.value:<7}"
    marks = look.marks
    return {
        StepState.WAITING: marks.pending,
        StepState.RUNNING: ">" if look.ascii else "▶",
        StepState.DONE: marks.applied,
        StepState.FAILED: marks.failed,
    }[state]


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


class StepProgress(Vertical):
    DEFAULT_CSS = """
    StepProgress { height: auto; }
    StepProgress > #phase { height: auto; color: $text-muted; }
    StepProgress > ProgressBar { height: 1; margin: 0 0 1 0; }
    StepProgress > #steps { height: auto; }
    """

    def __init__(self, steps: Sequence[PlanStep], look: Look, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.steps = list(steps)
        self.look = look
        self.states = {step.number: StepState.WAITING for step in self.steps}
        self.seconds: dict[int, float] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="phase", markup=False)
        yield ProgressBar(total=max(len(self.steps), 1), show_eta=False)
        yield Static(self.lines(), id="steps")

    def set_running(self, running: bool) -> None:
        """Before a run, only the steps show (what will run); the phase and the bar with it."""
        self.query_one("#phase").display = running
        self.query_one(ProgressBar).display = running

    # -- reports (on the UI thread) -----------------------------------------------------------
    def phase(self, text: str) -> None:
        self.query_one("#phase", Static).update(text + self.look.marks.ellipsis)

    def started(self, number: int) -> None:
        self.states[number] = StepState.RUNNING
        self.show()

    def finished(self, number: int, seconds: float) -> None:
        self.states[number] = StepState.DONE
        self.seconds[number] = seconds
        self.query_one(ProgressBar).advance(1)
        self.show()

    def failed(self, number: int | None) -> None:
        """The step the database refused (None: it failed before any step ran)."""
        if number is not None:
            self.states[number] = StepState.FAILED
        for key, state in self.states.items():
            if state is StepState.RUNNING:
                self.states[key] = StepState.FAILED
        self.show()

    def done(self, text: str) -> None:
        """The run is over: the bar full, the phase says how it ended."""
        bar = self.query_one(ProgressBar)
        bar.update(progress=bar.total or 0)
        self.query_one("#phase", Static).update(text)

    # -- drawing ------------------------------------------------------------------------------
    def show(self) -> None:
        self.query_one("#steps", Static).update(self.lines())

    def lines(self) -> Content:
        rows: list[Content | str] = []
        for step in self.steps:
            state = self.states[step.number]
            timing = self.seconds.get(step.number)
            took = f"  {milliseconds(timing)}" if timing is not None else ""
            if rows:
                rows.append("\n")
            rows += [
                Content.styled(state_mark(state, self.look), STATE_STYLE[state]),
                f" {step.number}. {step.summary}",
                Content.styled(took, "$text-muted"),
            ]
        return Content.assemble(*rows) if rows else Content("No SQL to run.")


class ThreadObserver:
    """A RecoveryObserver for the engine's worker thread: each report runs on the UI thread."""

    def __init__(self, app: App[object], progress: StepProgress) -> None:
        self.app = app
        self.progress = progress

    def phase(self, text: str) -> None:
        self.app.call_from_thread(self.progress.phase, text)

    def step_started(self, step: PlanStep, total: int) -> None:
        self.app.call_from_thread(self.progress.started, step.number)

    def step_finished(self, step: PlanStep, total: int, seconds: float) -> None:
        self.app.call_from_thread(self.progress.finished, step.number, seconds)
