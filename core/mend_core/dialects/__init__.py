"""The three supported database families. Drivers are imported only when a dialect connects."""

from __future__ import annotations

from functools import cache

from mend_core.dialects.base import SqlDialect

DIALECTS = ("postgresql", "mysql", "sqlite")


@cache
def dialect_for(name: str) -> SqlDialect:
    if name == "postgresql":
        from mend_core.dialects.postgresql import PostgresDialect

        return PostgresDialect()
    if name == "mysql":
        from mend_core.dialects.mysql import MySQLDialect

        return MySQLDialect()
    if name == "sqlite":
        from mend_core.dialects.sqlite import SQLiteDialect

        return SQLiteDialect()
    raise ValueError(f"unknown dialect {name!r}")


def same_family(a: str, b: str) -> bool:
    """Whether two dialect names are one database family (a MariaDB and a MySQL database are:
    both `mysql`): a migration written for one runs on the other, a URL of one never names a
    database of the other."""
    return a == b


__all__ = ["DIALECTS", "SqlDialect", "dialect_for", "same_family"]
