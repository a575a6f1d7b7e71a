"""Run a script's statements one at a time, knowing which statement failed and what persisted.

- PostgreSQL: as Prisma sends a script (one multi-statement message), the statements share one
  transaction, so a failure undoes them all. A script with its own BEGIN/COMMIT keeps the same
  rule for its stretches: everything since the last COMMIT is one transaction, rolled back whole
  when a statement fails. A statement that cannot run in a transaction (CREATE INDEX
  CONCURRENTLY, ...) runs alone, committed on its own.
- MySQL: DDL commits implicitly, so every statement before the failing one persists.
- SQLite: statements run one by one without a wrapping transaction, as Prisma runs them (a
  table-redefining migration needs `PRAGMA foreign_keys=OFF`, a no-op inside a transaction).

`start` and `finish`, if given, are the bookkeeping of a run (the history row recorded as
started, and as finished). `finish` runs inside the script's last transaction where one is open
at the end (PostgreSQL), so the record and the schema cannot disagree after a crash. On SQLite,
where each statement is its own transaction, `start` joins the first statement's and `finish`
the last's when those can run in a transaction: the bookkeeping then costs no commit of its own.
A `finish` that writes more than one statement (deploy's: this migration's finished row and the
next one's started row) is given a transaction of its own where none is open at the end, so
that it commits once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from mend_core.database.session import Database
from mend_core.database.statements import Statement
from mend_core.dialects import dialect_for
from mend_core.dialects.errors import DatabaseError
from mend_core.history.failure import FailureRecord, statement_ranges
from mend_core.output.redaction import redact

# A SELECT's rows are kept up to this many for display; the count is always exact.
MAX_KEPT_ROWS = 200


@dataclass(frozen=True)
class StatementResult:
    """What a statement returned: the rows it affected, or the rows of a query."""

    rowcount: int  # -1 when the driver does not know
    columns: tuple[str, ...] | None = None  # None: the statement returned no result set
    rows: tuple[tuple[Any, ...], ...] = ()
    total_rows: int = 0


class StatementObserver(Protocol):
    def statement_started(self, statement: Statement, total: int) -> None: ...

    def statement_finished(
        self, statement: Statement, total: int, seconds: float, result: StatementResult
    ) -> None: ...


class NoObserver:
    def statement_started(self, statement: Statement, total: int) -> None:
        pass

    def statement_finished(
        self, statement: Statement, total: int, seconds: float, result: StatementResult
    ) -> None:
        pass


@dataclass(frozen=True)
class RunMode:
    """How a list of statements will be run, for previews and for the failure report."""

    name: Literal["transaction", "script-transactions", "autocommit"]
    description: str


class ScriptFailed(Exception):
    def __init__(self, record: FailureRecord) -> None:
        super().__init__(record.message)
        self.record = record


class Interrupted(Exception):
    """The operator stopped the run between or during statements."""

    def __init__(self, record: FailureRecord) -> None:
        super().__init__(f"interrupted at {record.where()}")
        self.record = record


def run_mode(dialect: str, statements: Sequence[Statement]) -> RunMode:
    own = any(s.transaction_control for s in statements)
    family = dialect_for(dialect)
    if family.runs_migration_in_one_transaction:
        alone = [s.index for s in statements if s.autocommit]
        if own:
            text = (
                "the script manages its own transactions (BEGIN/COMMIT): as PostgreSQL runs a "
                "script, everything since the last COMMIT is one transaction, rolled back whole "
                "on a failure"
            )
            return RunMode("script-transactions", text)
        text = "one transaction: a failure rolls back every statement of the migration"
        if alone:
            text += (
                f"; {statement_ranges(tuple(alone))} cannot run in a transaction and commit "
                "on their own"
            )
        return RunMode("transaction", text)
    if own:
        return RunMode(
            "script-transactions",
            "the script manages its own transactions (BEGIN/COMMIT): statements run as "
            "written, one at a time",
        )
    what = "no wrapping transaction" if family.transactional_ddl else "DDL commits implicitly"
    return RunMode(
        "autocommit",
        f"statement by statement ({what}): statements before a failure stay applied",
    )


class _Progress:
    """Which statements have run, which of those persist so far, and which transaction is
    open: mend's own (PostgreSQL's implicit one) or the script's."""

    def __init__(self, db: Database, implicit: bool) -> None:
        self.db = db
        self.implicit = implicit  # PostgreSQL: statements share a transaction unless alone
        self.committed: list[int] = []
        self.pending: list[int] = []  # ran inside a transaction still open
        self.script_transaction = False  # the script's own BEGIN is open

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction or self.script_transaction

    def before(self, statement: Statement) -> None:
        """Open or close mend's transaction as the statement needs."""
        if not self.implicit:
            return
        if statement.autocommit and not self.script_transaction:
            self.commit_ours()
        elif not self.db.in_transaction:
            self.db.begin()

    def ran(self, statement: Statement) -> None:
        control = statement.transaction_control
        if control == "begin":
            self.script_transaction = True
            self.pending.append(statement.index)
        elif control == "commit":
            self.committed.extend(self.pending)
            self.committed.append(statement.index)
            self.pending.clear()
            self._ended()
        elif control == "rollback":
            self.pending.clear()  # the script discarded them itself
            self._ended()
        elif self.in_transaction:
            self.pending.append(statement.index)
        else:
            self.committed.append(statement.index)

    def _ended(self) -> None:
        # The script's COMMIT or ROLLBACK ended whatever transaction was open, ours included.
        self.script_transaction = False
        self.db.in_transaction = False

    def commit_ours(self) -> None:
        if self.db.in_transaction and not self.script_transaction:
            self.db.commit()
            self.committed.extend(self.pending)
            self.pending.clear()

    def abandon(self) -> tuple[int, ...]:
        """Roll back whatever transaction is open; return the statements it undid."""
        undone = tuple(self.pending)
        if self.in_transaction:
            self.db.rollback()
            self.script_transaction = False
        self.pending.clear()
        return undone


def run_statements(
    db: Database,
    statements: Sequence[Statement],
    observer: StatementObserver | None = None,
    should_stop: Callable[[], bool] | None = None,
    finish: Callable[[], None] | None = None,
    start: Callable[[], None] | None = None,
    *,
    finish_in_transaction: bool = False,
) -> RunMode:
    """Run every statement or raise ScriptFailed / Interrupted describing what persisted.

    `start` and `finish` are the bookkeeping of the run (the history row recorded as started,
    then as finished), one statement each. `start` takes effect before the first statement and
    `finish` after the last, each committed with it or before it: where the statements run one
    by one without a wrapping transaction (SQLite), `start` shares the first statement's
    transaction and `finish` the last's when those statements behave the same in a transaction
    (`Statement.may_share_transaction`), saving the commits (and their disk syncs) the
    bookkeeping would cost alone; elsewhere `start` runs alone before. Whatever happens,
    `start` has taken effect when this returns or raises: if a failure or an interrupt rolls it
    back with the statement it shared a transaction with, it runs again on its own.
    `finish_in_transaction`: `finish` writes more than one statement, committed together (in a
    transaction of their own where no transaction is open after the last statement)."""
    observer = observer or NoObserver()
    mode = run_mode(db.dialect.name, statements)
    count = script_count(statements)
    total = count or len(statements)
    family = db.dialect
    progress = _Progress(db, implicit=family.runs_migration_in_one_transaction)
    current = statements[0] if statements else None
    in_flight = False  # a statement was sent and its reply not yet read
    # SQLite: statements one by one, each its own transaction; the bookkeeping may join them.
    joins = (
        bool(statements)
        and family.transactional_ddl
        and not progress.implicit
        and not db.in_transaction  # the caller's own transaction is left as it is
    )
    start_joins = joins and start is not None and statements[0].may_share_transaction
    finish_joins = joins and finish is not None and statements[-1].may_share_transaction
    start_state = "none" if start is not None else "done"  # "open": in a transaction not ended
    opened = False  # a transaction this run opened for the bookkeeping is open

    def started_for_good() -> None:
        """After a rollback: the start that shared the undone transaction, on its own."""
        nonlocal start_state
        if start is not None and start_state != "done":
            start_state = "done"
            start()

    def failed(statement: Statement, exc: DatabaseError) -> ScriptFailed:
        undone = progress.abandon()
        started_for_good()
        return ScriptFailed(
            FailureRecord(
                source="mend",
                message=exc.db_error.message,
                error_code=exc.db_error.code,
                detail=exc.db_error.detail,
                statement_index=statement.index,
                statement_count=count,
                statement_line=statement.code_line,
                # The script is the operator's, but it may quote the connection's password.
                statement_sql=redact(statement.sql, db.target.secrets),
                committed=tuple(progress.committed),
                rolled_back=undone,
                mode=mode.name,
            )
        )

    try:
        if start is not None and not start_joins:
            start_state = "done"
            start()
        last_position = len(statements) - 1
        for position, statement in enumerate(statements):
            current = statement
            if should_stop and should_stop():
                raise KeyboardInterrupt
            if position == 0 and start_joins:
                db.begin()
                opened = True
                start_state = "open"
                assert start is not None
                start()
            elif position == last_position and finish_joins and not progress.in_transaction:
                db.begin()
                opened = True
            progress.before(statement)
            observer.statement_started(statement, total)
            started = time.perf_counter()
            in_flight = True
            try:
                result = run_one(db, statement.sql)
            except DatabaseError as exc:
                raise failed(statement, exc) from None
            in_flight = False
            progress.ran(statement)
            if opened and not (position == last_position and finish_joins):
                progress.commit_ours()  # the start's transaction ends with the first statement
                opened = False
            if start_state == "open" and not db.in_transaction:
                start_state = "done"
            observer.statement_finished(statement, total, time.perf_counter() - started, result)
        last = statements[-1] if statements else Statement(index=0, sql="", line=0)
        try:
            if finish is not None:
                # In the script's last transaction where one is open (PostgreSQL's, or the
                # last statement's on SQLite): the record and the schema commit together.
                # Otherwise alone: one statement, atomic on its own, or, for a finish of more
                # than one, in a transaction of its own (one commit, not one per statement).
                if finish_in_transaction and not progress.in_transaction:
                    db.begin()
                finish()
            if progress.script_transaction:
                # The script opened a transaction and never closed it: do not leave it dangling.
                db.execute("COMMIT")
                progress.ran(Statement(index=0, sql="COMMIT", line=0))
            elif db.in_transaction:
                db.commit()
                progress.committed.extend(i for i in progress.pending if i)
                progress.pending.clear()
            if start_state == "open":
                start_state = "done"
        except DatabaseError as exc:  # a deferred constraint fails at COMMIT
            raise failed(last, exc) from None
    except KeyboardInterrupt:
        interrupted_at = current or Statement(index=0, sql="", line=0)
        if in_flight:
            # The session may be mid-reply (MySQL's driver stops half-way through reading it):
            # make it usable again before rolling back what is open.
            db.recover_after_interrupt()
        undone = progress.abandon()
        started_for_good()
        raise Interrupted(
            FailureRecord(
                source="mend",
                message="The operator interrupted the run (Ctrl-C).",
                error_code="M4004",
                statement_index=interrupted_at.index or None,
                statement_count=count,
                statement_line=interrupted_at.code_line or None,
                statement_sql=interrupted_at.sql or None,
                committed=tuple(i for i in progress.committed if i),
                rolled_back=undone,
                mode=mode.name,
                interrupted=True,
            )
        ) from None
    return mode


def script_count(statements: Sequence[Statement]) -> int | None:
    """How many statements the script holds: as it was split, else the list's length when it
    is a whole script (numbered 1 to n); None when that cannot be known."""
    if statements and statements[0].total:
        return statements[0].total
    if all(s.index == n for n, s in enumerate(statements, start=1)):
        return len(statements)
    return None


def run_one(db: Database, sql: str) -> StatementResult:
    """One statement, with its affected-row count or its result rows."""
    cursor = db.raw.cursor()
    try:
        try:
            cursor.execute(sql)
        except db.dialect.driver_errors() as exc:
            raise db.translate(exc, sql) from None
        description = cursor.description
        rowcount = cursor.rowcount if isinstance(cursor.rowcount, int) else -1
        if not description:
            return StatementResult(rowcount)
        columns = tuple(str(column[0]) for column in description)
        kept = []
        count = 0
        try:
            for row in cursor:
                count += 1
                if count <= MAX_KEPT_ROWS:
                    kept.append(tuple(row))
        except db.dialect.driver_errors() as exc:
            raise db.translate(exc, sql) from None
        return StatementResult(rowcount, columns, tuple(kept), count)
    finally:
        cursor.close()
