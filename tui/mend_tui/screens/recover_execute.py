"""Execute: the one step that changes the database for good. The operator types the migration's
name (it must match exactly); then the plan runs in a thread worker, under Prisma's lock, after
the fingerprint is taken again, with per-step progress and timings; the history change and the
verification come with it.

There is no way back from here: once it ran, only on to Verify; when it failed (the database
changed since the plan, a step refused), the error is shown and `enter` inspects again from the
real state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Static

from mend_core.errors import MendError
from mend_core.recovery.execute import RecoveryResult
from mend_core.recovery.plan import RecoveryPlan
from mend_core.recovery.steps import RecoveryObserver
from mend_tui.screens.recover_step import Back, StepScreen, error_content, unexpected
from mend_tui.screens.recover_text import steps_words
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.step_progress import StepProgress, ThreadObserver
from mend_tui.widgets.stepper import Progress


class Phase(StrEnum):
    CONFIRM = "confirm"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Executed:
    result: RecoveryResult


@dataclass(frozen=True)
class Reinspect:
    """The execution failed: inspect again from the real state."""

    error: MendError


@dataclass(frozen=True)
class Closed:
    """The execution failed and the operator closes the wizard."""


class ExecuteStep(StepScreen[Executed | Reinspect | Closed | Back]):
    CSS_PATH = ["recover.tcss", "recover_execute.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("escape", "close", "Close"),
        Binding("enter", "next", "Verify"),
        Binding("enter", "reinspect", "Re-inspect"),
    ]

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
        self.phase = Phase.CONFIRM
        self.result: RecoveryResult | None = None
        self.error: MendError | None = None

    def body(self) -> ComposeResult:
        plan = self.plan
        how = (
            "statement by statement (MySQL commits each DDL statement at once)"
            if plan.dialect == "mysql"
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
        with Horizontal(id="confirm"):
            yield Static("To run it, type its name, then enter:", id="confirm-label")
            yield Input(placeholder=plan.migration, id="confirm-input")
        yield StepProgress(plan.steps, self.look, id="progress")
        yield Static("", id="outcome")

    def ready(self) -> None:
        self.query_one(Input).focus()
        self.query_one(StepProgress).set_running(False)  # the steps to run, no bar yet

    # -- confirming ---------------------------------------------------------------------------
    @on(Input.Submitted, "#confirm-input")
    def confirmed(self, event: Input.Submitted) -> None:
        if self.phase is not Phase.CONFIRM:
            return
        if event.value != self.plan.migration:
            self.notify(
                f"Type the migration's name exactly: {self.plan.migration}",
                title="Not confirmed",
                severity="warning",
            )
            return
        self.start()

    def start(self) -> None:
        self.phase = Phase.RUNNING
        self.query_one(Input).disabled = True
        self.set_focus(None)
        self.query_one(StepProgress).set_running(True)
        self.writing(True)
        self.refresh_bindings()
        self._execute()

    @work(thread=True, exclusive=True, group="execute", exit_on_error=False)
    def _execute(self) -> None:
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

    def _finished(self, result: RecoveryResult) -> None:
        self.phase = Phase.DONE
        self.result = result
        self.writing(False)
        if not self.is_attached:
            return
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
        self.refresh_bindings()

    def _failed(self, error: MendError) -> None:
        self.phase = Phase.FAILED
        self.error = error
        self.writing(False)
        if not self.is_attached:
            return
        progress = self.query_one(StepProgress)
        progress.failed(None)
        progress.done("The recovery stopped.")
        self.query_one("#outcome", Static).update(
            Content.assemble(
                error_content(error, "The recovery failed"),
                "\n",
                Content.styled(
                    "enter: inspect again from the real state; escape: close the wizard.",
                    "$text-muted",
                ),
            )
        )
        self.refresh_bindings()

    # -- keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.phase is Phase.CONFIRM
        if action == "close":
            return self.phase is Phase.FAILED
        if action == "next":
            return self.phase is Phase.DONE
        if action == "reinspect":
            return self.phase is Phase.FAILED
        return super().check_action(action, parameters)

    def on_key(self, event: object) -> None:
        """Escape while running or after success has no binding: say why nothing happens."""
        key = getattr(event, "key", None)
        if key == "escape" and self.phase in (Phase.RUNNING, Phase.DONE):
            self.notify(
                "No way back: the recovery "
                + ("is running." if self.phase is Phase.RUNNING else "ran; enter verifies it."),
                timeout=4,
            )

    def action_next(self) -> None:
        if self.result is not None:
            self.answer(Executed(self.result))

    def action_reinspect(self) -> None:
        if self.error is not None:
            self.answer(Reinspect(self.error))

    def action_close(self) -> None:
        self.answer(Closed())
