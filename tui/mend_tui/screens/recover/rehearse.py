"""Rehearse: the plan runs where it cannot stay (in a transaction rolled back on PostgreSQL and
SQLite, in a schema-only clone on MySQL, which is said), step by step with progress, and the
result is compared with the expected schema. It starts as the screen opens, in a thread worker.

Success goes on to Execute; a failure shows the step and the database's error and leads back to
Choose (or Data fix, when a data fix was part of the plan). Escape goes back to the Preview,
except while the rehearsal runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from mend_core.errors import MendError
from mend_core.recovery.plan import RecoveryPlan
from mend_core.recovery.rehearse import RehearsalResult
from mend_core.recovery.steps import RecoveryObserver
from mend_tui.screens.wizard_step import Back, StepScreen, error_content, unexpected
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.step_progress import StepProgress, ThreadObserver
from mend_tui.widgets.stepper import Progress, WizardProgress


@dataclass(frozen=True)
class Rehearsed:
    result: RehearsalResult


class RehearseStep(StepScreen[Rehearsed | Back]):
    CSS_PATH = ["flow.tcss", "rehearse.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # One key, one meaning at a time: on to Execute after a success, back to change the
        # plan after a failure.
        Binding("enter", "next", "Execute"),
        Binding("enter", "change", "Change the plan"),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: Progress,
        plan: RecoveryPlan,
        run: Callable[[RecoveryObserver], RehearsalResult],
        *,
        back_to: str,
    ) -> None:
        super().__init__(snapshot, progress)
        self.plan = plan
        self.run = run
        self.back_to = back_to  # where a failed rehearsal leads: "Choose" or "Data fix"
        self.running = False
        self.result: RehearsalResult | None = None
        self.error: MendError | None = None

    def body(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                Content.styled(
                    f"Rehearsing the {self.plan.direction.words} of `{self.plan.migration}` ",
                    "bold",
                ),
                self.plan.rehearsable + ".",
            ),
            classes="lead",
        )
        yield StepProgress(self.plan.steps, self.look, id="progress")
        yield Static("", id="outcome")

    def ready(self) -> None:
        if not self.built_ahead:  # (built ahead: it starts once shown, not as it mounts)
            self.start()

    def shown_ready(self, snapshot: Snapshot, progress: WizardProgress) -> None:
        super().shown_ready(snapshot, progress)
        self.start()

    def start(self) -> None:
        self.running = True
        self.result = self.error = None
        self.query_one("#outcome", Static).update("")
        self.writing(True)
        self.refresh_bindings()
        self._rehearse()

    @work(thread=True, exclusive=True, group="rehearse", exit_on_error=False)
    def _rehearse(self) -> None:
        observer = ThreadObserver(self.app, self.query_one(StepProgress))
        try:
            result = self.run(observer)
        except MendError as error:
            self._from_thread(self._failed, error)
            return
        except Exception as error:  # noqa: BLE001 - shown on screen, never as a traceback
            self._from_thread(self._failed, unexpected(error))
            return
        self._from_thread(self._finished, result)

    def _finished(self, result: RehearsalResult) -> None:
        self.running = False
        self.result = result
        self.writing(False)
        if not self.is_attached:
            return
        progress = self.query_one(StepProgress)
        if result.ok:
            progress.done(f"Rehearsed ({result.method}): every step ran.")
            outcome = Content.assemble(
                Content.styled(result.describe(), "bold $text-success"),
                "\n",
                Content.styled(
                    "enter: on to Execute, where you confirm by typing the name.", "$text-muted"
                ),
            )
        else:
            progress.failed(result.failed_step)
            progress.done(f"The rehearsal ({result.method}) failed.")
            outcome = Content.assemble(
                Content.styled(result.describe(), "bold $text-error"),
                "\n",
                Content.styled(
                    f"enter: back to {self.back_to} to change the plan; escape: the Preview.",
                    "$text-muted",
                ),
            )
        self.query_one("#outcome", Static).update(outcome)
        self.refresh_bindings()

    def _failed(self, error: MendError) -> None:
        self.running = False
        self.error = error
        self.writing(False)
        if not self.is_attached:
            return
        self.query_one(StepProgress).failed(None)
        self.query_one(StepProgress).done("The rehearsal could not run.")
        self.query_one("#outcome", Static).update(
            Content.assemble(
                error_content(error, "The rehearsal could not run"),
                "\n",
                Content.styled("r: rehearse again; escape: the Preview.", "$text-muted"),
            )
        )
        self.refresh_bindings()

    # -- keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.result is not None and self.result.ok
        if action == "change":
            return self.result is not None and not self.result.ok
        if action == "retry":
            return self.error is not None and not self.running
        return super().check_action(action, parameters)

    def action_retry(self) -> None:
        if self.error is not None and not self.running:
            self.query_one(StepProgress).remove()
            self.query_one("#body").mount(
                StepProgress(self.plan.steps, self.look, id="progress"),
                before=self.query_one("#outcome"),
            )
            self.start()

    def action_back(self) -> None:
        if self.running:
            self.notify("The rehearsal is running: it ends on its own, rolled back.", timeout=4)
            return
        super().action_back()

    def action_next(self) -> None:
        if self.result is not None and self.result.ok:
            self.answer(Rehearsed(self.result))

    def action_change(self) -> None:
        if self.result is not None and not self.result.ok:
            self.answer(Rehearsed(self.result))
