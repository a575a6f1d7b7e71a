"""An error, shown until dismissed: its code, message and hint; copyable; with a retry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mend_core.errors import MendError


class ErrorModal(ModalScreen[bool]):
    """Dismisses with True when the operator asks to retry."""

    DEFAULT_CSS = """
    ErrorModal { align: center middle; }
    ErrorModal > #dialog {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ErrorModal #code { text-style: bold; color: $text-error; }
    ErrorModal #body { height: auto; max-height: 16; }
    ErrorModal #hint { color: $text-muted; margin-top: 1; }
    ErrorModal #buttons { height: 3; align: right middle; }
    ErrorModal Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(False)", "Close"),
        Binding("r", "dismiss(True)", "Retry"),
        Binding("c", "copy", "Copy"),
    ]

    def __init__(self, error: MendError, *, retry: bool = True) -> None:
        super().__init__()
        self.error = error
        self.retry = retry

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(f"Error: {self.error.code}", id="code")
            yield Static(self.error.message, id="body", markup=False)
            if self.error.hint:
                yield Static(f"Hint: {self.error.hint}", id="hint", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Copy (c)", id="copy")
                if self.retry:
                    yield Button("Retry (r)", id="retry", variant="primary")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(event.button.id == "retry")

    def action_copy(self) -> None:
        # OSC 52: reaches the operator's own clipboard, over SSH too.
        self.app.copy_to_clipboard(self.error.render())
        self.notify("Error copied to the clipboard.")
