"""The read-only history browser: every migration, filtered by state or searched by name, with
its SQL (highlighted, statements numbered, the failing one marked), its logs (parsed and raw)
and every attempt recorded for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane

from mend_core.dialects import dialect_for
from mend_core.errors import MendError
from mend_core.failure import RECORD_PREFIX
from mend_core.history import HistoryRow
from mend_core.statements import Statement
from mend_core.status import MigrationState, MigrationStatus, StatusReport
from mend_core.timestamps import format_timestamp
from mend_tui.screens.dashboard import glyph, shared_cell, state_label
from mend_tui.widgets.chrome import TargetBar, TooSmall
from mend_tui.widgets.migration_table import MigrationRows, MigrationTable, TableColumn
from mend_tui.widgets.sql_view import SqlView

if TYPE_CHECKING:
    from mend_tui.app import MendApp

COLUMNS = [
    TableColumn("glyph", "", 1),
    TableColumn("name", "Migration", 0),
    TableColumn("state", "State", 14),
    TableColumn("started", "Started (UTC)", 19),
    TableColumn("duration", "Took", 7),
    TableColumn("checksum", "File", 9),
]

FILTERS = [
    ("all", "all"),
    ("applied", "applied"),
    ("pending", "pending"),
    ("failed", "failed"),
    ("missing_locally", "missing"),
    ("edited", "edited"),
]


def duration(migration: MigrationStatus) -> str:
    seconds = migration.row.duration_seconds if migration.row else None
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def checksum_state(migration: MigrationStatus) -> str:
    if migration.local is None:
        return "no folder"
    if migration.missing_script:
        return "no script"
    if migration.edited:
        return "edited"
    return "matches" if migration.rows else "-"


@dataclass(frozen=True)
class Detail:
    """What the detail pane shows for one migration, read off the UI thread."""

    migration: MigrationStatus
    text: str
    statements: tuple[Statement, ...]
    problem: str | None


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("f", "next_filter", "Filter"),
        *(
            Binding(str(i + 1), f"filter({i})", label, show=False)
            for i, (_, label) in enumerate(FILTERS)
        ),
        Binding("s", "tab('sql')", "SQL", show=False),
        Binding("o", "tab('logs')", "Logs", show=False),
        Binding("t", "tab('attempts')", "Attempts", show=False),
    ]

    def __init__(self, focus: str | None = None) -> None:
        super().__init__()
        self.initial = focus
        self.filter_index = 0
        self.search = ""
        self._pending: Timer | None = None
        self.shown: MigrationStatus | None = None

    @property
    def mend(self) -> MendApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TargetBar()
        with Vertical(classes="main"):
            with Horizontal(id="filter-bar"):
                yield Static("", id="filters")
                yield Input(placeholder="search by name (/)", id="search")
            yield MigrationTable(COLUMNS, self.cell, id="history-table")
            yield Static("", id="detail-title")
            with TabbedContent(id="detail"):
                with TabPane("SQL", id="sql"):
                    yield SqlView(id="sql-view")
                with TabPane("Logs", id="logs"), VerticalScroll():
                    yield Static("", id="logs-text", markup=False)
                with TabPane("Attempts", id="attempts"), VerticalScroll():
                    yield Static("", id="attempts-text", markup=False)
        yield TooSmall()
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "report", self.show, init=True)
        self.query_one(MigrationRows).focus()

    # -- the list -----------------------------------------------------------------------------
    def cell(self, migration: MigrationStatus, key: str) -> str:
        shared = shared_cell(self.mend, migration, key, started_width=19)
        if shared is not None:
            return shared
        return duration(migration) if key == "duration" else checksum_state(migration)

    def matching(self, report: StatusReport) -> list[MigrationStatus]:
        wanted = FILTERS[self.filter_index][0]
        needle = self.search.lower()
        rows = []
        for migration in report.migrations:
            if wanted == "edited" and not migration.edited:
                continue
            if wanted not in ("all", "edited") and migration.state.value != wanted:
                continue
            if needle and needle not in migration.name.lower():
                continue
            rows.append(migration)
        return rows

    def show(self, report: StatusReport | None) -> None:
        labels: list[Content | str] = []
        for index, (_, label) in enumerate(FILTERS):
            text = f"{index + 1}:{label}"
            chosen = index == self.filter_index
            labels += [Content.styled(text, "bold reverse") if chosen else text, " "]
        self.query_one("#filters", Static).update(Content.assemble(*labels))
        if report is None:
            return
        rows = self.query_one(MigrationRows)
        keep = self.initial or (rows.current.name if rows.current else None)
        self.initial = None
        rows.set_rows(self.matching(report), keep=keep)

    def focus_migration(self, name: str) -> None:
        self.filter_index, self.search = 0, ""
        self.query_one("#search", Input).value = ""
        self.initial = name
        self.show(self.mend.report)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_next_filter(self) -> None:
        self.action_filter((self.filter_index + 1) % len(FILTERS))

    def action_filter(self, index: int) -> None:
        self.filter_index = index
        self.show(self.mend.report)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus or self.search:
            search.value = ""
            self.query_one(MigrationRows).focus()
            return
        self.app.pop_screen()

    @on(Input.Changed, "#search")
    def searched(self, event: Input.Changed) -> None:
        self.search = event.value
        self.show(self.mend.report)

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.query_one(MigrationRows).focus()

    # -- the detail pane ----------------------------------------------------------------------
    @on(MigrationRows.Highlighted)
    def highlighted(self, event: MigrationRows.Highlighted) -> None:
        if self._pending is not None:
            self._pending.stop()
        migration = event.migration
        if migration is None:
            self.workers.cancel_group(self, "detail")
            self.clear_detail()
            return
        # Holding a key down moves the cursor faster than files are read: wait for a pause.
        self._pending = self.set_timer(0.08, lambda: self.load_detail(migration))

    @on(MigrationRows.Selected)
    def selected(self) -> None:
        self.query_one(SqlView).focus()

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, migration: MigrationStatus) -> None:
        text, problem = "", None
        statements: tuple[Statement, ...] = ()
        if migration.local is None:
            problem = "No folder for this migration in the migrations directory."
        elif migration.missing_script:
            problem = "migration.sql is missing from its folder."
        else:
            try:
                data = migration.local.read_bytes()
                text = data.decode("utf-8", errors="replace")
                dialect = self.mend.context.target.dialect if self.mend.context else "sqlite"
                statements = tuple(dialect_for(dialect).split(text))
            except MendError as error:
                problem = f"{error.code}: {error.message}"
            except OSError as error:
                problem = f"migration.sql cannot be read: {error.strerror}"
        self.app.call_from_thread(self.show_detail, Detail(migration, text, statements, problem))

    def clear_detail(self) -> None:
        self.shown = None
        self.query_one(SqlView).load("")
        self.query_one("#detail-title", Static).update(
            "No migration matches the filter and the search."
        )
        self.query_one("#logs-text", Static).update("")
        self.query_one("#attempts-text", Static).update("")

    def show_detail(self, detail: Detail) -> None:
        migration = detail.migration
        current = self.query_one(MigrationRows).current
        if current is None or current.name != migration.name:
            return  # the cursor moved on while the file was read
        self.shown = migration
        failure = migration.failure()
        lexer = "sql"
        if self.mend.context:
            lexer = dialect_for(self.mend.context.target.dialect).lexer
        failing = failure.statement_index if failure else None
        self.query_one(SqlView).load(
            detail.text or (detail.problem or ""), detail.statements, failing, lexer
        )
        self.query_one("#detail-title", Static).update(self.title_for(migration, detail))
        self.query_one("#logs-text", Static).update(self.logs_for(migration))
        self.query_one("#attempts-text", Static).update(attempts_table(migration.rows))

    def title_for(self, migration: MigrationStatus, detail: Detail) -> Content:
        parts: list[Content | str] = [
            Content.styled(f"{glyph(self.mend, migration)} {migration.name}", "bold"),
            f"  {state_label(self.mend, migration)}",
        ]
        if detail.statements:
            parts.append(f"  {len(detail.statements)} statement(s)")
        if migration.row is not None:
            parts.append(f"  steps {migration.applied_steps_count}")
        if migration.row is not None:
            parts.append(f"  started {format_timestamp(migration.started_at)}")
        if migration.state is MigrationState.FAILED:
            failure = migration.failure()
            where = (
                f"  failed at statement {failure.statement_index}"
                if failure and failure.statement_index
                else "  failed"
            )
            parts.append(Content.styled(where, "bold $text-error"))
        if detail.problem:
            parts.append(Content.styled(f"  {detail.problem}", "$text-warning"))
        return Content.assemble(*parts)

    def logs_for(self, migration: MigrationStatus) -> str:
        row = migration.row
        if row is None:
            return "Never run: no attempt is recorded in _prisma_migrations."
        if migration.state is not MigrationState.FAILED:
            logs = row.logs
            return "No logs: the attempt succeeded." if not logs else f"Raw logs:\n{logs}"
        parsed = migration.failure()
        if parsed is None or parsed.process_died:
            return (
                "No logs: the run was interrupted before it could record its error (the "
                "process was killed or the connection lost). What it ran before is unknown: "
                "`mend inspect` compares each statement with the live schema."
            )
        lines = [f"Written by: {parsed.source}"]
        if parsed.error_code:
            lines.append(f"Database error code: {parsed.error_code}")
        if parsed.statement_index:
            lines.append(f"Failed statement: {parsed.where().removeprefix('statement ')}")
        lines.append(f"Effect: {parsed.effect()}")
        lines.append(f"\nDatabase error:\n{parsed.message}")
        if parsed.statement_sql:
            lines.append(f"\nStatement:\n{parsed.statement_sql}")
        lines.append(f"\nRaw logs:\n{readable_logs(row.logs or '')}")
        return "\n".join(lines)


def readable_logs(logs: str) -> str:
    """The logs as a person reads them: without mend's machine-readable record line."""
    head, marker, _ = logs.rpartition("\n" + RECORD_PREFIX)
    return head.rstrip("\n") + "\n" if marker else logs


def attempts_table(rows: tuple[HistoryRow, ...]) -> str:
    if not rows:
        return "No attempt recorded."
    lines = [f"{'#':>2}  {'started':<27} {'finished':<27} {'rolled back':<27} steps  id"]
    for number, row in enumerate(rows, start=1):
        lines.append(
            f"{number:>2}  {format_timestamp(row.started_at):<27} "
            f"{format_timestamp(row.finished_at):<27} {format_timestamp(row.rolled_back_at):<27} "
            f"{row.applied_steps_count:>5}  {row.id}"
        )
    return "\n".join(lines)
