"""The status dashboard: every migration with its state, the counts, the database's state in
words and the next step to take."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from mend_core.status import MigrationState, MigrationStatus, StatusReport
from mend_core.timestamps import format_timestamp
from mend_tui.commands.status import note
from mend_tui.widgets.chrome import STATE_STYLE, TargetBar, TooSmall, state_words
from mend_tui.widgets.migration_table import MigrationRows, MigrationTable, TableColumn

if TYPE_CHECKING:
    from mend_tui.app import MendApp

COLUMNS = [
    TableColumn("glyph", "", 1),
    TableColumn("name", "Migration", 0),
    TableColumn("state", "State", 14),
    TableColumn("started", "Started (UTC)", 23),
    TableColumn("note", "Note", 0),
]


def glyph(app: MendApp, migration: MigrationStatus) -> str:
    marks = app.glyphs
    return {
        MigrationState.APPLIED: marks.applied,
        MigrationState.PENDING: marks.pending,
        MigrationState.FAILED: marks.failed,
        MigrationState.MISSING_LOCALLY: marks.missing,
    }[migration.state]


def shared_cell(
    app: MendApp, migration: MigrationStatus, key: str, started_width: int
) -> str | None:
    """The columns both tables show; None for a key of a table's own."""
    if key == "glyph":
        return glyph(app, migration)
    if key == "name":
        return migration.name
    if key == "state":
        return state_label(app, migration)
    if key == "started":
        return format_timestamp(migration.started_at)[:started_width] if migration.row else ""
    return None


def state_label(app: MendApp, migration: MigrationStatus) -> str:
    text = migration.state.value.replace("_", " ")
    return text + (f" {app.glyphs.edited}edited" if migration.edited else "")


class DashboardScreen(Screen[None]):
    BINDINGS = [
        Binding("x", "recovery", "Recover"),
        Binding("a", "app.auto_refresh", "Auto-refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield TargetBar()
        with Vertical(classes="main"):
            yield Static("", id="state")
            yield Static("", id="next-step")
            yield Static("", id="counts")
            yield MigrationTable(COLUMNS, self.cell, id="dashboard-table")
        yield TooSmall()
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "report", self.show, init=True)
        self.watch(self.app, "auto_refresh", lambda _: self.show(self.mend.report), init=False)
        self.query_one(MigrationRows).focus()

    @property
    def mend(self) -> MendApp:
        return self.app  # type: ignore[return-value]

    def cell(self, migration: MigrationStatus, key: str) -> str:
        shared = shared_cell(self.mend, migration, key, started_width=23)
        return note(migration) if shared is None else shared

    def show(self, report: StatusReport | None) -> None:
        if report is None:
            self.query_one("#state", Static).update("Reading the migration status…")
            return
        failed = report.named(MigrationState.FAILED)
        state = Content.assemble(
            Content.styled("Database: ", "bold"),
            Content.styled(state_words(report.state), STATE_STYLE[report.state]),
            f". {report.message}",
        )
        self.query_one("#state", Static).update(state)
        step = report.next_step
        if failed:
            step += " Press x for what the recovery wizard will do."
        self.query_one("#next-step", Static).update(
            Content.assemble(Content.styled("Next: ", "bold"), step)
        )
        counts = report.counts()
        marks = self.mend.glyphs
        auto = f"   auto-refresh every {self.mend.auto_refresh} s" if self.mend.auto_refresh else ""
        self.query_one("#counts", Static).update(
            f"{marks.applied} {counts['applied']} applied   {marks.pending} {counts['pending']} "
            f"pending   {marks.failed} {counts['failed']} failed   {marks.missing} "
            f"{counts['missing_locally']} missing locally   {marks.edited} {counts['edited']} "
            f"edited   {counts['rolled_back_attempts']} rolled-back attempt(s){auto}"
        )
        rows = self.query_one(MigrationRows)
        current = rows.current.name if rows.current else (failed[0].name if failed else None)
        rows.set_rows(report.migrations, keep=current)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recovery":
            report = self.mend.report
            return bool(report and report.named(MigrationState.FAILED)) or None
        return True

    def action_recovery(self) -> None:
        self.mend.action_recovery()

    def on_migration_rows_selected(self, event: MigrationRows.Selected) -> None:
        self.mend.action_history(event.migration.name)
