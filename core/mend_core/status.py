"""What state the migration history is in: each migration, and the database as a whole.

Prisma's `migrate status` hides several of these (rows missing locally, edited migrations,
rolled-back attempts, the need to baseline); mend reports them all, with distinct exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from mend_core.classify import MigrationState, MigrationStatus, classify
from mend_core.context import Context
from mend_core.db import Database, connect
from mend_core.history import HistoryRow, HistoryTable
from mend_core.migrations_folder import LocalMigration, check_lock_file, list_migrations

# Re-exported: readers of the report (the app, the CLI) name migration states through it.
__all__ = [
    "EXIT_CODES",
    "DatabaseState",
    "MigrationState",
    "MigrationStatus",
    "StatusReport",
    "build_report",
    "get_status",
    "migration_json",
]


class DatabaseState(StrEnum):
    IN_SYNC = "in_sync"
    BEHIND = "behind"
    FAILED = "failed"
    DIVERGED = "diverged"
    NOT_MANAGED = "not_managed"


# Documented in the README; 1 is an error and 2 a usage error, as for every command.
EXIT_CODES: dict[DatabaseState, int] = {
    DatabaseState.IN_SYNC: 0,
    DatabaseState.BEHIND: 3,
    DatabaseState.FAILED: 4,
    DatabaseState.DIVERGED: 5,
    DatabaseState.NOT_MANAGED: 6,
}


@dataclass(frozen=True)
class StatusReport:
    target: str
    url_source: str
    migrations_dir: Path
    history_table: bool
    user_tables: int
    migrations: tuple[MigrationStatus, ...]
    rolled_back_removed: tuple[str, ...]
    state: DatabaseState
    message: str
    next_step: str
    lock_holder: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.state]

    def named(self, state: MigrationState) -> list[MigrationStatus]:
        return [m for m in self.migrations if m.state is state]

    @property
    def edited(self) -> list[MigrationStatus]:
        return [m for m in self.migrations if m.edited]

    def counts(self) -> dict[str, int]:
        counts = {state.value: len(self.named(state)) for state in MigrationState}
        counts["edited"] = len(self.edited)
        counts["rolled_back_attempts"] = sum(m.rolled_back_attempts for m in self.migrations)
        return counts

    def get(self, name: str) -> MigrationStatus | None:
        for migration in self.migrations:
            if migration.name == name:
                return migration
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "state": self.state.value,
                "exit_code": self.exit_code,
                "message": self.message,
                "next_step": self.next_step,
                "counts": self.counts(),
                "target": self.target,
                "url_source": self.url_source,
                "migrations_dir": str(self.migrations_dir),
                "history_table": self.history_table,
                "lock_holder": self.lock_holder,
                "warnings": list(self.warnings),
            },
            "migrations": [migration_json(m) for m in self.migrations],
            "rolled_back_removed": list(self.rolled_back_removed),
        }


def get_status(context: Context) -> StatusReport:
    """Read the folder and the history table; never writes: the session is read-only
    whatever the options say, so that a bug here cannot write either."""
    local = list_migrations(context.migrations_dir, cached=True)
    with connect(context.target, read_only=True) as db:
        return build_report(context, local, db)


def build_report(context: Context, local: list[LocalMigration], db: Database) -> StatusReport:
    check_lock_file(context.migrations_dir, context.provider)  # P3019, as Prisma's status
    table = HistoryTable(db)
    columns = table.columns()
    warnings: list[str] = []
    if columns is None:
        rows: list[HistoryRow] = []
        user_tables = len(db.dialect.user_tables(db))
    else:
        extra = table.check_shape(columns)
        if extra:
            warnings.append(f"_prisma_migrations has extra column(s) {', '.join(extra)}")
        rows = table.rows()
        user_tables = 0
    lock_holder = db.dialect.lock_holder(db)
    migrations, removed = classify(local, rows)
    for migration in migrations:
        if migration.missing_script:
            warnings.append(
                f"{migration.name}/ has no migration.sql (deploy would stop with P3015)"
            )
    state, message, next_step = summarise(columns is not None, user_tables, migrations)
    return StatusReport(
        target=context.target.label(),
        url_source=context.url_source,
        migrations_dir=context.migrations_dir,
        history_table=columns is not None,
        user_tables=user_tables,
        migrations=tuple(migrations),
        rolled_back_removed=tuple(removed),
        state=state,
        message=message,
        next_step=next_step,
        lock_holder=lock_holder,
        warnings=tuple(warnings),
    )


def migration_json(migration: MigrationStatus) -> dict[str, Any]:
    return {
        "name": migration.name,
        "state": migration.state.value,
        "edited": migration.edited,
        "started_at": _iso(migration.started_at),
        "finished_at": _iso(migration.finished_at),
        "applied_steps_count": migration.applied_steps_count,
        "logs": migration.logs,
        "local": migration.local is not None,
        "missing_script": migration.missing_script,
        "rolled_back_attempts": migration.rolled_back_attempts,
        "attempts": [
            {
                "id": r.id,
                "checksum": r.checksum,
                "started_at": _iso(r.started_at),
                "finished_at": _iso(r.finished_at),
                "rolled_back_at": _iso(r.rolled_back_at),
                "applied_steps_count": r.applied_steps_count,
            }
            for r in migration.rows
        ],
    }


def summarise(
    has_table: bool, user_tables: int, migrations: list[MigrationStatus]
) -> tuple[DatabaseState, str, str]:
    def names(items: list[MigrationStatus]) -> str:
        shown = ", ".join(m.name for m in items[:3])
        return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")

    pending = [m for m in migrations if m.state is MigrationState.PENDING]
    failed = [m for m in migrations if m.state is MigrationState.FAILED]
    missing = [m for m in migrations if m.state is MigrationState.MISSING_LOCALLY]
    edited = [m for m in migrations if m.edited]
    if not has_table and user_tables:
        first = migrations[0].name if migrations else "<name>"
        return (
            DatabaseState.NOT_MANAGED,
            f"The database has {user_tables} table(s) but no _prisma_migrations table: it is not "
            "managed by Prisma Migrate, and deploy would stop with P3005.",
            f"Baseline it: for each migration already reflected in the schema, run `mend resolve "
            f"--applied {first}` (and the next ones), then `mend deploy` for the rest.",
        )
    if failed:
        first = failed[0].name
        return (
            DatabaseState.FAILED,
            f"{len(failed)} migration(s) failed: {names(failed)}. Deploy is blocked (P3009) "
            "until each is resolved.",
            f"Inspect what `{first}` changed before it failed, then roll back (undo its partial "
            f"changes, then `mend resolve --rolled-back {first}`) or roll forward (finish it by "
            f"hand, then `mend resolve --applied {first}`).",
        )
    if missing or edited:
        parts = []
        if missing:
            parts.append(
                f"{len(missing)} applied migration(s) are missing from the migrations folder: "
                f"{names(missing)}"
            )
        if edited:
            parts.append(
                f"{len(edited)} migration(s) were edited after being applied: {names(edited)}"
            )
        return (
            DatabaseState.DIVERGED,
            "The migrations folder and the database's history differ. " + "; ".join(parts) + ".",
            "Restore the missing or edited migration folders from version control (git log -- "
            "prisma/migrations) so that the folder matches what the database ran.",
        )
    if pending:
        return (
            DatabaseState.BEHIND,
            f"{len(pending)} migration(s) have not been applied yet: {names(pending)}.",
            "Run `mend deploy` to apply them (`mend deploy --dry-run` previews the SQL).",
        )
    if not migrations:
        return (
            DatabaseState.IN_SYNC,
            "No migrations in the folder and none recorded in the database.",
            "Nothing to do.",
        )
    return (
        DatabaseState.IN_SYNC,
        f"The database is up to date: all {len(migrations)} migration(s) are applied.",
        "Nothing to do.",
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None
