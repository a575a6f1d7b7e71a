"""`mend resolve`: mark a migration applied or rolled back, with Prisma's exact rules and codes.

No migration SQL ever runs here; only `_prisma_migrations` changes, under the migration lock.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from mend_core.database.session import Database
from mend_core.database.write_session import WriteSession, write_session
from mend_core.errors import M3002, P3008, P3011, P3012, P3017, MendError
from mend_core.history.folder import (
    LocalMigration,
    check_lock_file,
    list_migrations,
    validate_name,
)
from mend_core.history.table import HistoryRow, HistoryTable
from mend_core.project.context import Context

_EXAMPLE = '(example: "20201207184859_initial_migration")'


class Resolution(StrEnum):
    APPLIED = "applied"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True)
class ResolvePlan:
    """The rows a resolve will write, for the preview and the journal."""

    resolution: Resolution
    name: str
    creates_history_table: bool
    rows_to_roll_back: tuple[HistoryRow, ...]
    checksum: str | None  # of the local migration.sql, for the inserted applied row

    def describe(self) -> list[str]:
        lines = []
        if self.creates_history_table:
            lines.append("create the _prisma_migrations table (baselining: the database has none)")
        for row in self.rows_to_roll_back:
            lines.append(f"set rolled_back_at on the failed attempt {row.id} of `{self.name}`")
        if self.resolution is Resolution.APPLIED:
            lines.append(
                f"insert a finished row for `{self.name}` (checksum {self.checksum}, logs '', "
                "started_at = finished_at = now); no SQL of the migration runs"
            )
        if not lines:
            lines.append(f"nothing: `{self.name}` has no failed attempt left to roll back")
        return lines

    @property
    def changes_nothing(self) -> bool:
        """A roll back of a migration whose failed attempts are all rolled back already (Prisma
        succeeds without writing)."""
        return (
            self.resolution is Resolution.ROLLED_BACK
            and not self.rows_to_roll_back
            and not self.creates_history_table
        )


def plan_resolve(context: Context, db: Database, resolution: Resolution, name: str) -> ResolvePlan:
    """The rows a resolve writes, checked with Prisma's rules; call it under the lock."""
    validate_name(name)
    if resolution is Resolution.APPLIED:
        return _plan_applied(context, db, name)
    return _plan_rolled_back(db, name)


def _plan_applied(context: Context, db: Database, name: str) -> ResolvePlan:
    local = list_migrations(context.migrations_dir)
    migration = next((m for m in local if m.name == name), None)
    if migration is None or not migration.has_script or not _readable(migration):
        raise MendError(
            P3017,
            f"The migration {name} could not be found. Please make sure that the migration "
            f"exists, and that you included the whole name of the directory. {_EXAMPLE}",
            _suggest(name, [m.name for m in local], f"in {context.migrations_dir}"),
        )
    table = context.history(db)
    columns = table.columns()
    rows: list[HistoryRow] = []
    if columns is not None:
        table.check_shape(columns)
        rows = [r for r in table.rows() if r.migration_name == name]
    if any(r.finished_at is not None for r in rows):
        raise MendError(
            P3008,
            f"The migration `{name}` is already recorded as applied in the database.",
            "Nothing to do. `mend status` shows every attempt of it.",
        )
    return ResolvePlan(
        Resolution.APPLIED,
        name,
        creates_history_table=columns is None,
        rows_to_roll_back=tuple(r for r in rows if r.failed),
        checksum=migration.checksum,
    )


def _plan_rolled_back(db: Database, name: str) -> ResolvePlan:
    table = HistoryTable(db)
    columns = table.columns()
    if columns is None:
        raise MendError(
            M3002,
            f"Migration `{name}` cannot be rolled back: the database has no _prisma_migrations "
            "table, so no migration was ever recorded in it.",
            "Check that --url points at the right database and schema.",
        )
    table.check_shape(columns)
    all_rows = table.rows()
    rows = [r for r in all_rows if r.migration_name == name]
    if not rows:
        raise MendError(
            P3011,
            f"Migration `{name}` cannot be rolled back because it was never applied to the "
            f"database. Hint: did you pass in the whole migration name? {_EXAMPLE}",
            _suggest(name, sorted({r.migration_name for r in all_rows}), "in the database"),
        )
    if all(r.finished_at is not None for r in rows):
        raise MendError(
            P3012,
            f"Migration `{name}` cannot be rolled back because it is not in a failed state.",
            "Only a failed migration can be marked rolled back. To undo an applied migration, "
            "write a new migration that reverts it.",
        )
    return ResolvePlan(
        Resolution.ROLLED_BACK,
        name,
        creates_history_table=False,
        rows_to_roll_back=tuple(r for r in rows if r.failed),
        checksum=None,
    )


def resolve(
    context: Context,
    resolution: Resolution,
    name: str,
    confirm: Callable[[ResolvePlan], None] | None = None,
) -> ResolvePlan:
    """Write the resolution, as Prisma's engine does it: the lock first (a held lock is P1002
    before any check), then the checks, then the rows. `confirm`, called with the plan before
    anything is written, may raise to stop (the CLI asks the operator there)."""
    validate_name(name)
    if resolution is Resolution.APPLIED:
        check_lock_file(context.migrations_dir, context.provider)  # Prisma: before the lock
    with write_session(context, "resolve") as session:
        plan = plan_resolve(context, session.db, resolution, name)
        if plan.changes_nothing:
            session.journal.record("resolve_changed_nothing", migration=name)
            return plan
        if confirm is not None:
            confirm(plan)
        write_resolution(session, plan)
        return plan


def write_resolution(session: WriteSession, plan: ResolvePlan) -> None:
    """The rows of a checked plan, journaled one by one."""
    table, journal, name = session.history, session.journal, plan.name
    if plan.creates_history_table:
        table.create()
        journal.record("history_table_created")
    for row in plan.rows_to_roll_back:
        table.mark_rolled_back(row.id)
        journal.record("row_rolled_back", migration=name, row_id=row.id)
    if plan.resolution is Resolution.APPLIED:
        assert plan.checksum is not None
        row_id = table.insert_applied(name, plan.checksum)
        journal.record("row_marked_applied", migration=name, row_id=row_id, checksum=plan.checksum)


def _readable(migration: LocalMigration) -> bool:
    try:
        migration.read_bytes()
    except OSError:
        return False
    return True


def _suggest(name: str, candidates: list[str], where: str) -> str:
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    close += [c for c in candidates if name and name in c and c not in close][:3]
    if close:
        return "Did you mean " + " or ".join(f"`{c}`" for c in close[:3]) + "?"
    return f"Pass the whole folder name as listed by `mend status` ({where})."
