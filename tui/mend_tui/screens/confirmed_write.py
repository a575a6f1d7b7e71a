"""The step of a wizard that writes: a typed confirmation, then the write in a thread.

Both wizards end the same way: the operator types a name (the migration's, the new folder's),
the write runs off the UI thread with its progress on screen, and then there is no way back:
done leads on to Verify, a failure offers to start again from the database as it is now, or
to close the wizard. The recovery's Execute and the hotfix's Apply say what they write and how
its progress looks; this class holds the phases, the keys and the worker they share.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from textual import events, on, work
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static

from mend_core.errors import MendError
from mend_tui.screens.recover_step import StepScreen, error_content, unexpected

ResultT = TypeVar("ResultT")


class Phase(StrEnum):
    CONFIRM = "confirm"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Closed:
    """The write failed and the operator closes the wizard."""


class ConfirmedWriteStep(StepScreen[Any], Generic[ResultT]):
    """Confirm (type `expected`), write (`perform`, in a thread), then done or failed.

    A subclass binds `enter` to `next` and `retry` with its own words (a subclass's bindings of
    a key replace its base's), and fills in the hooks below."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("escape", "close", "Close"),
    ]
    # Said in the messages: "the recovery", "the hotfix".
    what = "the write"
    # What is typed to confirm, for "Type ... exactly: NAME".
    typed = "the name"
    running_words = "is running."
    done_words = "ran; enter verifies it."
    failed_title = "The write failed"
    failed_next = "enter: start again from the database as it is now; escape: close the wizard."

    def init_write(self) -> None:
        """Call from __init__: the step starts at the confirmation."""
        self.phase = Phase.CONFIRM
        self.result: ResultT | None = None
        self.error: MendError | None = None

    # -- what a subclass says -----------------------------------------------------------------
    @property
    def expected(self) -> str:
        """The text the operator types to confirm."""
        raise NotImplementedError

    def perform(self) -> ResultT:
        """The write (in a worker thread)."""
        raise NotImplementedError

    def started(self) -> None:
        """The write begins: show it."""

    def show_done(self, result: ResultT) -> None:
        raise NotImplementedError

    def show_failed(self) -> None:
        """The progress, stopped (the outcome says the error)."""

    def done_answer(self, result: ResultT) -> object:
        raise NotImplementedError

    def retry_answer(self, error: MendError) -> object:
        raise NotImplementedError

    # -- confirming and writing -----------------------------------------------------------------
    @on(Input.Submitted, "#confirm-input")
    def confirmed(self, event: Input.Submitted) -> None:
        if self.phase is not Phase.CONFIRM:
            return
        if event.value.strip() != self.expected:
            self.notify(
                f"Type {self.typed} exactly: {self.expected}",
                title="Not confirmed",
                severity="warning",
            )
            return
        self.start()

    def start(self) -> None:
        self.phase = Phase.RUNNING
        self.query_one("#confirm-input", Input).disabled = True
        self.set_focus(None)
        self.started()
        self.writing(True)
        self.refresh_bindings()
        self._write()

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def _write(self) -> None:
        try:
            result = self.perform()
        except MendError as error:
            self._from_thread(self._failed, error)
            return
        except Exception as error:  # noqa: BLE001 - shown on screen, never as a traceback
            self._from_thread(self._failed, unexpected(error))
            return
        self._from_thread(self._finished, result)

    def _finished(self, result: ResultT) -> None:
        self.phase = Phase.DONE
        self.result = result
        self.writing(False)
        if not self.is_attached:
            return
        self.show_done(result)
        self.refresh_bindings()

    def _failed(self, error: MendError) -> None:
        self.phase = Phase.FAILED
        self.error = error
        self.writing(False)
        if not self.is_attached:
            return
        self.show_failed()
        self.query_one("#outcome", Static).update(
            Content.assemble(
                error_content(error, self.failed_title),
                "\n",
                Content.styled(self.failed_next, "$text-muted"),
            )
        )
        self.refresh_bindings()

    # -- keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.phase is Phase.CONFIRM
        if action in ("close", "retry"):
            return self.phase is Phase.FAILED
        if action == "next":
            return self.phase is Phase.DONE
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """Escape while writing or after success has no binding: say why nothing happens."""
        if event.key == "escape" and self.phase in (Phase.RUNNING, Phase.DONE):
            said = self.running_words if self.phase is Phase.RUNNING else self.done_words
            self.notify(f"No way back: {self.what} {said}", timeout=4)

    def action_next(self) -> None:
        if self.result is not None:
            self.answer(self.done_answer(self.result))

    def action_retry(self) -> None:
        if self.error is not None:
            self.answer(self.retry_answer(self.error))

    def action_close(self) -> None:
        self.answer(Closed())
