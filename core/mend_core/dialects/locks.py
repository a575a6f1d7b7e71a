"""What the lock diagnostics of the server families share (dialects/postgresql_locks.py,
dialects/mysql_locks.py): catalog tables as SQLAlchemy clauses, a count and a sample run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import column
from sqlalchemy import table as table_clause

from mend_core.database.sql_builder import run_query
from mend_core.dialects.diagnostic import plural

if TYPE_CHECKING:
    from sqlalchemy.sql import Select
    from sqlalchemy.sql.expression import TableClause

    from mend_core.database.session import Database, Row


def catalog_table(schema: str, name: str, *columns: str) -> TableClause:
    return table_clause(name, *(column(c) for c in columns), schema=schema)


def listed(
    db: Database, count: Select[Any], sample: Select[Any]
) -> tuple[int, list[Row], str, str]:
    total_sql, totals = run_query(db, count)
    sql, rows = run_query(db, sample)
    return int(totals[0][0]), rows, sql, total_sql


def transactions_summary(found: int, ids: list[Any], noun: str) -> str:
    if not found:
        return "No other session has a transaction open in this database now."
    shown = ", ".join(f"{noun} {i}" for i in ids[:5])
    return (
        f"{plural(found, 'session')} {'has' if found == 1 else 'have'} a transaction open in "
        f"this database now ({shown}, oldest first); any of them may hold the lock."
    )
