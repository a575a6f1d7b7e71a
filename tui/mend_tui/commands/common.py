"""What the subcommands share: building the context, and asking before a write."""

from __future__ import annotations

from pathlib import Path

import click

from mend_core.errors import M4001, MendError
from mend_core.project.context import Context, load_context
from mend_tui.terminal import echo, is_interactive, safe, style


def build_context(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    lock_timeout: float = 10.0,
) -> Context:
    return load_context(
        url=url,
        schema=schema,
        migrations_dir=migrations_dir,
        read_only=read_only,
        lock_timeout=lock_timeout,
    )


def header(context: Context) -> None:
    badge = style(" READ-ONLY ", reverse=True) + " " if context.read_only else ""
    echo(f"{badge}{style(context.target.label(), bold=True)}  (from {context.url_source})")


def confirm(
    question: str, *, yes: bool, stdin_is_script: bool = False, has_dry_run: bool = False
) -> None:
    """Ask before writing. Without a terminal to ask on, --yes is required. `has_dry_run`:
    the command has a --dry-run to review the plan with (the hint names only real options)."""
    if yes:
        return
    if stdin_is_script or not is_interactive():
        review = "Review the plan with --dry-run" if has_dry_run else "Review the plan above"
        raise MendError(
            M4001,
            "This command writes to the database and asks for confirmation first, but there is "
            "no terminal to ask on.",
            f"{review}, then pass --yes to confirm non-interactively.",
        )
    # click writes the question itself: shown as `echo` would (it may name a migration).
    if not click.confirm(safe(question), default=False):
        echo("Nothing was changed.")
        raise SystemExit(1)
