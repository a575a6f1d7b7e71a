"""`mend resolve --applied NAME | --rolled-back NAME`."""

from __future__ import annotations

from pathlib import Path

import click

from mend_core.database.session import refuse_in_read_only
from mend_core.operations.resolve import Resolution, ResolvePlan, resolve
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

    def ask(plan: ResolvePlan) -> None:
        echo("This will:")
        for line in plan.describe():
            echo(f"  - {line}")
        confirm(f"Record `{name}` as {resolution.value.replace('_', ' ')}?", yes=yes)

    plan = resolve(context, resolution, name, confirm=ask)
    if plan.changes_nothing:
        echo(
            f"Nothing changed: `{name}` has no failed attempt left to roll back (every failed "
            "attempt of it is rolled back already). Prisma's resolve succeeds here too."
        )
        return
    echo(f"Migration {name} marked as {resolution.value.replace('_', ' ')}.")
