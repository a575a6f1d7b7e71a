"""Live row counts for risk notes: how many rows a DROP, TRUNCATE or DELETE would take away.

Counted exactly with a time limit; a table too big to count in time gets the planner's
estimate instead (PostgreSQL `reltuples`, MySQL `table_rows`), marked as such, so that a
confirmation prompt on a large production table never hangs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from mend_core.database.session import Database
from mend_core.database.sql_builder import render, table_of
from mend_core.dialects.errors import DatabaseError
from mend_core.errors import MendError

COUNT_SECONDS = 5.0


@dataclass(frozen=True)
class RowCount:
    value: int | None  # None: the table could not be read (it may not exist)
    exact: bool = True

    def words(self, noun: str = "row") -> str:
        if self.value is None:
            return f"an unknown number of {noun}s"
        plural = "" if self.value == 1 else "s"
        about = "" if self.exact else "about "
        return f"{about}{self.value:,} {noun}{plural}"


def count_rows(db: Database, table: str, column: str | None = None) -> RowCount:
    """Rows of `table`, or its rows where `column` is not NULL (the values a dropped column
    loses)."""
    # deferred: SQLAlchemy (~60 ms) only when a row is counted: the plan and risk modules import
    # this module on paths that count nothing
    from sqlalchemy import column as sql_column
    from sqlalchemy import func, select

    counted = func.count(sql_column(column)) if column else func.count()
    sql, params = render(db.dialect.name, select(counted).select_from(table_of(db, table)))
    try:
        with time_limit(db):
            # A mapping even when empty: the driver undoes the compile's doubled `%`.
            return RowCount(int(db.scalar(sql, params) or 0))
    except DatabaseError as exc:
        if timed_out(db, exc.db_error.code):
            return _estimate(db, table)
        return RowCount(None)
    except MendError:
        return RowCount(None)


@contextmanager
def time_limit(db: Database) -> Iterator[None]:
    """A per-statement time limit on the session, undone afterwards."""
    settings = db.dialect.statement_time_limit(COUNT_SECONDS)
    applied = []
    for set_it, reset in settings:
        with suppress(MendError):
            db.execute(set_it)
            applied.append(reset)
    try:
        yield
    finally:
        for reset in applied:
            with suppress(MendError):
                db.execute(reset)


def timed_out(db: Database, code: str) -> bool:
    return code in db.dialect.statement_timeout_codes


def _estimate(db: Database, table: str) -> RowCount:
    """The planner's idea of the table's size, when counting took too long."""
    try:
        value = db.dialect.estimated_rows(db, table)
    except MendError:
        value = None
    # PostgreSQL says -1 for a table never analysed: unknown, not empty.
    known = value is not None and int(value) >= 0
    return RowCount(int(value) if known else None, exact=False)


def estimate_rows(db: Database, table: str) -> RowCount:
    """The table's size without counting it (the planner's figure), for lock notes; SQLite,
    whose tables are small enough to count, is counted."""
    estimate = _estimate(db, table)
    # A table the planner has no figure for (never analysed) is counted, within the time limit.
    return estimate if estimate.value is not None else count_rows(db, table)
