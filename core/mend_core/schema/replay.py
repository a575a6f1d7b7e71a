"""Replaying migrations into a shadow database to learn the schema they build.

A schema does not depend on rows, and rows are what make replays fail (a data migration that
inserts duplicates makes the next migration's UNIQUE index fail again in the shadow). So by
default a replay is schema-only: data statements (INSERT, UPDATE, DELETE, MERGE, COPY,
TRUNCATE, a plain SELECT) are skipped and listed. `data=True` runs every statement, as Prisma
replays migrations.

Skipping rows can also break a replay that Prisma's succeeds on: a `DO` block (which may do
anything, so it runs) inserts a NULL that a skipped UPDATE would have fixed before SET NOT NULL.
So `replayed_shadow` replays schema-only first and, when that fails, again with the data
statements in a fresh shadow; the report then says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from mend_core.database.runner import ScriptFailed, run_statements
from mend_core.database.session import Database
from mend_core.database.statements import Statement
from mend_core.dialects.errors import DatabaseError
from mend_core.errors import P3006, MendError
from mend_core.history.failure import FailureRecord, first_line_of
from mend_core.history.folder import LocalMigration
from mend_core.project.target import DatabaseTarget
from mend_core.schema.shadow import shadow_database

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
    data: bool = False  # the data statements ran (asked for, or after a schema-only failure)
    fallback: str | None = None  # why: the schema-only replay's failure, for people

    def notes(self) -> list[str]:
        """What the output says about the replay: the fallback, else what was skipped."""
        return [note for note in (self.fallback, self.skipped_note()) if note]

    def to_json(self) -> dict[str, object]:
        return {
            "data_replayed": self.data,
            "schema_only_failure": self.fallback,
            "skipped_data_statements": len(self.skipped),
        }

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
    return ReplayReport(tuple(names), tuple(skipped), data=data)


class ReplayFailed(MendError):
    """A migration that does not replay (Prisma's P3006), with where and why."""

    def __init__(self, migration: str, record: FailureRecord, message: str, hint: str) -> None:
        super().__init__(P3006, message, hint)
        self.migration = migration
        self.record = record

    def briefly(self) -> str:
        """`migration` (code: the error's first line), for a note."""
        said = self.record.first_message_line()
        code = self.record.error_code
        return f"`{self.migration}` ({code + ': ' if code else ''}{said})"


@contextmanager
def replayed_shadow(
    dialect: str,
    server: DatabaseTarget | None,
    shadow_url: DatabaseTarget | None,
    migrations: Sequence[Script],
    *,
    data: bool = False,
) -> Iterator[tuple[Database, ReplayReport]]:
    """A shadow with the migrations replayed, and the report. Schema-only unless `data`; a
    schema-only replay that fails is made again, with the data statements, in a fresh shadow
    (where Prisma's replay succeeds, mend's must too). When both fail, the schema-only
    failure is raised, and says that the other failed too."""
    failure: ReplayFailed | None = None
    if not data:
        with shadow_database(dialect, server, shadow_url) as shadow:
            try:
                report = replay(shadow, migrations)
            except ReplayFailed as failed:
                failure = failed  # the block ends first: this shadow is dropped
            else:
                yield shadow, report
                return
    with shadow_database(dialect, server, shadow_url) as shadow:
        try:
            report = replay(shadow, migrations, data=True)
        except ReplayFailed as failed:
            if failure is None:
                raise
            raise ReplayFailed(
                failure.migration,
                failure.record,
                f"{failure.message}\n(Replayed again with its data statements, the history "
                f"failed too, at {failed.briefly()}.)",
                failure.hint,
            ) from None
        if failure is not None:
            report = replace(
                report,
                fallback=f"The history's schema-only replay failed at {failure.briefly()}; "
                "replayed with its data statements (as Prisma does), it succeeded.",
            )
        yield shadow, report


def run_in_shadow(db: Database, name: str, statements: Sequence[Statement]) -> None:
    """Run one migration's statements; a failure is Prisma's P3006."""
    if sent_as_one(db, statements):
        return
    try:
        run_statements(db, statements)
    except ScriptFailed as failed:
        record = failed.record
        raise ReplayFailed(
            name,
            record,
            f"Migration `{name}` failed to apply cleanly to the shadow database, at "
            f"{record.where()}: {first_line_of(record.statement_sql or '')}\n"
            f"Database error code: {record.error_code}\nDatabase error:\n"
            f"{record.message.strip()}",
            "Fix the migration so that it runs on an empty database; a migration must "
            "replay from scratch for diff and drift to work.",
        ) from None


def sent_as_one(db: Database, statements: Sequence[Statement]) -> bool:
    """PostgreSQL: run a migration in one transaction sent as one message (one round trip, not
    one per statement and two for BEGIN and COMMIT), as Prisma sends a script; True if it ran.
    Only where that is what `run_statements` would do anyway: no statement that must run
    outside a transaction, no transaction control of the script's own. A failure rolls it all
    back (so the shadow is as before the migration) and returns False: the statements then run
    one by one, which fail in the same place and say exactly which statement failed and how."""
    if not db.dialect.runs_migration_in_one_transaction or not statements:
        return False
    if any(s.autocommit or s.transaction_control for s in statements):
        return False
    # Each statement ends on its own line: a trailing `--` comment cannot swallow the `;`.
    script = "\n;\n".join(["BEGIN", *(s.sql for s in statements), "COMMIT"])
    try:
        db.execute(script)
    except DatabaseError:
        db.rollback()  # the failed transaction (nothing to undo if COMMIT itself failed)
        return False
    except KeyboardInterrupt:
        db.recover_after_interrupt()
        db.rollback()
        raise
    return True
