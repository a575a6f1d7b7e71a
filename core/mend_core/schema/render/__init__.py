"""SQL for schema changes, one renderer per dialect."""

from __future__ import annotations

from mend_core.dialects import dialect_for
from mend_core.schema.render.base import Renderer


def renderer_for(dialect: str) -> Renderer:
    """The renderer of `dialect` (raises on an unknown name, like dialect_for)."""
    return dialect_for(dialect).renderer()
