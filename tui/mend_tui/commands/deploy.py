"""`mend deploy`: preview, confirm, then apply with per-statement progress."""

from __future__ import annotations

import sys
from pathlib import Path

from mend_core.database.runner import StatementResult
from mend_core.database.session import refuse_in_read_only
from mend_core.database.statements import Statement
from mend_core.history.folder import migration_folders
from mend_core.operations.deploy import DeployPlan, PlannedMigration, deploy, preview_deploy
from mend_core.project.context import Context
from mend_tui.commands.common import build_context, confirm, header
from mend_tui.terminal import echo, glyphs, safe, style


class ProgressPrinter:
    """Prints each migration and statement as it runs. What a running statement shows (its
    line, and everything before it) is flushed before it runs, so a pipe sees it live; a
    statement's "ok" and a migration's "done" are written with the next line or by `flush`
    (one write per statement, not three: hundreds of migrations a second)."""

    def __init__(self, context: Context, *, show_plan: bool = False) -> None:
        self.context = context
        self.show_plan = show_plan
        self._pending: list[str] = []
        self._ok = ""  # "ok", styled as the terminal allows (read once per run)

    def _add(self, text: str, *, flush: bool = False) -> None:
        self._pending.append(text)
        if flush:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            sys.stdout.write("".join(self._pending))
            self._pending.clear()
        sys.stdout.flush()

    def plan_ready(self, plan: DeployPlan) -> None:
        if self.show_plan:
            show_plan(plan, self.context, with_sql=False)

    def migration_started(self, planned: PlannedMigration, position: int, count: int) -> None:
        # `safe` on the name only: a text holding a line feed takes its slow path.
        self._add(f"\nApplying migration `{safe(planned.name)}` ({position}/{count})\n")

    def migration_finished(self, planned: PlannedMigration, seconds: float) -> None:
        self._add(f"  done in {seconds * 1000:.0f} ms\n")

    def statement_started(self, statement: Statement, total: int) -> None:
        flag = " [outside the transaction]" if statement.autocommit else ""
        line = safe(statement.first_line(60))
        self._add(f"  [{statement.index}/{total}] {line}{flag} ... ", flush=True)

    def statement_finished(
        self, statement: Statement, total: int, seconds: float, result: StatementResult
    ) -> None:
        if not self._ok:
            self._ok = style("ok", fg="green")
        self._add(f"{self._ok} ({seconds * 1000:.0f} ms)\n")


def run_deploy(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    yes: bool,
    lock_timeout: float,
    dry_run: bool,
) -> None:
    if not dry_run:
        refuse_in_read_only(read_only, "deploy")
    context = build_context(
        url=url,
        schema=schema,
        migrations_dir=migrations_dir,
        # A dry run is enforced by the database session itself, not only by mend.
        read_only=read_only or dry_run,
        lock_timeout=lock_timeout,
    )
    header(context)
    # Counted without reading the scripts: the deploy reads and hashes each once, under the lock.
    found = len(migration_folders(context.migrations_dir))
    echo(f"{found} migration{'s' if found != 1 else ''} found in {context.migrations_dir}")
    if yes and not dry_run:
        # Confirmed up front: plan under the lock and apply in one go (no window in which
        # another deploy's unfinished migration could be mistaken for a failed one).
        printer = ProgressPrinter(context, show_plan=True)
        try:
            result = deploy(context, printer)
        finally:
            printer.flush()  # before an error is shown, and before what follows
    else:
        plan = preview_deploy(context)
        if not show_plan(plan, context, with_sql=dry_run) and not plan.creates_history_table:
            return
        if dry_run:
            echo("\nDry run: nothing was changed.")
            return
        question = (
            f"\nApply {len(plan.pending)} migration(s) to {context.target.label()}?"
            if plan.pending
            else f"\nCreate the empty _prisma_migrations table in {context.target.label()}?"
        )
        confirm(question, yes=yes, has_dry_run=True)
        printer = ProgressPrinter(context)
        try:
            result = deploy(context, printer, expected=plan)
        finally:
            printer.flush()
    marks = glyphs()
    if result.applied_meanwhile:
        echo(f"\nApplied by another process meanwhile: {', '.join(result.applied_meanwhile)}")
    if not result.applied:  # the plan already said so
        if result.plan.creates_history_table:
            echo("Created the _prisma_migrations table.")
        return
    echo("\nThe following migration(s) have been applied:\n")
    # One write, not two per migration (hundreds of flushed lines took ~50 ms); each line made
    # safe on its own (a text holding line feeds takes `safe`'s slow path).
    lines = [safe(f"{context.migrations_dir.name}/")]
    for name in result.applied:
        lines += [safe(f"  {marks.tree_last} {name}/"), f"    {marks.tree_last} migration.sql"]
    _write_lines(lines)
    echo("\n" + style("All migrations have been successfully applied.", fg="green"))


def show_plan(plan: DeployPlan, context: Context, *, with_sql: bool) -> bool:
    """Print the warnings and the plan; False when there is nothing to apply."""
    for warning in plan.warnings:
        echo(style(f"Warning: {warning}", fg="yellow"))
    if not plan.pending:
        echo("\nNo pending migrations to apply.")
        if plan.creates_history_table:
            echo(
                "The database is empty: the _prisma_migrations table will be created, as "
                "Prisma does."
            )
        return False
    echo(f"\n{len(plan.pending)} pending migration(s), applied in this order:")
    if plan.creates_history_table:
        echo("  (the _prisma_migrations table will be created first)")
    if not with_sql:  # one write for the whole list
        _write_lines([_planned_line(planned) for planned in plan.pending])
        return True
    for planned in plan.pending:
        echo(_planned_line(planned))
        for statement in planned.statements:
            flag = "  -- runs outside the transaction" if statement.autocommit else ""
            echo(
                style(
                    f"\n    -- statement {statement.index} (line {statement.line}){flag}", fg="cyan"
                )
            )
            for line in statement.sql.splitlines():
                echo(f"    {line}")
    return True


def _planned_line(planned: PlannedMigration) -> str:
    count = len(planned.statements)
    return safe(
        f"  {style(planned.name, bold=True)}: {count} statement{'s' if count != 1 else ''}; "
        f"{planned.mode.description}"
    )


def _write_lines(lines: list[str]) -> None:
    """Lines already made `safe`, in one write, flushed."""
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
