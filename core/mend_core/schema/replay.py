"""Replaying migrations into a shadow database to learn the schema they build.

A schema does not depend on rows, and rows are what make replays fail (a data migration that
inserts duplicates makes the next migration's UNIQUE index fail again in the shadow). So by
default a replay is schema-only: data statements (INSERT, UPDATE, DELETE, MERGE, COPY,
TRUNCATE, a plain SELECT) are skipped and listed. `data=True` runs every statement, as Prisma
replays migrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mend_core.db import Database
from mend_core.errors import P3006, MendError
from mend_core.failure import first_line_of
from mend_core.migrations_folder import LocalMigration
from mend_core.runner import ScriptFailed, run_statements
from mend_core.statements import Statement

Script = LocalMigration | tuple[str, str]  # a migration folder, or a (label, SQL) pair


@dataclass(frozen=True)
class SkippedStatement:
    migration: str
    statement: Statement


@dataclass(frozen=True)
class ReplayReport:
    """What a replay ran: the migrations, and the data statements it left out."""

    migrations: tuple[str, ...]
    skipped: tuple[SkippedStatement, ...] = ()

    def skipped_note(self) -> str | None:
        """One line for the output when statements were skipped."""
        if not self.skipped:
            return None
        where = sorted({s.migration for s in self.skipped})
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        return (
            f"Skipped {len(self.skipped)} data statement(s) while replaying ({shown}): a schema "
            "does not depend on rows."
        )


def script_of(migration: Script) -> tuple[str, str]:
    if isinstance(migration, LocalMigration):
        return migration.name, migration.read_script()
    return migration


def replay(db: Database, migrations: Sequence[Script], *, data: bool = False) -> ReplayReport:
    """Run each migration into the shadow, in order; schema statements only unless `data`."""
    names: list[str] = []
    skipped: list[SkippedStatement] = []
    for migration in migrations:
        name, script = script_of(migration)
        statements = db.dialect.split(script)
        if not data:
            skipped += [SkippedStatement(name, s) for s in statements if s.changes_data_only]
            statements = [s for s in statements if not s.changes_data_only]
        run_in_shadow(db, name, statements)
        names.append(name)
    return ReplayReport(tuple(names), tuple(skipped))


def run_in_shadow(db: Database, name: str, statements: Sequence[Statement]) -> None:
    """Run one migration's statements; a failure is Prisma's P3006."""
    try:
        run_statements(db, statements)
    except ScriptFailed as failed:
        record = failed.record
        raise MendError(
            P3006,
            f"Migration `{name}` failed to apply cleanly to the shadow database, at "
            f"{record.where()}: {first_line_of(record.statement_sql or '')}\n"
            f"Database error code: {record.error_code}\nDatabase error:\n"
            f"{record.message.strip()}",
            "Fix the migration so that it runs on an empty database; a migration must "
            "replay from scratch for diff and drift to work.",
        ) from None
