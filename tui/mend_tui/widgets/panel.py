"""A bordered panel that shows whether it holds the focus, as lazygit's and k9s's panels do.

Focus is told apart three ways, so that it survives NO_COLOR and --ascii: the border's colour,
its shape (heavy when focused; with --ascii a frame only when focused, in app.tcss, as
DEFAULT_CSS is scoped to the widget and cannot see the app's class) and a bold title.
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.content import Content


class Panel(Vertical):
    DEFAULT_CSS = """
    Panel {
        height: 1fr;
        border: round $foreground 30%;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
    }
    Panel:focus-within {
        border: heavy $border;
        border-title-color: $text;
        border-title-style: bold;
    }
    """

    def __init__(self, title: str | Content = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title
