"""Run a script's statements one at a time, knowing which statement failed and what persisted.

- PostgreSQL: the statements share one transaction, so a failure undoes them all; a statement
  that cannot run in a transaction (CREATE INDEX CONCURRENTLY, ...) runs alone, committed on its
  own. A script with its own BEGIN/COMMIT runs as written, statement by statement.
- MySQL: DDL commits implicitly, so every statement before the failing one persists.
- SQLite: statements run one by one without a wrapping transaction, as Prisma runs them (a
  table-redefining migration needs `PRAGMA foreign_keys=OFF`, a no-op inside a transaction).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from mend_core.db import Database, DatabaseError
from mend_core.dialects.base import DbError
from mend_core.statements import Statement


class StatementObserver(Protocol):
    def statement_started(self, statement: Statement, total: int) -> None: ...

    def statement_finished(self, statement: Statement, total: int, seconds: float) -> None: ...


class NoObserver:
    def statement_started(self, statement: Statement, total: int) -> None:
        pass

    def statement_finished(self, statement: Statement, total: int, seconds: float) -> None:
        pass


@dataclass(frozen=True)
class RunMode:
    """How a list of statements will be run, for previews and for the failure report."""

    name: str  # "transaction" | "script-transactions" | "autocommit"
    description: str


@dataclass(frozen=True)
class StatementFailure:
    """Where a script stopped and what of it remains in the database."""

    statement: Statement
    total: int
    error: DbError
    committed: tuple[int, ...]  # statements whose effects persist
    rolled_back: tuple[int, ...]  # statements undone by the transaction's rollback
    mode: RunMode

    def effect(self) -> str:
        parts = []
        if self.committed:
            parts.append(f"{statement_ranges(self.committed)} committed and still in effect")
        if self.rolled_back:
            parts.append(f"{statement_ranges(self.rolled_back)} rolled back with the transaction")
        if not parts:
            return "nothing ran before the failing statement."
        return "; ".join(parts) + "."


class ScriptFailed(Exception):
    def __init__(self, failure: StatementFailure) -> None:
        super().__init__(failure.error.message)
        self.failure = failure


class Interrupted(Exception):
    """The operator stopped the run between or during statements."""

    def __init__(self, statement: Statement, total: int, committed: tuple[int, ...]) -> None:
        super().__init__(f"interrupted at statement {statement.index} of {total}")
        self.statement = statement
        self.total = total
        self.committed = committed


def run_mode(dialect: str, statements: Sequence[Statement]) -> RunMode:
    if any(s.transaction_control for s in statements):
        return RunMode(
            "script-transactions",
            "the script manages its own transactions (BEGIN/COMMIT): statements run as "
            "written, one at a time",
        )
    if dialect == "postgresql":
        alone = [s.index for s in statements if s.autocommit]
        text = "one transaction: a failure rolls back every statement of the migration"
        if alone:
            text += (
                f"; {statement_ranges(tuple(alone))} cannot run in a transaction and commit "
                "on their own"
            )
        return RunMode("transaction", text)
    what = "DDL commits implicitly" if dialect == "mysql" else "no wrapping transaction"
    return RunMode(
        "autocommit",
        f"statement by statement ({what}): statements before a failure stay applied",
    )


class _Progress:
    """Which statements have run, and which of those persist so far."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.committed: list[int] = []
        self.pending: list[int] = []  # ran inside an open transaction
        self.script_transaction = False  # the script's own BEGIN is open

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction or self.script_transaction

    def ran(self, statement: Statement) -> None:
        control = statement.transaction_control
        if control == "begin":
            self.script_transaction = True
            self.pending.append(statement.index)
        elif control == "commit":
            self.committed.extend(self.pending)
            if statement.index:  # 0: mend's own closing COMMIT, not a statement of the script
                self.committed.append(statement.index)
            self.pending.clear()
            self.script_transaction = False
        elif control == "rollback":
            self.pending.clear()  # the script discarded them itself
            self.script_transaction = False
        elif self.in_transaction:
            self.pending.append(statement.index)
        else:
            self.committed.append(statement.index)

    def commit_ours(self) -> None:
        if self.db.in_transaction:
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
) -> RunMode:
    """Run every statement or raise ScriptFailed / Interrupted describing what persisted."""
    observer = observer or NoObserver()
    mode = run_mode(db.dialect.name, statements)
    total = len(statements)
    progress = _Progress(db)
    ours = mode.name == "transaction"
    current = statements[0] if statements else None
    try:
        for statement in statements:
            current = statement
            if should_stop and should_stop():
                progress.abandon()
                raise Interrupted(statement, total, tuple(progress.committed))
            if ours:
                if statement.autocommit:
                    progress.commit_ours()
                elif not db.in_transaction:
                    db.begin()
            observer.statement_started(statement, total)
            started = time.perf_counter()
            try:
                db.execute(statement.sql)
            except DatabaseError as exc:
                undone = progress.abandon()
                raise ScriptFailed(
                    StatementFailure(
                        statement, total, exc.db_error, tuple(progress.committed), undone, mode
                    )
                ) from None
            observer.statement_finished(statement, total, time.perf_counter() - started)
            progress.ran(statement)
        try:
            progress.commit_ours()
        except DatabaseError as exc:  # a deferred constraint fails at COMMIT
            undone = progress.abandon()
            raise ScriptFailed(
                StatementFailure(
                    statements[-1], total, exc.db_error, tuple(progress.committed), undone, mode
                )
            ) from None
        if progress.script_transaction:
            # The script opened a transaction and never closed it: do not leave it dangling.
            db.execute("COMMIT")
            progress.ran(Statement(index=0, sql="COMMIT", line=0))
    except KeyboardInterrupt:
        progress.abandon()
        assert current is not None
        raise Interrupted(current, total, tuple(progress.committed)) from None
    return mode


def statement_ranges(indexes: tuple[int, ...]) -> str:
    """(1, 2, 3, 5) -> 'statements 1-3, 5'."""
    if not indexes:
        return "no statements"
    groups: list[str] = []
    start = previous = indexes[0]
    for index in indexes[1:]:
        if index == previous + 1:
            previous = index
            continue
        groups.append(f"{start}-{previous}" if previous != start else str(start))
        start = previous = index
    groups.append(f"{start}-{previous}" if previous != start else str(start))
    noun = "statement" if len(indexes) == 1 else "statements"
    return f"{noun} {', '.join(groups)}"
