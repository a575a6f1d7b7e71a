"""Opening the terminal app. Until the app exists, the project's status is printed instead."""

from __future__ import annotations

from pathlib import Path

from mend_core.context import Context
from mend_core.status import get_status
from mend_tui.commands.common import build_context
from mend_tui.commands.status import render_status
from mend_tui.terminal import echo, glyphs


def open_app(context: Context, *, ascii_only: bool, no_mouse: bool) -> bool:
    """Run the app on `context`; False when no app is available (the caller prints instead)."""
    return False


def run_app(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    ascii_only: bool,
    no_mouse: bool,
) -> None:
    context = build_context(
        url=url, schema=schema, migrations_dir=migrations_dir, read_only=read_only
    )
    if not open_app(context, ascii_only=ascii_only, no_mouse=no_mouse):
        echo("\n".join(render_status(get_status(context), glyphs(ascii_only))))
