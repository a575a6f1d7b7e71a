"""PostgreSQL's lock diagnostics: who holds or waits for a lock on a table (pg_locks joined to
pg_stat_activity), or, the table not known, the open transactions of the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select

from mend_core.dialects.diagnostic import SAMPLE_ROWS, Diagnostic, plural, sample_rows
from mend_core.dialects.locks import catalog_table, listed, transactions_summary

if TYPE_CHECKING:
    from mend_core.database.session import Database, Row


def lock_diagnostics(db: Database, table: str | None) -> list[Diagnostic]:
    return [_postgres_locks(db, table) if table else _postgres_transactions(db)]


def _postgres_locks(db: Database, table: str) -> Diagnostic:
    """pg_locks on the table's oid, joined to pg_stat_activity: who holds, who waits."""
    locks = catalog_table("pg_catalog", "pg_locks", "pid", "mode", "granted", "relation")
    activity = catalog_table(
        "pg_catalog",
        "pg_stat_activity",
        *("pid", "usename", "application_name", "client_addr", "state", "xact_start", "query"),
    )
    classes = catalog_table("pg_catalog", "pg_class", "oid", "relname", "relnamespace")
    spaces = catalog_table("pg_catalog", "pg_namespace", "oid", "nspname")
    relation = (
        select(classes.c.oid)
        .join(spaces, spaces.c.oid == classes.c.relnamespace)
        .where(spaces.c.nspname == (db.target.schema or "public"), classes.c.relname == table)
        .scalar_subquery()
    )
    joined = locks.join(activity, activity.c.pid == locks.c.pid)
    where = and_(locks.c.relation == relation, locks.c.pid != func.pg_backend_pid())
    shown = (
        locks.c.pid,
        locks.c.mode,
        locks.c.granted,
        activity.c.state,
        activity.c.usename,
        activity.c.application_name,
        func.host(activity.c.client_addr),
        activity.c.xact_start,
        func.pg_blocking_pids(locks.c.pid),
        func.left(activity.c.query, 200),
    )
    headers = (
        *("pid", "mode", "granted", "state", "user", "application", "client"),
        *("transaction_start", "blocked_by", "query"),
    )
    sample = (
        select(*shown)
        .select_from(joined)
        .where(where)
        .order_by(locks.c.granted.desc(), activity.c.xact_start, locks.c.pid)
        .limit(SAMPLE_ROWS)
    )
    count = select(func.count()).select_from(joined).where(where)
    found, rows, sql, total_sql = listed(db, count, sample)
    return Diagnostic(
        "locks",
        _locks_summary(table, rows),
        table,
        (),
        found,
        headers,
        sample_rows(rows),
        sql,
        total_sql,
    )


def _locks_summary(table: str, rows: list[Row]) -> str:
    held = [r for r in rows if r[2]]
    waiting = len(rows) - len(held)
    if not rows:
        return (
            f"No other session holds or waits for a lock on `{table}` now: the lock that "
            "stopped the statement has been released."
        )
    holders = ", ".join(dict.fromkeys(f"pid {r[0]} ({r[1]}, {r[3] or 'no state'})" for r in held))
    text = f"Locks on `{table}` now: held by {holders or 'no session'}"
    text += f"; {plural(waiting, 'lock request')} waiting." if waiting else "."
    if held:
        text += " End the holder's transaction (or pg_terminate_backend(pid)) before retrying."
    return text


def _postgres_transactions(db: Database) -> Diagnostic:
    """The table is not known: the database's open transactions, oldest first."""
    activity = catalog_table(
        "pg_catalog",
        "pg_stat_activity",
        *("pid", "datname", "usename", "application_name", "state", "xact_start", "query"),
    )
    where = and_(
        activity.c.datname == func.current_database(),
        activity.c.xact_start.is_not(None),
        activity.c.pid != func.pg_backend_pid(),
    )
    shown = (
        activity.c.pid,
        activity.c.state,
        activity.c.usename,
        activity.c.application_name,
        activity.c.xact_start,
        func.left(activity.c.query, 200),
    )
    sample = select(*shown).where(where).order_by(activity.c.xact_start).limit(SAMPLE_ROWS)
    count = select(func.count()).select_from(activity).where(where)
    found, rows, sql, total_sql = listed(db, count, sample)
    return Diagnostic(
        "open-transactions",
        transactions_summary(found, [r[0] for r in rows], "pid"),
        None,
        (),
        found,
        ("pid", "state", "user", "application", "transaction_start", "query"),
        sample_rows(rows),
        sql,
        total_sql,
    )
