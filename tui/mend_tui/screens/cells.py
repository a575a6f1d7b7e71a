"""The cells both migration tables show (the dashboard's and the history's)."""

from __future__ import annotations

from mend_core.history.status import MigrationStatus
from mend_core.history.timestamps import format_timestamp
from mend_tui.presentation import Glyphs, state_glyph, state_label
from mend_tui.widgets.migration_table import TableColumn

GLYPH = TableColumn("glyph", "", 1)
NAME = TableColumn("name", "Migration", 0, keep_end=True)
STATE = TableColumn("state", "State", 9)
STARTED = TableColumn("started", "Started (UTC)", 19)


def shared_cell(migration: MigrationStatus, key: str, marks: Glyphs) -> str | None:
    """The text of a shared column; None for a column of a table's own."""
    if key == "glyph":
        return state_glyph(migration.state, marks)
    if key == "name":
        return migration.name
    if key == "state":
        return state_label(migration.state, migration.edited, marks, short=True)
    if key == "started":
        return format_timestamp(migration.started_at)[: STARTED.width] if migration.row else ""
    return None
