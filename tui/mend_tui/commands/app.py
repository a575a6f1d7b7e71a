"""Opening the terminal app, on the project here or on the demo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mend_core.project.context import Context
from mend_tui.commands.common import build_context


def open_app(
    context: Context | None,
    *,
    ascii_only: bool,
    no_mouse: bool,
    refresh_interval: int = 0,
    prepare: Callable[[], Context] | None = None,
) -> int:
    """Run the app until the operator quits; its exit code."""
    # deferred: Textual (~150 ms) only when the app opens
    from mend_tui.app import run

    return run(
        context,
        ascii_only=ascii_only,
        no_mouse=no_mouse,
        refresh_interval=refresh_interval,
        prepare=prepare,
    )


def run_app(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    ascii_only: bool,
    no_mouse: bool,
    refresh: int,
) -> None:
    # Configuration errors (no URL, a malformed one) are printed before the app opens;
    # errors talking to the database are shown inside it, with a retry.
    context = build_context(
        url=url, schema=schema, migrations_dir=migrations_dir, read_only=read_only
    )
    raise SystemExit(
        open_app(context, ascii_only=ascii_only, no_mouse=no_mouse, refresh_interval=refresh)
    )
