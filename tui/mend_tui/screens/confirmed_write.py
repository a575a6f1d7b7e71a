"""The step of a wizard that writes: a typed confirmation, then the write in a thread.

Both wizards end the same way: the operator types a short name that still says what is written
(the migration's descriptive part: `unique` for `20240103000000_unique`, the whole name where
that part is empty or another migration's too; a hotfix kept under its default name asks for
the database's name where that one database is all it writes; the full name is accepted as
well), the write
runs off the UI thread with its progress on screen, and then there is no way back: done leads on
to Verify, a failure offers to start again from the database as it is now, or to close the
wizard. The recovery's Execute and the hotfix's Apply say what they write and how its progress
looks; this class holds the phases, the keys and the worker they share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Static

from mend_core.errors import MendError
from mend_tui.screens.wizard_step import StepScreen, error_content, unexpected

ResultT = TypeVar("ResultT")


def short_name(folder: str, others: Iterable[str]) -> str:
    """What is typed to confirm a write on the migration `folder`: its descriptive part, after
    the timestamp, unless that part is empty or names another of `others` (a folder of the same
    words, or a folder called so): then the whole name."""
    stamp, _, words = folder.partition("_")
    if not words or not stamp.isdigit():
        return folder
    for other in others:
        if other != folder and (other == words or other.partition("_")[2] == words):
            return folder
    return words


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

    A subclass binds `enter` to `confirm` (priority: before the field's own enter, so that the
    footer says what enter does), `next` and `retry` with its own words (a subclass's bindings
    of a key replace its base's), and fills in the hooks below."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("escape", "close", "Close"),
    ]
    # Said in the messages: "the recovery", "the hotfix".
    what = "the write"
    # Beside the field: "Type `unique` to run it".
    confirm_words = "to run it"
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
    def full_name(self) -> str:
        """The migration written: its name also confirms."""
        raise NotImplementedError

    @property
    def expected(self) -> str:
        """The text the operator is asked to type: the shortest that still names it."""
        report = self.snapshot.report
        others = [m.name for m in report.migrations] if report is not None else []
        return short_name(self.full_name, others)

    @property
    def expected_is(self) -> str:
        """What `expected` is, when the screen must say it (`the database's name`)."""
        return ""

    def confirm_row(self) -> ComposeResult:
        """What to type, beside the field (not a placeholder in it: an empty field and a filled
        one must differ without colour)."""
        note = f" ({self.expected_is})" if self.expected_is else ""
        with Horizontal(id="confirm"):
            yield Static(
                Content.assemble(
                    "Type ",
                    Content.styled(self.expected, "bold $text-accent"),
                    f"{note} {self.confirm_words}:",
                ),
                id="confirm-label",
            )
            yield Input(id="confirm-input")

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
        self.action_confirm()

    def action_confirm(self) -> None:
        # Enter is a priority binding: it is handled before keys typed just ahead of it (a
        # paste, a fast typist) have reached the field, whose queue still holds them. Reading
        # the field now refused `unique⏎` typed in one burst; read it once they are in.
        self.query_one("#confirm-input", Input).call_later(self.check_confirmation)

    def check_confirmation(self) -> None:
        if self.phase is not Phase.CONFIRM:
            return
        if self.query_one("#confirm-input", Input).value.strip() not in (
            self.expected,
            self.full_name,
        ):
            note = f" ({self.expected_is})" if self.expected_is else ""
            self.notify(
                f"Type {self.expected}{note} {self.confirm_words}.",
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
        if action in ("back", "confirm"):
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
