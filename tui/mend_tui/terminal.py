"""Plain-terminal output for the subcommands: styles that honour NO_COLOR, glyphs that degrade
to ASCII, and the error printer every command shares."""

from __future__ import annotations

import os
import sys
from functools import cache

import click

from mend_core.errors import MendError

# The glyph sets live with the rest of the presentation; commands import them from here.
from mend_tui.presentation import ASCII as ASCII
from mend_tui.presentation import UNICODE as UNICODE
from mend_tui.presentation import Glyphs as Glyphs


def glyphs(ascii_only: bool = False) -> Glyphs:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    if ascii_only or os.environ.get("MEND_ASCII") or "utf" not in encoding:
        return ASCII
    return UNICODE


@cache
def color_enabled() -> bool:
    """Colour on a terminal unless NO_COLOR (https://no-color.org) is set; read once."""
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def style(
    text: str, fg: str | None = None, bold: bool | None = None, reverse: bool | None = None
) -> str:
    if not color_enabled():
        return text
    return _styled(text, fg, bold, reverse)


@cache
def _styled(text: str, fg: str | None, bold: bool | None, reverse: bool | None) -> str:
    # Status tables repeat a handful of styled words thousands of times.
    return click.style(text, fg=fg, bold=bold, reverse=reverse)


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Write and flush (progress lines must reach a pipe at once)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n" if nl else text)
    stream.flush()


def print_error(error: MendError) -> None:
    code_line, _, rest = error.render().partition("\n")
    echo(style(code_line, fg="red", bold=True) + "\n" + rest, err=True)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def highlight_sql(sql: str, dialect: str) -> str:
    """SQL coloured for the terminal (Pygments, the dialect's lexer); plain without colour."""
    if not color_enabled():
        return sql
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import get_lexer_by_name

    from mend_core.dialects import dialect_for

    lexer = get_lexer_by_name(dialect_for(dialect).lexer)
    coloured: str = highlight(sql, lexer, TerminalFormatter())
    return coloured.rstrip("\n")
