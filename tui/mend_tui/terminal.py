"""Plain-terminal output for the subcommands: styles that honour NO_COLOR, glyphs that degrade
to ASCII, and the error printer every command shares.

Every line a command writes for a person goes through `echo`, and `echo` shows control
characters (`^[` for ESC, `<U+202E>` for a bidirectional override: `mend_core.output.control_text`):
names, values and logs come from folders and databases, and an escape sequence in them must not
reach the terminal. With colour on, colour sequences (SGR, `ESC [ ... m`) pass, as with `less -R`
and git: mend's own styles are such sequences, and the text inside a `style` is shown first.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache

import click

from mend_core.dialects import dialect_for
from mend_core.errors import MendError
from mend_core.output.control_text import is_hidden, visible

# The glyph sets: commands import them from here.
from mend_tui.glyphs import ASCII as ASCII
from mend_tui.glyphs import UNICODE as UNICODE
from mend_tui.glyphs import Glyphs as Glyphs


def glyphs(ascii_only: bool = False) -> Glyphs:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    if ascii_only or os.environ.get("MEND_ASCII") or "utf" not in encoding:
        return ASCII
    return UNICODE


def color_enabled() -> bool:
    """Colour on a terminal unless NO_COLOR (https://no-color.org) is set. Read at each call
    (a dictionary look-up and an isatty): a command run in a test's process (CliRunner) has
    its own stdout and environment, and a cached answer would be the first run's."""
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def style(
    text: str, fg: str | None = None, bold: bool | None = None, reverse: bool | None = None
) -> str:
    if not color_enabled():
        return text
    return _styled(safe(text), fg, bold, reverse)  # (a styled text may hold a style)


@cache
def _styled(text: str, fg: str | None, bold: bool | None, reverse: bool | None) -> str:
    # Status tables repeat a handful of styled words thousands of times.
    return click.style(text, fg=fg, bold=bold, reverse=reverse)


# A colour sequence: what `style` and `highlight_sql` write, and all that passes `safe` as it is.
_SGR = re.compile(r"(\x1b\[[0-9;]{0,32}m)")


def safe(text: str) -> str:
    """`text` as it may reach a terminal: control characters shown (`visible`), but for colour
    sequences while colour is on."""
    if not color_enabled() or "\x1b[" not in text:
        return visible(text)
    # re.split with a group: the colour sequences are at the odd indexes.
    parts = _SGR.split(text)
    return "".join(part if index % 2 else visible(part) for index, part in enumerate(parts))


def json_escaped(text: str) -> str:
    """JSON written with ensure_ascii=False (letters stay letters) with its hidden characters as
    `\\uXXXX` escapes: json.dumps escapes only C0 controls, and these can stand only inside a
    string, where an escape is the same value. `echo` then finds nothing to show."""
    if text.isprintable():
        return text
    return "".join(_json_escape(c) if c not in "\n\t" and is_hidden(c) else c for c in text)


def _json_escape(character: str) -> str:
    code = ord(character)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair, as JSON writes a character beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Write `safe(text)` and flush (progress lines must reach a pipe at once)."""
    stream = sys.stderr if err else sys.stdout
    shown = safe(text)
    stream.write(shown + "\n" if nl else shown)
    stream.flush()


def write_text(text: str) -> None:
    """A report or a script on stdout: shown safely on a terminal (`safe`), exact through a pipe
    or into a file, where SQL must reach its client as written (identifiers and literals keep
    their characters)."""
    sys.stdout.write(safe(text) if sys.stdout.isatty() else text)
    sys.stdout.flush()


def print_error(error: MendError) -> None:
    code_line, _, rest = error.render().partition("\n")
    echo(style(code_line, fg="red", bold=True) + "\n" + rest, err=True)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def highlight_sql(sql: str, dialect: str) -> str:
    """SQL coloured for the terminal (Pygments, the dialect's lexer); plain without colour."""
    if not color_enabled():
        return sql
    # deferred: Pygments only when SQL is highlighted
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import get_lexer_by_name

    lexer = get_lexer_by_name(dialect_for(dialect).lexer)
    # Shown before highlighting: the colour sequences are then all Pygments' own.
    coloured: str = highlight(visible(sql), lexer, TerminalFormatter())
    return coloured.rstrip("\n")
