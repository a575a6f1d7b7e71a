"""Inspect a live database into a schema model, with the inspector of its dialect."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from mend_core.db import Database
from mend_core.schema.model import Schema, Table


def inspect_database(
    db: Database,
    tables: Collection[str] | None = None,
    known: Mapping[str, Table] | None = None,
) -> Schema:
    """The whole schema; with `tables`, only those tables (and every object that is not a
    table): `known` are the other tables as inspected before, which some of them refer to."""
    if db.dialect.name == "postgresql":
        from mend_core.schema.inspect_postgresql import inspect_postgres

        return inspect_postgres(db, tables)
    if db.dialect.name == "mysql":
        from mend_core.schema.inspect_mysql import inspect_mysql

        return inspect_mysql(db, tables)
    from mend_core.schema.inspect_sqlite import inspect_sqlite

    return inspect_sqlite(db, tables, known)
