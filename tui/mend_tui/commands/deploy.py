"""`mend deploy`: preview, confirm, then apply with per-statement progress."""

from __future__ import annotations

from pathlib import Path

from mend_core.database.runner import StatementResult
from mend_core.database.session import refuse_in_read_only
from mend_core.database.statements import Statement
from mend_core.history.folder import migration_folders
from mend_core.operations.deploy import DeployPlan, PlannedMigration, deploy, preview_deploy
from mend_core.project.context import Context
from mend_tui.commands.common import build_context, confirm, header
from mend_tui.terminal import echo, glyphs, style


class ProgressPrinter:
    """Prints each migration and statement as it runs (flushed, so a pipe sees it live)."""

    def __init__(self, context: Context, *, show_plan: bool = False) -> None:
        self.context = context
        self.show_plan = show_plan

    def plan_ready(self, plan: DeployPlan) -> None:
        if self.show_plan:
            show_plan(plan, self.context, with_sql=False)

    def migration_started(self, planned: PlannedMigration, position: int, count: int) -> None:
        echo(f"\nApplying migration `{planned.name}` ({position}/{count})")

    def migration_finished(self, planned: PlannedMigration, seconds: float) -> None:
        echo(f"  done in {seconds * 1000:.0f} ms")

    def statement_started(self, statement: Statement, total: int) -> None:
        flag = " [outside the transaction]" if statement.autocommit else ""
        echo(f"  [{statement.index}/{total}] {statement.first_line(60)}{flag} ... ", nl=False)

    def statement_finished(
        self, statement: Statement, total: int, seconds: float, result: StatementResult
    ) -> None:
        echo(style("ok", fg="green") + f" ({seconds * 1000:.0f} ms)")


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
        result = deploy(context, ProgressPrinter(context, show_plan=True))
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
        result = deploy(context, ProgressPrinter(context), expected=plan)
    marks = glyphs()
    if result.applied_meanwhile:
        echo(f"\nApplied by another process meanwhile: {', '.join(result.applied_meanwhile)}")
    if not result.applied:  # the plan already said so
        if result.plan.creates_history_table:
            echo("Created the _prisma_migrations table.")
        return
    echo("\nThe following migration(s) have been applied:\n")
    # One write, not two per migration (hundreds of flushed lines took ~50 ms).
    lines = [f"{context.migrations_dir.name}/"]
    for name in result.applied:
        lines += [f"  {marks.tree_last} {name}/", f"    {marks.tree_last} migration.sql"]
    echo("\n".join(lines))
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
    for planned in plan.pending:
        count = len(planned.statements)
        echo(
            f"  {style(planned.name, bold=True)}: {count} statement{'s' if count != 1 else ''}; "
            f"{planned.mode.description}"
        )
        if not with_sql:
            continue
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
