"""Inspect a live database into a schema model, with the inspector of its dialect."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from mend_core.database.session import Database
from mend_core.schema.model import Schema, Table


def inspect_database(
    db: Database,
    tables: Collection[str] | None = None,
    known: Mapping[str, Table] | None = None,
) -> Schema:
    """The whole schema; with `tables`, only those tables (and every object that is not a
    table): `known` are the other tables as inspected before, which some of them refer to."""
    return db.dialect.inspect(db, tables, known)
