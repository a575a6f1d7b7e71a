"""MySQL's and MariaDB's lock diagnostics: metadata-lock holders where the server names them,
the open InnoDB transactions of this database's sessions, and the sessions waiting for a lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from mend_core.database.sql_builder import run_query
from mend_core.dialects.diagnostic import SAMPLE_ROWS, Diagnostic, plural, sample_rows
from mend_core.dialects.locks import catalog_table, listed, transactions_summary

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import TableClause

    from mend_core.database.session import Database


# MariaDB 10.11 names a table's metadata-lock holders only through the METADATA_LOCK_INFO
# plugin (not installed by default; performance_schema, where metadata_locks lives, is off by
# default too). Without it: the open InnoDB transactions of sessions on this database (one of
# them holds the lock) and the sessions the processlist shows waiting for a lock.
def lock_diagnostics(db: Database, table: str | None) -> list[Diagnostic]:
    found = []
    if table is not None and _has_metadata_lock_info(db):
        found.append(_metadata_locks(db, table))
    found.append(_mysql_transactions(db, table))
    waits = _mysql_waits(db)
    if waits.count:
        found.append(waits)
    return found


def _information_schema(name: str, *columns: str) -> TableClause:
    return catalog_table("information_schema", name, *columns)


def _has_metadata_lock_info(db: Database) -> bool:
    tables = _information_schema("tables", "table_schema", "table_name")
    probe = select(func.count()).where(
        tables.c.table_schema == "information_schema",
        tables.c.table_name == "METADATA_LOCK_INFO",
    )
    return bool(run_query(db, probe)[1][0][0])


def _processlist() -> TableClause:
    return _information_schema(
        "processlist", "id", "user", "host", "db", "command", "time", "state", "info"
    )


def _metadata_locks(db: Database, table: str) -> Diagnostic:
    locks = _information_schema(
        "metadata_lock_info", "thread_id", "lock_mode", "lock_type", "table_schema", "table_name"
    )
    sessions = _processlist()
    joined = locks.join(sessions, sessions.c.id == locks.c.thread_id)
    where = (
        (locks.c.table_schema == func.database())
        & (locks.c.table_name == table)
        & (locks.c.thread_id != func.connection_id())
    )
    shown = (
        *(locks.c.thread_id, locks.c.lock_mode, sessions.c.user, sessions.c.command),
        *(sessions.c.time, sessions.c.state, func.left(sessions.c.info, 200)),
    )
    sample = select(*shown).select_from(joined).where(where).limit(SAMPLE_ROWS)
    count = select(func.count()).select_from(joined).where(where)
    found, rows, sql, total_sql = listed(db, count, sample)
    holders = ", ".join(dict.fromkeys(f"thread {r[0]} ({r[1]})" for r in rows))
    return Diagnostic(
        "locks",
        f"Metadata locks on `{table}` now: {holders or 'none'}.",
        table,
        (),
        found,
        ("thread", "mode", "user", "command", "seconds", "state", "query"),
        sample_rows(rows),
        sql,
        total_sql,
    )


def _mysql_transactions(db: Database, table: str | None) -> Diagnostic:
    """Open InnoDB transactions of the sessions on this database, oldest first."""
    transactions = _information_schema(
        "innodb_trx",
        *("trx_mysql_thread_id", "trx_state", "trx_started", "trx_rows_locked"),
        *("trx_tables_locked", "trx_query"),
    )
    sessions = _processlist()
    joined = transactions.join(sessions, sessions.c.id == transactions.c.trx_mysql_thread_id)
    where = (sessions.c.id != func.connection_id()) & or_(
        sessions.c.db == func.database(), sessions.c.db.is_(None)
    )
    shown = (
        sessions.c.id,
        sessions.c.user,
        sessions.c.host,
        sessions.c.command,
        sessions.c.time,
        transactions.c.trx_started,
        transactions.c.trx_state,
        transactions.c.trx_rows_locked,
        transactions.c.trx_tables_locked,
        func.left(func.coalesce(transactions.c.trx_query, sessions.c.info), 200),
    )
    sample = (
        select(*shown)
        .select_from(joined)
        .where(where)
        .order_by(transactions.c.trx_started, sessions.c.id)
        .limit(SAMPLE_ROWS)
    )
    count = select(func.count()).select_from(joined).where(where)
    found, rows, sql, total_sql = listed(db, count, sample)
    summary = transactions_summary(found, [r[0] for r in rows], "thread")
    if table and found:
        summary += f" A transaction that read or wrote `{table}` holds its metadata lock."
    return Diagnostic(
        "open-transactions",
        summary,
        table,
        (),
        found,
        (
            *("thread", "user", "host", "command", "seconds", "transaction_start", "state"),
            *("rows_locked", "tables_locked", "query"),
        ),
        sample_rows(rows),
        sql,
        total_sql,
    )


def _mysql_waits(db: Database) -> Diagnostic:
    """Sessions on this database waiting for a lock now (metadata, table or row)."""
    sessions = _processlist()
    where = (
        sessions.c.state.like("%Waiting for%lock%")
        & (sessions.c.db == func.database())
        & (sessions.c.id != func.connection_id())
    )
    shown = (
        *(sessions.c.id, sessions.c.user, sessions.c.time, sessions.c.state),
        func.left(sessions.c.info, 200),
    )
    sample = select(*shown).where(where).order_by(sessions.c.time.desc()).limit(SAMPLE_ROWS)
    count = select(func.count()).select_from(sessions).where(where)
    found, rows, sql, total_sql = listed(db, count, sample)
    return Diagnostic(
        "lock-waits",
        f"{plural(found, 'session')} of this database {'is' if found == 1 else 'are'} "
        "waiting for a lock now.",
        None,
        (),
        found,
        ("thread", "user", "seconds", "state", "query"),
        sample_rows(rows),
        sql,
        total_sql,
    )
