"""Execute: the one step that changes the database for good. The operator types the migration's
short name (confirmed_write.py); then the plan runs in a thread worker, under Prisma's lock, after
the fingerprint is taken again, with per-step progress and timings; the history change and the
verification come with it.

There is no way back from here: once it ran, only on to Verify; when it failed (the database
changed since the plan, a step refused), the error is shown and `enter` inspects again from the
real state (the phases and keys: confirmed_write.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static

from mend_core.errors import MendError
from mend_core.recovery.execute import RecoveryResult, RecoveryStepFailed
from mend_core.recovery.plan import RecoveryPlan
from mend_core.recovery.steps import RecoveryObserver
from mend_tui.screens.confirmed_write import Closed, ConfirmedWriteStep, Phase
from mend_tui.screens.recover.text import steps_words
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.step_progress import StepProgress, ThreadObserver
from mend_tui.widgets.stepper import Progress

__all__ = ["Closed", "ExecuteStep", "Executed", "Phase", "Reinspect"]


@dataclass(frozen=True)
class Executed:
    result: RecoveryResult


@dataclass(frozen=True)
class Reinspect:
    """The execution failed: inspect again from the real state."""

    error: MendError


class ExecuteStep(ConfirmedWriteStep[RecoveryResult]):
    CSS_PATH = ["flow.tcss", "execute.tcss"]
    BINDINGS = [
        Binding("enter", "confirm", "Run", priority=True),
        Binding("enter", "next", "Verify"),
        Binding("enter", "retry", "Re-inspect"),
    ]
    what = "the recovery"
    failed_title = "The recovery failed"
    failed_next = "enter: inspect again from the real state; escape: close the wizard."

    def __init__(
        self,
        snapshot: Snapshot,
        progress: Progress,
        plan: RecoveryPlan,
        run: Callable[[RecoveryObserver], RecoveryResult],
        *,
        rehearsed: bool,
    ) -> None:
        super().__init__(snapshot, progress)
        self.plan = plan
        self.run = run
        self.rehearsed = rehearsed
        self.init_write()

    def body(self) -> ComposeResult:
        plan = self.plan
        how = (
            "statement by statement (MySQL commits each DDL statement at once)"
            if not plan.in_one_transaction
            else "in one transaction"
        )
        lines: list[Content | str] = [
            Content.styled(f"Execute the {plan.direction.words} of `{plan.migration}` ", "bold"),
            f"on {self.snapshot.target}: {steps_words(plan.steps)} {how}, then "
            f"`{plan.history.command}`, then a verification. This writes to the database.",
        ]
        if not self.rehearsed:
            lines += [
                "\n",
                Content.styled(
                    "The rehearsal was skipped: nothing says the plan works.", "bold $text-warning"
                ),
            ]
        yield Static(Content.assemble(*lines), classes="lead")
        yield from self.confirm_row()
        yield StepProgress(plan.steps, self.look, id="progress")
        yield Static("", id="outcome")

    def ready(self) -> None:
        self.query_one(Input).focus()
        self.query_one(StepProgress).set_running(False)  # the steps to run, no bar yet

    # -- the write ------------------------------------------------------------------------------
    @property
    def full_name(self) -> str:
        return self.plan.migration

    def started(self) -> None:
        self.query_one(StepProgress).set_running(True)

    def perform(self) -> RecoveryResult:
        return self.run(ThreadObserver(self.app, self.query_one(StepProgress)))

    def show_done(self, result: RecoveryResult) -> None:
        self.query_one(StepProgress).done("Executed, resolved and verified.")
        verified = result.verification
        style = "bold $text-success" if verified.ok else "bold $text-error"
        self.query_one("#outcome", Static).update(
            Content.assemble(
                Content.styled(
                    "The recovery ran and the history is resolved. "
                    + ("It verified." if verified.ok else "The verification found a problem."),
                    style,
                ),
                "\n",
                Content.styled("enter: the verification.", "$text-muted"),
            )
        )

    def show_failed(self) -> None:
        # The step that stopped it, marked as the Rehearse step marks its own (the error names
        # it in words too); a failure before any step ran (the guard) marks none.
        error = self.error
        progress = self.query_one(StepProgress)
        if isinstance(error, RecoveryStepFailed):
            progress.failed(error.step.number)
            progress.done(f"The recovery stopped at step {error.step.number}.")
        else:
            progress.failed(None)
            progress.done("The recovery stopped.")

    def done_answer(self, result: RecoveryResult) -> Executed:
        return Executed(result)

    def retry_answer(self, error: MendError) -> Reinspect:
        return Reinspect(error)
