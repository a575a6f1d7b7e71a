"""Queries built with SQLAlchemy Core and run through mend's own sessions.

Diagnostics, row counts and data-fix templates name tables and columns taken from a database:
SQLAlchemy quotes those identifiers and renders each dialect's SQL correctly, where string
formatting would not. SQLAlchemy is imported only here, and only when such a query is built,
so that `mend --help` and `mend status` never pay for it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from mend_core.dialects import dialect_for

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import Dialect
    from sqlalchemy.sql import ClauseElement
    from sqlalchemy.sql.expression import TableClause

    from mend_core.database.session import Database, Row


@cache
def sqlalchemy_dialect(name: str) -> Dialect:
    """The SQLAlchemy dialect for one of mend's, with a paramstyle its driver takes as a dict."""
    return dialect_for(name).sqlalchemy_dialect()


def render(db_dialect: str, statement: ClauseElement) -> tuple[str, dict[str, Any]]:
    """The statement's SQL for the dialect and its parameters."""
    compiled = statement.compile(dialect=sqlalchemy_dialect(db_dialect))
    return str(compiled), dict(compiled.params)


def render_literal(db_dialect: str, statement: ClauseElement) -> str:
    """The statement's SQL with its values written in, for a script a person reviews and runs
    (a data-fix template, an offline runbook, the query a diagnostic shows)."""
    dialect = sqlalchemy_dialect(db_dialect)
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    sql = str(compiled)
    # A format/pyformat compile doubles every `%` for the driver; with the values written in
    # there is no parameter left, and the SQL a person runs needs single ones.
    if dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")
    return sql


def run_query(db: Database, statement: ClauseElement) -> tuple[str, list[Row]]:
    """Run a built query through `db`; the SQL it ran (as shown to the operator) and its rows.
    The parameters go as a mapping even when empty: the driver then undoes the `%%` of the
    compile (given no parameters at all, psycopg and PyMySQL would send `%%` as it is)."""
    sql, params = render(db.dialect.name, statement)
    return render_literal(db.dialect.name, statement), db.query(sql, params)


def table_of(db: Database, name: str, columns: tuple[str, ...] = ()) -> TableClause:
    """A table of the session's schema, for building queries against it."""
    # deferred: SQLAlchemy (~60 ms) only once a query is built; row counts import this module on
    # paths that build none
    from sqlalchemy import column, table

    schema = db.target.schema if db.dialect.has_schemas else None
    return table(name, *(column(c) for c in columns), schema=schema)
