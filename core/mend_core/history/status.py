"""What state the migration history is in: each migration, and the database as a whole.

Prisma's `migrate status` hides several of these (rows missing locally, edited migrations,
rolled-back attempts, the need to baseline); mend reports them all, with distinct exit codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from json.encoder import encode_basestring_ascii as _quote  # json.dumps' own (C)
from pathlib import Path
from typing import Any

from mend_core.database.session import Database, connect
from mend_core.dialects.base import SqlDialect
from mend_core.history.classify import MigrationState, MigrationStatus, classify
from mend_core.history.folder import (
    LocalMigration,
    check_lock_file,
    list_migrations,
    missing_script,
    shell_word,
)
from mend_core.history.table import HistoryRow, HistoryTable
from mend_core.project.context import Context

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
    "refuse_missing_scripts",
]


class DatabaseState(StrEnum):
    IN_SYNC = "in_sync"
    BEHIND = "behind"
    FAILED = "failed"
    DIVERGED = "diverged"
    NOT_MANAGED = "not_managed"
    # An unfinished migration without logs while another session holds the migration lock: a
    # deploy is running it. Not a failure, and not to be resolved (M4006 for a recovery).
    IN_PROGRESS = "in_progress"


# Documented in the README; 1 is an error and 2 a usage error, as for every command.
EXIT_CODES: dict[DatabaseState, int] = {
    DatabaseState.IN_SYNC: 0,
    DatabaseState.BEHIND: 3,
    DatabaseState.FAILED: 4,
    DatabaseState.DIVERGED: 5,
    DatabaseState.NOT_MANAGED: 6,
    DatabaseState.IN_PROGRESS: 7,
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
    # The migrations a deploy in progress is running (state IN_PROGRESS): recorded as started,
    # not finished, without logs, while another session holds the migration lock.
    running: tuple[str, ...] = ()

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
        timestamp = TimestampText()  # one for the whole report: it caches what rows share
        return {
            "summary": self._summary_json(),
            "migrations": [migration_json(m, timestamp) for m in self.migrations],
            "rolled_back_removed": list(self.rolled_back_removed),
        }

    def to_json_text(self) -> str:
        """`json.dumps(self.to_json())`, the same text, three to four times faster: each
        migration is written from its values through a template, not built as dicts for the
        encoder to walk (10,000 migrations make 20,000 dicts, and 5 MB of JSON)."""
        timestamp = TimestampText()
        migrations = ", ".join([_migration_text(m, timestamp) for m in self.migrations])
        return (
            f'{{"summary": {json.dumps(self._summary_json())}, "migrations": [{migrations}], '
            f'"rolled_back_removed": {json.dumps(list(self.rolled_back_removed))}}}'
        )

    def _summary_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "exit_code": self.exit_code,
            "message": self.message,
            "next_step": self.next_step,
            "counts": self._counts_json(),
            "target": self.target,
            "url_source": self.url_source,
            "migrations_dir": str(self.migrations_dir),
            "history_table": self.history_table,
            "lock_holder": self.lock_holder,
            "running": list(self.running),
            "warnings": list(self.warnings),
        }

    def _counts_json(self) -> dict[str, int]:
        """`counts()`, in one pass over the migrations rather than five."""
        states = dict.fromkeys(_STATE_TEXT.values(), 0)
        edited = rolled_back = 0
        for migration in self.migrations:
            states[_STATE_TEXT[migration.state]] += 1
            edited += migration.edited
            rolled_back += migration.rolled_back_attempts
        return {**states, "edited": edited, "rolled_back_attempts": rolled_back}


def get_status(context: Context) -> StatusReport:
    """Read the folder and the history table; never writes: the session is read-only
    whatever the options say, so that a bug here cannot write either."""
    local = list_migrations(context.migrations_dir, cached=True)
    with connect(context.target, read_only=True) as db:
        return build_report(context, local, db)


def refuse_missing_scripts(report: StatusReport) -> None:
    """`mend status` stops with P3015 at a folder without migration.sql, as Prisma's `migrate
    status` does. The report itself keeps such folders (with a warning), so that the app and
    the recovery can still show the history."""
    for migration in report.migrations:
        if migration.local is not None and migration.missing_script:
            raise missing_script(migration.local)


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
    running = _running(migrations) if lock_holder is not None else []
    if running and not db.dialect.migration_lock_taken(db):
        running = []  # MySQL's lock is server-wide: another database's deploy holds it
    state, message, next_step = summarise(columns is not None, user_tables, migrations, running)
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
        running=tuple(m.name for m in running),
    )


def _running(migrations: list[MigrationStatus]) -> list[MigrationStatus]:
    """The failed migrations that are a deploy still running them (the lock is held): every
    failed one unfinished and without logs. One with logs did fail, whoever holds the lock."""
    failed = [m for m in migrations if m.state is MigrationState.FAILED]
    unfinished = [m for m in failed if (f := m.failure()) is not None and f.process_died]
    return unfinished if failed and len(unfinished) == len(failed) else []


def migration_json(
    migration: MigrationStatus, timestamp: TimestampText | None = None
) -> dict[str, Any]:
    """A migration as `status --json` shows it."""
    values, attempts = _migration_values(migration, timestamp or TimestampText())
    name, state, edited, started, finished, steps, logs, local, missing, rolled_back = values
    return {
        "name": name,
        "state": state,
        "edited": edited,
        "started_at": started,
        "finished_at": finished,
        "applied_steps_count": steps,
        "logs": logs,
        "local": local,
        "missing_script": missing,
        "rolled_back_attempts": rolled_back,
        "attempts": [
            {
                "id": row_id,
                "checksum": checksum,
                "started_at": row_started,
                "finished_at": row_finished,
                "rolled_back_at": rolled_back_at,
                "applied_steps_count": row_steps,
            }
            for row_id, checksum, row_started, row_finished, rolled_back_at, row_steps in attempts
        ],
    }


def _migration_values(
    migration: MigrationStatus, timestamp: TimestampText
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The values of `migration_json`, in its order, and each attempt's: what both the dicts
    and the JSON text are made of. Written for 10,000 migrations: timestamps go from the raw
    values the database returned to their text, each once (the migration's own are its
    deciding attempt's, as MigrationStatus.started_at / finished_at), properties read once."""
    deciding = migration.row
    started = finished = None
    found = False
    attempts = []
    for row in migration.rows:
        text = timestamp.formatter(row.decode)
        started_at = text(row.started_raw)
        finished_at = text(row.finished_raw)
        rolled_back = row.rolled_back_raw
        rolled_back_at = None if rolled_back is None else text(rolled_back)
        attempts.append(
            (row.id, row.checksum, started_at, finished_at, rolled_back_at, row.applied_steps_count)
        )
        if row is deciding:
            found = True
            started = started_at
            finished = finished_at if rolled_back is None else None
    if deciding is not None and not found:
        text = timestamp.formatter(deciding.decode)
        started = text(deciding.started_raw)
        finished = None if deciding.rolled_back else text(deciding.finished_raw)
    local = migration.local
    values = (
        migration.name,
        _STATE_TEXT[migration.state],
        migration.edited,
        started,
        finished,
        None if deciding is None else deciding.applied_steps_count,
        None if deciding is None else deciding.logs,
        local is not None,
        local is not None and local.checksum is None,
        migration.rolled_back_attempts,
    )
    return values, attempts


def _migration_text(migration: MigrationStatus, timestamp: TimestampText) -> str:
    """`json.dumps(migration_json(migration))`: the same values (see `_migration_values`),
    each written as json.dumps writes its type, in the same layout. Inline expressions, not
    helper calls: this runs 10,000 times. The values' types are known: names, ids, checksums
    and logs are str (quoted by json.dumps' own encoder), counts int (HistoryRow converts
    them; an int formats as json.dumps writes it), flags bool, and a timestamp's text is
    digits and `-T:.+`, which JSON writes unescaped."""
    values, attempts = _migration_values(migration, timestamp)
    name, state, edited, started, finished, steps, logs, local, missing, rolled_back = values
    rows = ", ".join(
        [
            f'{{"id": {_quote(row_id)}, "checksum": {_quote(checksum)}, '
            f'"started_at": {"null" if row_started is None else _Q + row_started + _Q}, '
            f'"finished_at": {"null" if row_finished is None else _Q + row_finished + _Q}, '
            f'"rolled_back_at": {"null" if rolled_back_at is None else _Q + rolled_back_at + _Q}, '
            f'"applied_steps_count": {row_steps}}}'
            for row_id, checksum, row_started, row_finished, rolled_back_at, row_steps in attempts
        ]
    )
    return (
        f'{{"name": {_quote(name)}, "state": "{state}", "edited": {_BOOLEAN[edited]}, '
        f'"started_at": {"null" if started is None else _Q + started + _Q}, '
        f'"finished_at": {"null" if finished is None else _Q + finished + _Q}, '
        f'"applied_steps_count": {"null" if steps is None else steps}, '
        f'"logs": {"null" if logs is None else _quote(logs)}, '
        f'"local": {_BOOLEAN[local]}, "missing_script": {_BOOLEAN[missing]}, '
        f'"rolled_back_attempts": {rolled_back}, "attempts": [{rows}]}}'
    )


_BOOLEAN = {False: "false", True: "true"}
_Q = '"'


def _json_value(value: object) -> str:
    """A value as json.dumps writes it (ensure_ascii: its C string encoder)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return _quote(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value)


_STATE_TEXT = {state: state.value for state in MigrationState}


def summarise(
    has_table: bool,
    user_tables: int,
    migrations: list[MigrationStatus],
    running: list[MigrationStatus] | None = None,
) -> tuple[DatabaseState, str, str]:
    def names(items: list[MigrationStatus]) -> str:
        shown = ", ".join(m.name for m in items[:3])
        return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")

    pending = [m for m in migrations if m.state is MigrationState.PENDING]
    failed = [m for m in migrations if m.state is MigrationState.FAILED]
    missing = [m for m in migrations if m.state is MigrationState.MISSING_LOCALLY]
    edited = [m for m in migrations if m.edited]
    if not has_table and user_tables:
        first = shell_word(migrations[0].name) if migrations else "<name>"
        return (
            DatabaseState.NOT_MANAGED,
            f"The database has {user_tables} table(s) but no _prisma_migrations table: it is not "
            "managed by Prisma Migrate, and deploy would stop with P3005.",
            f"Baseline it: for each migration already reflected in the schema, run `mend resolve "
            f"--applied {first}` (and the next ones), then `mend deploy` for the rest.",
        )
    if running:
        return (
            DatabaseState.IN_PROGRESS,
            f"A deploy is in progress: {names(running)} has started and not finished, and "
            "another session holds the migration lock. It is running, not failed.",
            "Wait for the deploy to finish, then run `mend status` again. Do not resolve a "
            "migration that is still running.",
        )
    if failed:
        first = shell_word(failed[0].name)
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
    """The straightforward form, which TimestampText reproduces faster."""
    return value.isoformat(timespec="milliseconds") if value else None


# -- timestamps as JSON text, fast ----------------------------------------------------------------
# `status --json` over 10,000 migrations writes 40,000 timestamps; decoding each into a datetime
# and formatting it costs 2-3 us, more than the rest of the report. TimestampText gives the same
# text as `_iso(decode(raw))` from the raw value where its form allows.
_MILLIS = tuple(f"{n:03d}" for n in range(1000))
_SECONDS = tuple(f"{n:02d}." for n in range(60))
# Below 2**32 s, `raw / 1000` is within 0.5 us of the exact value, so fromtimestamp rounds to
# the exact millisecond, which integer arithmetic gives directly.
_EPOCH_MS_LIMIT = 2**32 * 1000
# The text forms Prisma's engines and SQLite's current_timestamp write, in UTC.
_TEXT_FORM = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d{3}))?(?:Z|\+00:00| UTC)?"
)
_MISSING = object()


class TimestampText:
    """`_iso(decode(raw))` for the raw timestamps of a history read: integer milliseconds
    (SQLite) by arithmetic, with each minute's text cached; datetimes without converting them
    twice; the usual text forms by slicing. Any other form, or a decoder that is not a dialect's,
    takes the straightforward way."""

    def __init__(self) -> None:
        self._minutes: dict[int, str] = {}
        self._dates: dict[str, bool] = {}
        self._decode: Callable[[object], datetime | None] | None = None
        self._text: Callable[[object], str | None] = _no_text

    def __call__(self, raw: object, decode: Callable[[object], datetime | None]) -> str | None:
        return self.formatter(decode)(raw)

    def formatter(
        self, decode: Callable[[object], datetime | None]
    ) -> Callable[[object], str | None]:
        """The text of raw values read with `decode` (all rows of a read share it)."""
        if decode is not self._decode:
            self._decode, self._text = decode, self._formatter(decode)
        return self._text

    def _formatter(
        self, decode: Callable[[object], datetime | None]
    ) -> Callable[[object], str | None]:
        dialect = getattr(decode, "__self__", None)
        if not isinstance(dialect, SqlDialect):
            return lambda raw: _iso(decode(raw))
        epoch_ms = dialect.epoch_millisecond_timestamps
        minutes, seconds_text, millis_text = self._minutes, _SECONDS, _MILLIS

        def text(raw: object) -> str | None:
            if raw is None:  # every decoder reads NULL as no timestamp
                return None
            if type(raw) is int:
                if epoch_ms and 0 <= raw < _EPOCH_MS_LIMIT:
                    seconds, millis = divmod(raw, 1000)
                    minute, second = divmod(seconds, 60)
                    prefix = minutes.get(minute)
                    if prefix is None:  # "YYYY-MM-DDTHH:MM:"
                        prefix = datetime.fromtimestamp(minute * 60, UTC).isoformat()[:17]
                        minutes[minute] = prefix
                    return prefix + seconds_text[second] + millis_text[millis] + "+00:00"
            elif type(raw) is datetime:  # the dialects' decoders all return as_utc(raw)
                return _datetime_text(raw)
            elif type(raw) is str:
                found = self._text_form(raw)
                if found is not None:
                    return found
            return _iso(decode(raw))

        return text

    def _text_form(self, raw: str) -> str | None:
        match = _TEXT_FORM.fullmatch(raw)
        if match is None:
            return None
        day, hour, minute, second, millis = match.groups()
        valid = self._dates.get(day)
        if valid is None:  # a real date? (as datetime.fromisoformat would check)
            valid = self._dates[day] = _is_date(day)
        if not valid:
            return None
        return f"{day}T{hour}:{minute}:{second}.{millis or '000'}+00:00"


def _no_text(raw: object) -> str | None:
    return None


def _datetime_text(value: datetime) -> str:
    """as_utc(value) in ISO form: a naive value is UTC already (MySQL DATETIME)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "+00:00"


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
