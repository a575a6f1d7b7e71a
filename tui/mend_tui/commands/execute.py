"""`mend execute --file F | --stdin`: run a script outside the migration history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mend_core.db import refuse_in_read_only
from mend_core.execute import execute_script, plan_script, read_script_file
from mend_tui.commands.common import build_context, confirm, header
from mend_tui.commands.deploy import ProgressPrinter
from mend_tui.terminal import echo, style


def run_execute(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    yes: bool,
    lock_timeout: float,
    file: Path | None,
    stdin: bool,
    dry_run: bool,
) -> None:
    if file is not None and stdin:
        raise click.UsageError("--stdin and --file cannot be used at the same time.")
    if file is None and not stdin:
        raise click.UsageError("Either --stdin or --file must be provided.")
    if not dry_run:
        refuse_in_read_only(read_only, "execute")
    data = sys.stdin.buffer.read() if stdin else read_script_file(file)  # type: ignore[arg-type]
    label = "from standard input" if stdin else f"`{file}`"
    context = build_context(
        url=url,
        schema=schema,
        migrations_dir=migrations_dir,
        read_only=read_only or dry_run,
        lock_timeout=lock_timeout,
    )
    plan = plan_script(context, data, label)
    header(context)
    echo(f"Script {label}: {len(plan.statements)} statement(s); {plan.mode.description}")
    if dry_run:
        for statement in plan.statements:
            echo(style(f"\n-- statement {statement.index} (line {statement.line})", fg="cyan"))
            echo(statement.sql)
        echo("\nDry run: nothing was changed.")
        return
    confirm(
        f"Run it against {context.target.label()}?",
        yes=yes,
        stdin_is_script=stdin,
        has_dry_run=True,
    )
    execute_script(context, plan, ProgressPrinter(context))
    echo(style("Script executed successfully.", fg="green"))
