"""`mend deploy`: apply pending migrations with Prisma's checks, order, locking and bookkeeping.

Order of checks, as `prisma migrate deploy`: migration_lock.toml (P3019), the lock, an
unmanaged non-empty database (P3005), failed migrations (P3009), a folder without its script,
applied or not (P3015). Then each pending
migration, by name: row recorded as started, script run, row finished; on failure the logs are
written and deploy stops (P3018). Everything the operator could get wrong in a pending script is
checked before the first write, so bad input leaves the database unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from mend_core.database.journal import Journal
from mend_core.database.runner import (
    Interrupted,
    NoObserver,
    RunMode,
    ScriptFailed,
    StatementObserver,
    StatementResult,
    run_mode,
    run_statements,
)
from mend_core.database.session import Database
from mend_core.database.statements import Statement
from mend_core.database.write_session import write_session
from mend_core.dialects import dialect_for
from mend_core.errors import M4004, M4005, M4006, P3005, P3009, P3018, MendError
from mend_core.history.classify import classify
from mend_core.history.failure import FailureRecord, first_line_of
from mend_core.history.folder import (
    LocalMigration,
    check_lock_file,
    list_migrations,
    require_scripts,
    shell_word,
)
from mend_core.history.table import HistoryRow, HistoryTable, StartedRow
from mend_core.history.timestamps import format_timestamp
from mend_core.project.context import Context


@dataclass(frozen=True)
class PlannedMigration:
    """A pending migration, read, checked and split, ready to run."""

    migration: LocalMigration
    statements: tuple[Statement, ...]
    mode: RunMode

    @property
    def name(self) -> str:
        return self.migration.name


@dataclass(frozen=True)
class DeployPlan:
    found: int
    pending: tuple[PlannedMigration, ...]
    creates_history_table: bool
    warnings: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.pending)


@dataclass(frozen=True)
class DeployResult:
    plan: DeployPlan
    applied: tuple[str, ...]
    applied_meanwhile: tuple[str, ...] = ()  # previewed, but applied by another process


class DeployObserver(StatementObserver, Protocol):
    def plan_ready(self, plan: DeployPlan) -> None:
        """The plan computed under the lock, before anything is written."""

    def migration_started(self, planned: PlannedMigration, position: int, count: int) -> None: ...

    def migration_finished(self, planned: PlannedMigration, seconds: float) -> None: ...


class SilentDeploy(NoObserver):
    """A DeployObserver that reports nothing."""

    def plan_ready(self, plan: DeployPlan) -> None:
        pass

    def migration_started(self, planned: PlannedMigration, position: int, count: int) -> None:
        pass

    def migration_finished(self, planned: PlannedMigration, seconds: float) -> None:
        pass


class MigrationFailed(MendError):
    """P3018, with the failure's record kept for the caller."""

    def __init__(self, name: str, record: FailureRecord) -> None:
        statement = first_line_of(record.statement_sql or "")
        super().__init__(
            P3018,
            "A migration failed to apply. New migrations cannot be applied before the error is "
            "recovered from. Read more about how to resolve migration issues in a production "
            "database: https://pris.ly/d/migrate-resolve\n\n"
            f"Migration name: {name}\n\n"
            f"Failed statement: {record.where().removeprefix('statement ')}: {statement}\n\n"
            f"Database error code: {record.error_code}\n\n"
            f"Database error:\n{record.message.strip()}\n\n"
            f"Effect: {record.effect()}",
            f"`mend inspect {shell_word(name)}` shows what took effect; "
            f"`mend recover {shell_word(name)}` rolls it back "
            "or forward, or by hand: `mend resolve --rolled-back` (after undoing what "
            "persisted) or `mend resolve --applied` (after finishing it).",
        )
        self.migration_name = name
        self.record = record


def plan_deploy(context: Context, db: Database | None) -> DeployPlan:
    """What deploy would do, checked in Prisma's order; `db` None means a new SQLite file.

    As Prisma's engine, a folder without migration.sql stops deploy with P3015 after the
    failed-migration check (P3009), whether its migration is applied or not. mend reads and
    checks every pending script before the first write, so bad input leaves the database
    unchanged."""
    check_lock_file(context.migrations_dir, context.provider)
    local = list_migrations(context.migrations_dir)
    rows: list[HistoryRow] = []
    creates_table = True
    if db is not None:
        table = HistoryTable(db)
        columns = table.columns()
        if columns is None:
            tables = db.dialect.user_tables(db)
            if tables:
                raise MendError(
                    P3005,
                    "The database schema is not empty. Read more about how to baseline an "
                    "existing production database: https://pris.ly/d/migrate-baseline "
                    f"(it has {len(tables)} table(s), such as `{tables[0]}`, and no "
                    "_prisma_migrations table).",
                    "Baseline it: `mend resolve --applied NAME` for each migration the schema "
                    "already reflects, then deploy the rest.",
                )
        else:
            table.check_shape(columns)
            rows = table.rows()
            creates_table = False
    _refuse_failed(rows)
    require_scripts(local)
    applied_names = {r.migration_name for r in rows if not r.rolled_back}
    waiting = [m for m in local if m.name not in applied_names]
    pending = tuple(_prepare(m, context) for m in waiting)
    warnings = _warnings(local, rows) + tuple(
        f"`{p.name}/migration.sql` holds no statement: it is recorded as applied and runs "
        "nothing, as Prisma does"
        for p in pending
        if not p.statements
    )
    return DeployPlan(len(local), pending, creates_table, warnings)


def _refuse_failed(rows: list[HistoryRow]) -> None:
    failed = [r for r in rows if r.failed]
    if not failed:
        return
    details = "\n".join(
        f"The `{r.migration_name}` migration started at {format_timestamp(r.started_at)} failed"
        for r in failed
    )
    first = failed[0].migration_name
    raise MendError(
        P3009,
        "migrate found failed migrations in the target database, new migrations will not be "
        "applied. Read more about how to resolve migration issues in a production database: "
        f"https://pris.ly/d/migrate-resolve\n{details}",
        f"`mend status` shows what failed. Then `mend resolve --rolled-back {first}` or "
        f"`mend resolve --applied {first}`, once the database matches the choice.",
    )


def _prepare(migration: LocalMigration, context: Context) -> PlannedMigration:
    text = migration.read_script()
    statements = tuple(dialect_for(context.target.dialect).split(text))
    return PlannedMigration(migration, statements, run_mode(context.target.dialect, statements))


def _warnings(local: list[LocalMigration], rows: list[HistoryRow]) -> tuple[str, ...]:
    statuses, _ = classify(local, rows)
    warnings = [
        f"`{s.name}` was edited after it was applied (its checksum differs); deploy does not "
        "run it again"
        for s in statuses
        if s.edited
    ]
    warnings += [
        f"`{s.name}` is recorded in the database but missing from the migrations folder"
        for s in statuses
        if s.state.value == "missing_locally"
    ]
    return tuple(warnings)


def preview_deploy(context: Context) -> DeployPlan:
    """The plan, read without writing or locking (a missing SQLite file is a database still to
    create). A migration that looks failed while another session holds the migration lock is
    reported as a deploy in progress, not as P3009."""
    target = context.target
    if not target.memory and target.path and not target.path.exists():
        return plan_deploy(context, None)
    with context.connect() as db:
        try:
            return plan_deploy(context, db)
        except MendError as error:
            holder = db.dialect.lock_holder(db) if error.code == P3009 else None
            if holder is None:
                raise
            raise MendError(
                M4006,
                f"A deploy is in progress: the migration lock is held by {holder}, and the "
                "migration it is running is not finished yet.",
                "Wait for it to finish, then run the command again.",
            ) from None


def deploy(
    context: Context,
    observer: DeployObserver,
    *,
    expected: DeployPlan | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DeployResult:
    """Apply the pending migrations. With `expected`, refuse if the pending list changed since
    that preview (another deploy ran in between)."""
    with write_session(context, "deploy", create=True) as session:
        db, table, journal = session.db, session.history, session.journal
        plan = plan_deploy(context, db)
        if expected is not None:
            # Fewer pending than previewed is fine (another deploy applied some meanwhile);
            # anything not previewed is not run.
            unexpected = [name for name in plan.names if name not in expected.names]
            if unexpected:
                raise MendError(
                    M4005,
                    "The pending migrations changed since the preview: "
                    f"{', '.join(unexpected)} would now run too.",
                    "Run the command again to preview the new plan.",
                )
        observer.plan_ready(plan)
        if plan.creates_history_table:
            # As Prisma: an empty database gets the (empty) history table even with nothing
            # to apply.
            table.create()
            journal.record("history_table_created")
        applied: list[str] = []
        count = len(plan.pending)
        carried: StartedRow | None = None  # this migration's row, written by the one before
        for position, planned in enumerate(plan.pending, start=1):
            following = plan.pending[position] if position < count else None
            run = _Run(db, table, journal, observer, should_stop)
            carried = run.apply(planned, position, count, carried, following)
            applied.append(planned.name)
        meanwhile = tuple(n for n in expected.names if n not in plan.names) if expected else ()
        return DeployResult(plan, tuple(applied), meanwhile)


class _Run:
    """One migration applied, with its bookkeeping: the journal's entries, the started and
    finished rows, and the failed row of a failure or an interrupt.

    The next migration's started row is written in the transaction that writes this one's
    finished row (after its journal note), when there is a next one: a commit per migration
    less (PostgreSQL's started row no longer commits alone; MySQL's two rows, after DDL that
    commits implicitly, commit once). The rows and their values are Prisma's; the next row is
    committed, as Prisma's, before that migration's first statement runs (its started_at is
    read as it is written, a commit earlier). If this migration's last transaction fails or is
    interrupted, the next row is rolled back with it: deploy stops there, the next migration
    never started (its journal note is followed by this one's failure)."""

    def __init__(
        self,
        db: Database,
        table: HistoryTable,
        journal: Journal,
        observer: DeployObserver,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.db = db
        self.table = table
        self.journal = journal
        self.observer = observer
        self.should_stop = should_stop
        self.next_row: StartedRow | None = None

    def _note_started(self, planned: PlannedMigration, row: StartedRow) -> None:
        # Handed to the OS before the started row is written (a killed mend leaves it; the
        # started row, committed in the database, says the same after a power cut); synced
        # with the migration's end.
        self.journal.note(
            "migration_started",
            migration=planned.name,
            row_id=row.id,
            statements=len(planned.statements),
            mode=planned.mode.name,
        )

    def _started_row(self, planned: PlannedMigration) -> StartedRow:
        assert planned.migration.checksum is not None
        return self.table.started_row(planned.name, planned.migration.checksum)

    def apply(
        self,
        planned: PlannedMigration,
        position: int,
        count: int,
        carried: StartedRow | None,
        following: PlannedMigration | None,
    ) -> StartedRow | None:
        """Apply `planned` (its started row already written if `carried`); return the started
        row of `following`, written with this migration's finished row."""
        name = planned.name
        table, journal = self.table, self.journal
        self.observer.migration_started(planned, position, count)
        started = time.perf_counter()
        start: Callable[[], None] | None = None
        if carried is None:
            started_row = self._started_row(planned)
            self._note_started(planned, started_row)
            # The started row, committed before the first statement runs or with it (SQLite:
            # one commit and its disk syncs less; a migration killed during its first
            # statement then leaves neither), and there whatever happens.
            start = lambda: table.insert_started(started_row)  # noqa: E731
        else:
            started_row = carried
        row_id = started_row.id

        def finish() -> None:
            table.record_finished(row_id)
            if following is not None:
                row = self._started_row(following)
                self._note_started(following, row)
                table.insert_started(row)
                self.next_row = row

        try:
            run_statements(
                self.db,
                planned.statements,
                _JournaledObserver(journal, name, self.observer),
                self.should_stop,
                # The finished row is written in the migration's own transaction where it has
                # one (PostgreSQL): a crash can no longer leave effects committed and the row
                # failed. With it, the next migration's started row (see the class).
                finish=finish,
                start=start,
                finish_in_transaction=following is not None,
            )
        except ScriptFailed as failed:
            record = failed.record
            table.record_failed(row_id, record.to_logs(name))
            journal.record(
                "migration_failed", migration=name, row_id=row_id, failure=record.to_json()
            )
            raise MigrationFailed(name, record) from None
        except Interrupted as stopped:
            record = stopped.record
            table.record_failed(row_id, record.to_logs(name))
            journal.record(
                "migration_interrupted", migration=name, row_id=row_id, failure=record.to_json()
            )
            raise MendError(
                M4004,
                f"Deploy was interrupted during `{name}`, at {record.where()}. The migration is "
                f"recorded as failed. Effect: {record.effect()}",
                f"`mend inspect {name}` shows what persisted; resolve it before deploying again.",
            ) from None
        # Synced at once (the journal then says what the database committed); anchored at least
        # every second and as the run ends (Journal.checkpoint).
        journal.checkpoint("migration_finished", migration=name, row_id=row_id)
        self.observer.migration_finished(planned, time.perf_counter() - started)
        return self.next_row


class _JournaledObserver:
    def __init__(self, journal: Journal, migration: str, inner: StatementObserver) -> None:
        self.journal = journal
        self.migration = migration
        self.inner = inner

    def statement_started(self, statement: Statement, total: int) -> None:
        self.journal.note(
            "statement_started",
            migration=self.migration,
            statement=statement.index,
            total=total,
            sql=statement.sql,
        )
        self.inner.statement_started(statement, total)

    def statement_finished(
        self, statement: Statement, total: int, seconds: float, result: StatementResult
    ) -> None:
        # Written with the next entry (the next statement's start, or the migration's end or
        # failure), which comes before anything else reaches the database.
        self.journal.note_later(
            "statement_finished",
            migration=self.migration,
            statement=statement.index,
            seconds=round(seconds, 4),
            rowcount=result.rowcount,
        )
        self.inner.statement_finished(statement, total, seconds, result)
