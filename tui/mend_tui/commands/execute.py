"""`mend execute --file F | --stdin`: run a script outside the migration history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mend_core.database.runner import StatementResult
from mend_core.database.session import refuse_in_read_only
from mend_core.database.statements import Statement
from mend_core.history.folder import read_bounded
from mend_core.operations.execute import (
    assess_script,
    execute_script,
    plan_script,
    read_script_file,
)
from mend_tui.commands.common import build_context, confirm, header
from mend_tui.terminal import echo, highlight_sql, style


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
    label = "from standard input" if stdin else f"`{file}`"
    if stdin:
        data = read_bounded(sys.stdin.buffer, "standard input")
    else:  # --file, checked above
        assert file is not None
        data = read_script_file(file)
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
    dialect = context.target.dialect
    for statement in plan.statements:
        echo(style(f"\n-- statement {statement.index} (line {statement.line})", fg="cyan"))
        echo(highlight_sql(statement.sql, dialect))
    risks = assess_script(context, plan)
    if risks:
        echo("\nData at stake (counted now, before anything runs):")
        for risk in risks:
            echo(style(f"Warning: statement {risk.statement} {risk.describe()}", fg="yellow"))
    if dry_run:
        echo("\nDry run: nothing was changed.")
        return
    confirm(
        f"\nRun {len(plan.statements)} statement(s) against {context.target.label()}?",
        yes=yes,
        stdin_is_script=stdin,
        has_dry_run=True,
    )
    echo("")
    execute_script(context, plan, ResultPrinter())
    echo(style("Script executed successfully.", fg="green"))


class ResultPrinter:
    """Each statement as it runs, then its affected-row count or the rows it returned."""

    def statement_started(self, statement: Statement, total: int) -> None:
        echo(f"[{statement.index}/{total}] {statement.first_line(60)} ... ", nl=False)

    def statement_finished(
        self, statement: Statement, total: int, seconds: float, result: StatementResult
    ) -> None:
        took = f"{seconds * 1000:.0f} ms"
        if result.columns is None:
            affected = f"{result.rowcount} row(s) affected, " if result.rowcount >= 0 else ""
            echo(style("ok", fg="green") + f" ({affected}{took})")
            return
        echo(style("ok", fg="green") + f" ({result.total_rows} row(s), {took})")
        for line in result_table(result):
            echo(f"    {line}")


def result_table(result: StatementResult, width: int = 40) -> list[str]:
    """A SELECT's rows as a plain text table (long values cut), with a note past the kept rows."""
    columns = result.columns or ()
    cells = [[_cell(value, width) for value in row] for row in result.rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(columns, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    if result.total_rows > len(result.rows):
        lines.append(f"... {result.total_rows - len(result.rows)} more row(s) not shown")
    return lines


def _cell(value: object, width: int) -> str:
    text = "NULL" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"
