"""A scrollable text to read and close: help, and what a key will do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static


class MessageModal(ModalScreen[None]):
    DEFAULT_CSS = """
    MessageModal { align: center middle; }
    MessageModal > #dialog {
        width: 86; max-width: 96%; height: auto; max-height: 92%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    MessageModal #title { text-style: bold; color: $text-primary; }
    MessageModal Markdown { margin: 0; padding: 0; }
    """
    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close"),
        Binding("down,j", "scroll(1)", "Down", show=False),
        Binding("up,k", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, title: str, markdown: str) -> None:
        super().__init__()
        self.title_text = title
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(self.title_text, id="title")
            yield Markdown(self.markdown)

    def action_scroll(self, step: int) -> None:
        self.query_one("#dialog", VerticalScroll).scroll_relative(y=step, animate=False)
