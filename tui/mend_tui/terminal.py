"""Plain-terminal output for the subcommands: styles that honour NO_COLOR, glyphs that degrade
to ASCII, and the error printer every command shares."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

from mend_core.errors import MendError


@dataclass(frozen=True)
class Glyphs:
    applied: str
    pending: str
    failed: str
    missing: str
    edited: str
    arrow: str
    tree_last: str


UNICODE = Glyphs("✓", "○", "✗", "?", "✎", "→", "└─")
ASCII = Glyphs("+", ".", "x", "?", "*", "->", "`-")


def glyphs(ascii_only: bool = False) -> Glyphs:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    if ascii_only or os.environ.get("MEND_ASCII") or "utf" not in encoding:
        return ASCII
    return UNICODE


def color_enabled() -> bool:
    return not os.environ.get("NO_COLOR")


def style(text: str, **kwargs: object) -> str:
    return click.style(text, **kwargs) if color_enabled() else text  # type: ignore[arg-type]


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    click.echo(text, err=err, nl=nl, color=None if color_enabled() else False)


def print_error(error: MendError) -> None:
    code_line, _, rest = error.render().partition("\n")
    echo(style(code_line, fg="red", bold=True) + "\n" + rest, err=True)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
