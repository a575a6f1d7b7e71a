"""The status dashboard: the database's state in words, the next step, the counts, and every
migration with its state."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from mend_core.history.status import MigrationState, MigrationStatus, StatusReport
from mend_tui.messages import HistoryRequest, Hotfix, OpenHistory, Recover
from mend_tui.presentation import (
    DATABASE_STYLE,
    brief,
    counts_line,
    database_words,
    next_step_brief,
    note,
)
from mend_tui.screens.cells import GLYPH, NAME, STARTED, STATE, shared_cell
from mend_tui.snapshot import Snapshot, SnapshotChanged
from mend_tui.widgets.chrome import TargetBar, TooSmall
from mend_tui.widgets.footer import KeysFooter
from mend_tui.widgets.migration_table import MigrationRows, MigrationTable, TableColumn
from mend_tui.widgets.panel import Panel

COLUMNS = [GLYPH, NAME, STATE, STARTED, TableColumn("note", "Note", 0)]


def rolled_back_as_is(report: StatusReport) -> MigrationStatus | None:
    """The first pending migration, if its last attempt failed and was rolled back and its
    script is still the one that failed (same checksum): deployed as it is, it fails again."""
    pending = report.named(MigrationState.PENDING)
    if not pending:
        return None
    first = pending[0]
    last = first.rows[-1] if first.rows else None
    if last is None or last.rolled_back_raw is None or first.local is None:
        return None
    return first if first.local.checksum == last.checksum else None


def next_step(report: StatusReport) -> str:
    """The status's next step, but after a roll back what Verify said: fix the script first."""
    migration = rolled_back_as_is(report)
    if migration is None:
        return next_step_brief(report)
    return (
        f"fix `{migration.name}/migration.sql` first (it failed and was rolled back; as it is, "
        "it fails again), commit it, then run `mend deploy`."
    )


class DashboardScreen(Screen[None]):
    CSS_PATH = "dashboard.tcss"
    BINDINGS = [
        Binding("x", "recover", "Recover"),
        # On the dashboard `d` (the app's Dashboard elsewhere) opens the hotfix wizard.
        Binding("d", "drift", "Drift"),
    ]

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
        self._listed: StatusReport | None = None  # the report the table shows

    def compose(self) -> ComposeResult:
        yield TargetBar()
        with Vertical(classes="main"):
            yield Static("", id="state")
            yield Static("", id="next-step")
            yield Static("", id="counts")
            with Panel("Migrations", id="migrations"):
                yield MigrationTable(
                    COLUMNS,
                    self.cell,
                    ellipsis=self.snapshot.look.marks.ellipsis,
                    id="dashboard-table",
                )
        yield TooSmall()
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(MigrationRows).focus()
        self.show(self.snapshot)

    def on_snapshot_changed(self, message: SnapshotChanged) -> None:
        self.show(message.snapshot)

    def cell(self, migration: MigrationStatus, key: str) -> str:
        shared = shared_cell(migration, key, self.snapshot.look.marks)
        return note(migration) if shared is None else shared

    # -- showing the snapshot -----------------------------------------------------------------
    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.query_one(TargetBar).show(snapshot)
        state, step = self.summary(snapshot)
        self.query_one("#state", Static).update(state)
        self.query_one("#next-step", Static).update(step)
        report = snapshot.report
        marks = snapshot.look.marks
        counts = self.query_one("#counts", Static)
        counts.update(counts_line(report, marks) if report else "", layout=False)
        counts.display = report is not None
        panel = self.query_one("#migrations", Panel)
        panel.border_subtitle = self.freshness(snapshot)
        if report is None and snapshot.error is not None:
            # No rows are coming: keys kept for them are dropped, `enter Open` goes.
            self.query_one(MigrationRows).set_rows([])
        if report is not None and report is not self._listed:
            self._listed = report
            failed = report.named(MigrationState.FAILED)
            rows = self.query_one(MigrationRows)
            current = rows.current.name if rows.current else (failed[0].name if failed else None)
            rows.set_rows(report.migrations, keep=current)
        self.refresh_bindings()

    def summary(self, snapshot: Snapshot) -> tuple[Content, Content]:
        """The state line and the next step (two lines at most each)."""
        report, error = snapshot.report, snapshot.error
        dots = snapshot.look.marks.ellipsis
        bold = "bold"
        if report is None:
            if error is not None:
                # The dialog has it all; here, what fits two lines.
                message = brief(error.message, 100, dots)
                # Without a database (a configuration error) there is nothing to retry.
                again = "Press r to retry." if snapshot.target else "Then start mend again."
                return (
                    Content.assemble(
                        Content.styled("Could not read the status: ", "bold $text-error"),
                        f"{error.code} {message}",
                    ),
                    Content.assemble(
                        Content.styled("Next: ", bold),
                        f"{error.hint + ' ' if error.hint else ''}{again}",
                    ),
                )
            doing = "Writing the demo project" if snapshot.preparing else "Reading the status"
            return Content(f"{doing} of {snapshot.target or 'the database'}{dots}"), Content("")
        state = Content.assemble(
            Content.styled("Database: ", bold),
            Content.styled(database_words(report.state), DATABASE_STYLE[report.state]),
            f". {report.message}",
        )
        step = Content.assemble(Content.styled("Next: ", bold), next_step(report))
        if error is not None:
            step = Content.assemble(
                Content.styled("The last reading failed: ", "bold $text-error"),
                f"{error.code}; this is the status read before. Press r to retry.",
            )
        return state, step

    def freshness(self, snapshot: Snapshot) -> str:
        """`read 09:30:00 UTC, auto-refresh off (a)`, under the table."""
        read = f"read {snapshot.read_at:%H:%M:%S} UTC, " if snapshot.read_at else ""
        every = f"every {snapshot.auto_refresh} s" if snapshot.auto_refresh else "off"
        return f"{read}auto-refresh {every} (a)"

    # -- keys ---------------------------------------------------------------------------------
    def failed(self) -> list[MigrationStatus]:
        report = self.snapshot.report
        return report.named(MigrationState.FAILED) if report else []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recover":
            return bool(self.failed())  # hidden until something has failed
        if action == "drift":
            return bool(self.snapshot.target)  # a database to compare (none: a config error)
        return True

    def action_recover(self) -> None:
        rows = self.query_one(MigrationRows)
        chosen = rows.current
        failed = self.failed()
        if chosen is None or chosen.state is not MigrationState.FAILED:
            chosen = failed[0] if failed else None
        if chosen is not None:
            self.post_message(Recover(chosen.name))

    def action_drift(self) -> None:
        self.post_message(Hotfix())

    def on_migration_rows_selected(self, event: MigrationRows.Selected) -> None:
        self.post_message(OpenHistory(HistoryRequest(name=event.migration.name)))
