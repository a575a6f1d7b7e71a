"""The glyphs mend draws states with, in Unicode and in ASCII (`--ascii`, a terminal that
cannot show Unicode). A module of its own: every command's output needs it, and it imports
only `@record`, so a command that shows no status does not load the status model to print."""

from __future__ import annotations

from mend_core.records import record


@record  # not @dataclass(frozen=True): its six compiled methods cost every command ~1 ms
class Glyphs:
    """The marks of one character set."""

    applied: str
    pending: str
    failed: str
    missing: str
    edited: str
    arrow: str
    tree_last: str
    ellipsis: str


UNICODE = Glyphs("✓", "○", "✗", "?", "✎", "→", "└─", "…")
ASCII = Glyphs("+", ".", "x", "?", "*", "->", "`-", "...")
