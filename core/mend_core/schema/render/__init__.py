"""SQL for schema changes, one renderer per dialect."""

from __future__ import annotations

from mend_core.schema.render.base import Renderer


def renderer_for(dialect: str) -> Renderer:
    if dialect == "postgresql":
        from mend_core.schema.render.postgresql import PostgresRenderer

        return PostgresRenderer()
    if dialect == "mysql":
        from mend_core.schema.render.mysql import MySQLRenderer

        return MySQLRenderer()
    from mend_core.schema.render.sqlite import SQLiteRenderer

    return SQLiteRenderer()
