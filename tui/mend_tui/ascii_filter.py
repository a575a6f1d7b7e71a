"""--ascii for everything on screen, Textual's own widgets included.

mend's own widgets draw ASCII themselves when asked (presentation.ASCII, `border: ascii`). This
filter is the net under them: the command palette's icon, the footer's separator, scrollbar
ends, a toast's border, a migration name with an accent, and anything a later screen draws.
Each character is replaced by ASCII of the same width, so the layout does not move.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# Lines and corners of box drawing: the rest of U+2500-U+257F are junctions, drawn as `+`.
_HORIZONTAL = set("─━┄┅┈┉╌╍═╴╶╸╺╼╾▔▁")
_VERTICAL = set("│┃┆┇┊┋╎╏║╵╷╹╻╽╿▏▕")
_SPECIFIC = {
    "…": ".",
    "✓": "+",
    "✔": "+",
    "✗": "x",
    "✘": "x",
    "○": "o",
    "●": "*",
    "•": "*",
    "·": ".",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "▶": ">",
    "►": ">",
    "◀": "<",
    "▲": "^",
    "▼": "v",
    "█": "#",
    "\N{NO-BREAK SPACE}": " ",
    "\N{LEFT-POINTING MAGNIFYING GLASS}": "> ",
    "\N{RIGHT-POINTING MAGNIFYING GLASS}": "> ",
}


@lru_cache(maxsize=4096)
def ascii_for(character: str) -> str:
    """ASCII text as wide on screen as `character`."""
    if character.isascii():
        return character
    width = cell_len(character)
    if width == 0:
        return ""  # a combining mark: its base letter is already there
    if character in _SPECIFIC:
        text = _SPECIFIC[character]
    elif character in _HORIZONTAL:
        text = "-"
    elif character in _VERTICAL:
        text = "|"
    elif "\u2500" <= character <= "\u257f":
        text = "+"
    elif "\u2580" <= character <= "\u259f":
        text = " "  # partial blocks: scrollbar ends and half-cell borders
    else:
        # `é` -> `e`; what has no ASCII letter in it becomes `?`.
        text = unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode()
        text = text[:width] or "?"
    return text.ljust(width)[:width]


def to_ascii(text: str) -> str:
    return text if text.isascii() else "".join(ascii_for(c) for c in text)


class AsciiFilter(LineFilter):
    """Replace every non-ASCII character the app draws (see the module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment
            if segment.control or segment.text.isascii()
            else Segment(to_ascii(segment.text), segment.style)
            for segment in segments
        ]
