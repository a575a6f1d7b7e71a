"""Inspect a live database into a schema model, with the inspector of its dialect."""

from __future__ import annotations

from mend_core.db import Database
from mend_core.schema.model import Schema


def inspect_database(db: Database) -> Schema:
    if db.dialect.name == "postgresql":
        from mend_core.schema.inspect_postgresql import inspect_postgres

        return inspect_postgres(db)
    if db.dialect.name == "mysql":
        from mend_core.schema.inspect_mysql import inspect_mysql

        return inspect_mysql(db)
    from mend_core.schema.inspect_sqlite import inspect_sqlite

    return inspect_sqlite(db)
