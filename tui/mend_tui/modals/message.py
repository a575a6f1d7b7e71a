"""A scrollable text to read and close: what a key will do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


class MessageModal(ModalScreen[None]):
    CSS_PATH = "message.tcss"
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
        with VerticalScroll(id="dialog") as dialog:
            dialog.border_title = self.title_text
            dialog.border_subtitle = "esc close  j/k scroll"
            yield Markdown(self.markdown)

    def action_scroll(self, step: int) -> None:
        self.query_one("#dialog", VerticalScroll).scroll_relative(y=step, animate=False)
