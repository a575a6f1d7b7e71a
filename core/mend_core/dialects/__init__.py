"""The three supported database families. Drivers are imported only when a dialect connects."""

from __future__ import annotations

from functools import cache
from typing import Literal

from mend_core.dialects.base import SqlDialect

DIALECTS = ("postgresql", "mysql", "sqlite")
Family = Literal["postgresql", "mysql", "sqlite"]

# The names each family goes by outside mend: Prisma's datasource providers, and a URL's scheme
# (without a SQLAlchemy driver suffix such as `+psycopg`). Kept here, not on the dialects:
# naming a family must not import its module.
_BY_PROVIDER: dict[str, Family] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "cockroachdb": "postgresql",
    "mysql": "mysql",
    "sqlite": "sqlite",
}
_BY_SCHEME: dict[str, Family] = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "file": "sqlite",
}


def family_of_provider(provider: str) -> Family | None:
    """The family of a datasource provider (schema.prisma, migration_lock.toml); None: none
    mend supports."""
    return _BY_PROVIDER.get(provider)


def family_of_scheme(scheme: str) -> Family | None:
    """The family of a URL's scheme, lower case, without a driver suffix; None: none mend
    supports."""
    return _BY_SCHEME.get(scheme)


@cache
def dialect_for(name: str) -> SqlDialect:
    if name == "postgresql":
        # deferred: a family's module (its driver glue, catalog SQL and failures) loads only for a
        # database of that family: a SQLite run never imports the PostgreSQL or MySQL ones
        from mend_core.dialects.postgresql import PostgresDialect

        return PostgresDialect()
    if name == "mysql":
        # deferred: as PostgreSQL's, only for a MySQL database
        from mend_core.dialects.mysql import MySQLDialect

        return MySQLDialect()
    if name == "sqlite":
        # deferred: as PostgreSQL's, only for a SQLite database
        from mend_core.dialects.sqlite import SQLiteDialect

        return SQLiteDialect()
    raise ValueError(f"unknown dialect {name!r}")


def same_database_family(a: str, b: str) -> bool:
    """Whether two dialect names are one database family (a MariaDB and a MySQL database are:
    both `mysql`): a migration written for one runs on the other, a URL of one never names a
    database of the other."""
    return a == b


__all__ = [
    "DIALECTS",
    "Family",
    "SqlDialect",
    "dialect_for",
    "family_of_provider",
    "family_of_scheme",
    "same_database_family",
]
