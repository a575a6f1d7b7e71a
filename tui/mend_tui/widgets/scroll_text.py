"""A focusable scrolling text: the keys every panel of text scrolls with (arrows and j/k, pages,
g/G to the ends), none of them shown in the footer."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll


class ScrollText(VerticalScroll, can_focus=True):
    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
    ]
