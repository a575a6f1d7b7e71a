"""`mend resolve --applied NAME | --rolled-back NAME`."""

from __future__ import annotations

from pathlib import Path

import click

from mend_core.db import refuse_in_read_only
from mend_core.resolve import Resolution, preview_resolve, resolve
from mend_tui.commands.common import build_context, confirm, header
from mend_tui.terminal import echo


def run_resolve(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    yes: bool,
    lock_timeout: float,
    applied: str | None,
    rolled_back: str | None,
) -> None:
    if applied is not None and rolled_back is not None:
        raise click.UsageError("Pass either --applied or --rolled-back, not both.")
    if applied is None and rolled_back is None:
        raise click.UsageError("Pass --applied NAME or --rolled-back NAME.")
    if applied == "" or rolled_back == "":
        raise click.UsageError("The migration name must not be empty.")
    refuse_in_read_only(read_only, "resolve")
    resolution = Resolution.APPLIED if applied is not None else Resolution.ROLLED_BACK
    name = applied if applied is not None else rolled_back
    assert name is not None
    context = build_context(
        url=url,
        schema=schema,
        migrations_dir=migrations_dir,
        read_only=False,
        lock_timeout=lock_timeout,
    )
    header(context)
    plan = preview_resolve(context, resolution, name)
    echo("This will:")
    for line in plan.describe():
        echo(f"  - {line}")
    if plan.rows_to_roll_back or resolution is Resolution.APPLIED or plan.creates_history_table:
        confirm(f"Record `{name}` as {resolution.value.replace('_', ' ')}?", yes=yes)
    resolve(context, resolution, name)
    echo(f"Migration {name} marked as {resolution.value.replace('_', ' ')}.")
