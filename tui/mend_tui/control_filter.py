"""The app's net under control characters: none reaches the terminal as it is.

Textual writes a widget's text as it is: an ESC in a migration name, a value or a log line would
reach the terminal (Rich drops BEL, backspace and a few others, not ESC or CSI). The screens show
names and logs through `control_text.visible` (`^[`, laid out at its width); this filter, applied
to every line the app draws, catches whatever a screen did not: a control character counts as no
cell in Textual's layout, so it is drawn as one cell (the Unicode control picture, `␛` for ESC;
`�` for a C1 control or a format character) and the line is cut back to its width.
"""

from __future__ import annotations

from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from mend_core.output.control_text import is_hidden

_LAYOUT = frozenset("\n\t")


@lru_cache(maxsize=256)
def picture(character: str) -> str:
    """One cell that shows `character`: its control picture (U+2400-U+2421), else U+FFFD."""
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\N{SYMBOL FOR DELETE}"
    return "\N{REPLACEMENT CHARACTER}"


def _clean(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(picture(c) if c not in _LAYOUT and is_hidden(c) else c for c in text)


class ControlFilter(LineFilter):
    """Draw every control and format character as one visible cell (module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.control or segment.text.isprintable() for segment in segments):
            return segments
        width = sum(cell_len(segment.text) for segment in segments if not segment.control)
        cleaned = [
            segment if segment.control else Segment(_clean(segment.text), segment.style)
            for segment in segments
        ]
        return list(Segment.adjust_line_length(cleaned, width))
