"""The migration table's column titles line up with its rows: laid out from the rows' own width
(a scrollbar takes from it) and their longest name, at once when the rows are set, even when
they are set before the table is on screen (seen in tmux: `Migration` and `State` titles nine
columns right of the rows on the demo's first frame)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from mend_core.history.classify import MigrationStatus
from mend_core.history.status import MigrationState
from mend_tui.glyphs import ASCII
from mend_tui.screens.cells import GLYPH, NAME, STARTED, STATE, shared_cell
from mend_tui.widgets.migration_table import MigrationRows, MigrationTable, TableColumn

COLUMNS = [GLYPH, NAME, STATE, STARTED, TableColumn("note", "Note", 0)]


def migrations(count: int, stem: str) -> list[MigrationStatus]:
    return [
        MigrationStatus(f"2024010{i % 10}00000{i:04d}_{stem}", MigrationState.PENDING, None, ())
        for i in range(count)
    ]


class TableApp(App[None]):
    def __init__(self, early: list[MigrationStatus]) -> None:
        super().__init__()
        self.table = MigrationTable(
            COLUMNS, lambda m, key: shared_cell(m, key, ASCII) or "", id="table"
        )
        if early:  # before the table is mounted: no resize, no message handled yet
            self.table.rows_widget.set_rows(early)

    def compose(self) -> ComposeResult:
        yield self.table


def title_and_first_row(app: TableApp) -> tuple[str, str]:
    header = str(app.table.query_one(".table-header").render())
    row = app.table.query_one(MigrationRows).render_line(0).text
    return header, row


def assert_lined_up(app: TableApp) -> None:
    header, row = title_and_first_row(app)
    state = header.index("State")
    assert row[state : state + len("pending")] == "pending", (header, row)


@pytest.mark.parametrize("size", [(80, 24), (44, 10)], ids=["80x24", "narrow-with-scrollbar"])
async def test_titles_follow_rows_set_before_and_after_mounting(size: tuple[int, int]):
    app = TableApp(migrations(3, "early"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert_lined_up(app)
        app.table.rows_widget.set_rows(migrations(40, "a_much_longer_migration_name"))
        await pilot.pause()
        assert_lined_up(app)
        app.table.rows_widget.set_rows(migrations(2, "x"))
        await pilot.pause()
        assert_lined_up(app)
