"""An error, shown until dismissed: its code, message and hint; copyable; with a retry.

One dialog per error source: when the same reading fails again (auto-refresh), the open dialog
counts the repeat; a different error replaces its text. Dialogs never pile up.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mend_core.errors import MendError


class ErrorModal(ModalScreen[bool]):
    """Dismisses with True when the operator asks to retry."""

    CSS_PATH = "error.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(False)", "Close"),
        Binding("r", "dismiss(True)", "Retry"),
        Binding("c", "copy", "Copy"),
    ]

    def __init__(
        self, error: MendError, *, retry: bool = True, title: str = "Something went wrong"
    ) -> None:
        super().__init__()
        self.error = error
        self.retry = retry
        self.title_text = title
        self.repeats = 1
        self.last_seen: datetime | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog") as dialog:
            dialog.border_title = self.title_text
            dialog.border_subtitle = "esc close" + ("  r retry" if self.retry else "") + "  c copy"
            yield Static("", id="code")
            yield Static("", id="body", markup=False)
            yield Static("", id="hint", markup=False)
            yield Static("", id="repeats")
            with Horizontal(id="buttons"):
                yield Button("Copy (c)", id="copy", compact=True)
                if self.retry:
                    yield Button("Retry (r)", id="retry", variant="primary", compact=True)
                yield Button("Close (esc)", id="close", compact=True)

    def on_mount(self) -> None:
        self.show_error()
        self.query_one("#close", Button).focus()

    def show_error(self) -> None:
        error = self.error
        self.query_one("#code", Static).update(f"Error: {error.code}")
        self.query_one("#body", Static).update(error.message)
        hint = self.query_one("#hint", Static)
        hint.update(f"Hint: {error.hint}" if error.hint else "")
        hint.display = bool(error.hint)
        repeats = self.query_one("#repeats", Static)
        when = f", last at {self.last_seen:%H:%M:%S} UTC" if self.last_seen else ""
        repeats.update(f"Happened {self.repeats} times{when}." if self.repeats > 1 else "")
        repeats.display = self.repeats > 1

    def update_error(self, error: MendError, at: datetime | None = None) -> None:
        """The same error again counts as a repeat; another one takes this one's place."""
        same = (error.code, error.message) == (self.error.code, self.error.message)
        self.repeats = self.repeats + 1 if same else 1
        self.error = error
        self.last_seen = at
        if self.is_mounted:
            self.show_error()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(event.button.id == "retry")

    def action_copy(self) -> None:
        # OSC 52: reaches the operator's own clipboard, over SSH too.
        self.app.copy_to_clipboard(self.error.render())
        self.notify("Error copied to the clipboard.")
