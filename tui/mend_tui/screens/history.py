"""The read-only history browser: every migration, filtered by state or searched by name, with
its SQL (highlighted, statements numbered, the current one marked, what each left behind), its
logs (parsed and raw) and every attempt recorded for it.

Two panels, as in lazygit: the list and the detail. The focused one has the bright border and
its keys in the footer; `tab` moves between them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Log, Static

from mend_core.database.statements import Statement
from mend_core.dialects import dialect_for
from mend_core.errors import MendError
from mend_core.history.failure import FailureRecord
from mend_core.history.status import MigrationState, MigrationStatus, StatusReport
from mend_tui.messages import HistoryRequest, Recover
from mend_tui.presentation import (
    MIGRATION_LOOK,
    Look,
    elide,
    state_glyph,
    state_label,
    statements_words,
    steps_words,
)
from mend_tui.screens.cells import GLYPH, NAME, STARTED, STATE, shared_cell
from mend_tui.screens.history_text import (
    MORE_KEY,
    attempts_table,
    checksum_state,
    duration,
    full_log_lines,
    has_more_logs,
    logs_for,
)
from mend_tui.snapshot import Snapshot, SnapshotChanged
from mend_tui.statement_effects import effects_from_failure
from mend_tui.widgets.chrome import TargetBar, TooSmall
from mend_tui.widgets.footer import KeysFooter
from mend_tui.widgets.migration_table import MigrationRows, MigrationTable, TableColumn
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.sql_view import SqlView

COLUMNS = [
    GLYPH,
    NAME,
    STATE,
    STARTED,
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

TABS = [("sql", "s", "SQL"), ("logs", "o", "Logs"), ("attempts", "t", "Attempts")]


@dataclass(frozen=True)
class Detail:
    """What the detail panel shows for one migration, read off the UI thread."""

    migration: MigrationStatus
    text: str
    statements: tuple[Statement, ...]
    problem: str | None
    failure: FailureRecord | None = None  # parsed here: megabytes of logs take a while
    logs: str = ""  # the logs pane's text (the head of long logs)
    more_logs: bool = False  # `l` shows all of them


class ListPanel(Panel):
    """The migrations; its keys show in the footer while it has the focus."""

    BINDINGS = [
        Binding("slash", "screen.search", "Search", key_display="/"),
        Binding("f", "screen.next_filter", "Filter"),
    ]


class DetailPanel(Panel):
    BINDINGS = [Binding("escape", "screen.focus_list", "Back")]  # back to the list


class TextPane(VerticalScroll):
    """The logs and the attempts: scrolled with the same keys as the SQL and the list."""

    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
    ]


class HistoryScreen(Screen[None]):
    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # The same keys work from either panel; the footer shows them where they belong.
        Binding("slash", "search", "Search", show=False),
        Binding("f", "next_filter", "Filter", show=False),
        *(
            Binding(str(i + 1), f"filter({i})", f"Filter: {label}", show=False)
            for i, (_, label) in enumerate(FILTERS)
        ),
        *(Binding(key, f"tab('{tab}')", label, show=False) for tab, key, label in TABS),
        Binding("tab,shift+tab", "switch_panel", "Other panel", show=False),
        Binding("x", "recover", "Recover"),
        Binding(MORE_KEY, "all_logs", "All logs"),
        # Unlisted here (the help has it): the SQL panel's keys, Help and Quit fit in 80 columns.
        Binding("r", "app.refresh", "Refresh", show=False),
    ]

    def __init__(self, snapshot: Snapshot, request: HistoryRequest | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        request = request or HistoryRequest()
        self.initial = request.name
        self.filter_index = request.filter or 0
        self.tab = request.tab or "sql"
        self.focus_search = request.search
        self.search = ""
        self._pending: Timer | None = None
        self._listed: StatusReport | None = None  # the report the list shows
        self.shown: Detail | None = None
        self._texts: dict[str, str] = {}  # tab -> its text, shown when the tab is
        self._offered_recover = False  # the footer offers `x Recover` (a failed row)
        self._offered_all_logs = False  # the footer offers `l All logs` (long logs)

    @property
    def look(self) -> Look:
        return self.snapshot.look

    def compose(self) -> ComposeResult:
        yield TargetBar()
        with Vertical(classes="main"):
            with Horizontal(id="filter-bar"):
                yield Static("", id="filters")
                yield Input(placeholder="search by name (/)", id="search")
            with ListPanel("Migrations", id="list-panel"):
                yield MigrationTable(
                    COLUMNS, self.cell, ellipsis=self.look.marks.ellipsis, id="history-table"
                )
            with DetailPanel(id="detail-panel"):
                yield Static("", id="detail-title")
                with ContentSwitcher(id="detail", initial=self.tab):
                    yield SqlView(self.look, id="sql")
                    with TextPane(id="logs"):
                        yield Static("", id="logs-text", markup=False)
                    # All of long logs: a Log lays out only the lines in view.
                    yield Log(id="logs-full", auto_scroll=False)
                    with TextPane(id="attempts"):
                        yield Static("", id="attempts-text", markup=False)
        yield TooSmall()
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.focus_search:
            self.query_one("#search", Input).focus()
        else:
            self.query_one(MigrationRows).focus()
        self.show_tabs()
        self.show(self.snapshot)

    def on_snapshot_changed(self, message: SnapshotChanged) -> None:
        self.show(message.snapshot)

    # -- the list -----------------------------------------------------------------------------
    def cell(self, migration: MigrationStatus, key: str) -> str:
        shared = shared_cell(migration, key, self.look.marks)
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

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.query_one(TargetBar).show(snapshot)
        if snapshot.report is not self._listed or snapshot.report is None:
            self.list_rows()  # only for a new report: 10,000 rows are not re-listed for nothing
        self.show_title()

    def list_rows(self) -> None:
        """The rows the filter and the search let through, the cursor kept where it was."""
        self.query_one("#filters", Static).update(self.filter_labels(), layout=False)
        report = self._listed = self.snapshot.report
        if report is None:
            if self.snapshot.error is not None:
                self.query_one(MigrationRows).set_rows([])  # no rows are coming
            return
        rows = self.query_one(MigrationRows)
        keep = self.initial or (rows.current.name if rows.current else None)
        self.initial = None
        shown = self.matching(report)
        rows.set_rows(shown, keep=keep)
        total = len(report.migrations)
        count = f"{len(shown)} of {total}" if len(shown) != total else f"{total}"
        self.query_one(ListPanel).border_subtitle = count
        self.show_title()

    def filter_labels(self) -> Content:
        """`[1:all] 2:applied 3:pending ...`: the chosen one bracketed, so it shows without
        colour too."""
        labels: list[Content | str] = []
        for index, (_, label) in enumerate(FILTERS):
            text = f"{index + 1}:{label}"
            chosen = index == self.filter_index
            labels += [Content.styled(f"[{text}]", "bold reverse") if chosen else text, " "]
        return Content.assemble(*labels[:-1])

    def open(self, request: HistoryRequest) -> None:
        """Show what `request` asks for (the app calls this when the screen is open already)."""
        if request.name:
            self.filter_index, self.search = 0, ""
            self.query_one("#search", Input).value = ""
            self.initial = request.name
        if request.filter is not None:
            self.filter_index = request.filter
        if request.tab:
            self.action_tab(request.tab)
        self.list_rows()
        if request.search:
            self.action_search()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_next_filter(self) -> None:
        self.action_filter((self.filter_index + 1) % len(FILTERS))

    def action_filter(self, index: int) -> None:
        self.filter_index = index
        self.list_rows()

    def on_failed(self) -> bool:
        current = self.query_one(MigrationRows).current
        return current is not None and current.state is MigrationState.FAILED

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recover":  # offered on a failed migration only
            return self.on_failed()
        if action == "all_logs":  # offered where the logs pane shows only their head
            return self._all_logs_offered()
        return True

    def _all_logs_offered(self) -> bool:
        shown = self.shown
        return (
            self.tab == "logs"
            and shown is not None
            and shown.more_logs
            and self.query_one(ContentSwitcher).current != "logs-full"
        )

    def offer_all_logs(self) -> None:
        """`l All logs` comes or goes: the footer is rebuilt only then (as for `x Recover`)."""
        if self._all_logs_offered() != self._offered_all_logs:
            self._offered_all_logs = not self._offered_all_logs
            self.refresh_bindings()

    def action_recover(self) -> None:
        """The recovery wizard, on the failed migration under the cursor."""
        current = self.query_one(MigrationRows).current
        if current is not None and current.state is MigrationState.FAILED:
            self.post_message(Recover(current.name))

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus or self.search:
            search.value = ""
            self.query_one(MigrationRows).focus()
            return
        self.dismiss()

    @on(Input.Changed, "#search")
    def searched(self, event: Input.Changed) -> None:
        self.search = event.value
        self.list_rows()

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.query_one(MigrationRows).focus()

    # -- the panels ---------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        switcher = self.query_one(ContentSwitcher)
        had_focus = self.query_one(DetailPanel).has_focus_within
        self.tab = switcher.current = tab
        self.show_tabs()
        self.show_texts()
        self.offer_all_logs()
        if had_focus:
            self.query_one(f"#{tab}").focus()

    def _visible_pane(self) -> Widget:
        """The SQL, the logs (their head, or all of them) or the attempts: what shows."""
        return self.query_one(ContentSwitcher).visible_content or self.query_one(f"#{self.tab}")

    def action_focus_list(self) -> None:
        self.query_one(MigrationRows).focus()

    def action_switch_panel(self) -> None:
        if self.query_one(DetailPanel).has_focus_within:
            self.action_focus_list()
        else:
            self._visible_pane().focus()

    def show_tabs(self) -> None:
        """The detail panel's title is its tabs, each with its key: `s SQL  o Logs  t Attempts`."""
        parts: list[Content | str] = []
        for tab, key, label in TABS:
            text = f"{key} {label}"
            parts.append(Content.styled(f"[{text}]", "bold reverse") if tab == self.tab else text)
            parts.append(" ")
        self.query_one(DetailPanel).border_title = Content.assemble(*parts[:-1])

    # -- the detail panel ---------------------------------------------------------------------
    @on(MigrationRows.Highlighted)
    def highlighted(self, event: MigrationRows.Highlighted) -> None:
        if self._pending is not None:
            self._pending.stop()
        if self.on_failed() != self._offered_recover:
            # `x Recover` comes or goes: the footer is rebuilt only then (it costs a key press).
            self._offered_recover = not self._offered_recover
            self.refresh_bindings()
        migration = self.query_one(MigrationRows).current
        if migration is None:
            self.workers.cancel_group(self, "detail")
            self.clear_detail()
            return
        # Holding a key down moves the cursor faster than files are read (and than a second
        # repaint per key allows): the detail and its title follow once the keys pause.
        self._pending = self.set_timer(0.08, lambda: self.settled(migration))

    def settled(self, migration: MigrationStatus) -> None:
        self.show_title()
        self.load_detail(migration)

    @on(MigrationRows.Selected)
    def selected(self) -> None:
        self._visible_pane().focus()

    def action_all_logs(self) -> None:
        if self.shown is not None and self.shown.more_logs:
            self.load_full_logs(self.shown.migration)

    @work(thread=True, exclusive=True, group="full-logs", exit_on_error=False)
    def load_full_logs(self, migration: MigrationStatus) -> None:
        """Every line of the logs, split off the UI thread; the Log then shows them."""
        lines = full_log_lines(migration)
        self.app.call_from_thread(self.show_full_logs, migration.name, lines)

    def show_full_logs(self, name: str, lines: list[str]) -> None:
        current = self.query_one(MigrationRows).current
        if current is None or current.name != name or self.tab != "logs":
            return  # the reader moved on meanwhile
        log = self.query_one("#logs-full", Log)
        log.clear()
        log.write_lines(lines, scroll_end=False)
        had_focus = self.query_one(DetailPanel).has_focus_within
        self.query_one(ContentSwitcher).current = "logs-full"
        if had_focus:
            log.focus()
        self.offer_all_logs()

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
                statements = tuple(dialect_for(self.snapshot.dialect or "sqlite").split(text))
            except MendError as error:
                problem = f"{error.code}: {error.message}"
            except OSError as error:
                problem = f"migration.sql cannot be read: {error.strerror}"
        failure = migration.failure()
        more = has_more_logs(migration)
        logs = logs_for(migration, failure)
        detail = Detail(migration, text, statements, problem, failure, logs, more)
        self.app.call_from_thread(self.show_detail, detail)

    def clear_detail(self) -> None:
        self.shown = None
        self.query_one(SqlView).load("")
        self._texts = {"logs": "", "attempts": ""}
        self.show_texts()
        self.show_title()

    def show_detail(self, detail: Detail) -> None:
        migration = detail.migration
        current = self.query_one(MigrationRows).current
        if current is None or current.name != migration.name:
            return  # the cursor moved on while the file was read
        before, self.shown = self.shown, detail
        failure = detail.failure
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "logs-full" and (
            before is None or before.migration.name != migration.name
        ):
            switcher.current = self.tab  # another migration: its logs' head
            self.query_one("#logs-full", Log).clear()
        lexer = dialect_for(self.snapshot.dialect).lexer if self.snapshot.dialect else "sql"
        failing = failure.statement_index if failure else None
        effects = effects_from_failure(failure, len(detail.statements)) if failure else None
        view = self.query_one(SqlView)
        unchanged = (
            before is not None
            and before.migration.name == migration.name
            and before.text == detail.text
            and view.failing == failing
            and view.effects == (effects or {})
        )
        if not unchanged:  # a refresh must not throw the reader back to the top
            view.load(
                detail.text or (detail.problem or ""), detail.statements, failing, lexer, effects
            )
        self._texts = {"logs": detail.logs, "attempts": attempts_table(migration.rows)}
        self.show_texts()
        self.show_title()
        self.offer_all_logs()

    def show_texts(self) -> None:
        """The logs or the attempts, whichever shows, if they changed: an update lays the
        screen out again, which a key press held down cannot afford for a hidden pane."""
        text = self._texts.get(self.tab)
        if text is None:
            return
        pane = self.query_one(f"#{self.tab}-text", Static)
        if str(pane.content) != text:
            pane.update(text)

    def show_title(self) -> None:
        """The line above the detail: what the current migration is, or why there is none."""
        title = self.query_one("#detail-title", Static)
        current = self.query_one(MigrationRows).current
        if current is not None:
            detail = (
                self.shown if self.shown and self.shown.migration.name == current.name else None
            )
            # One line, always: no layout pass (it would cost each key press its time).
            title.update(self.facts(current, detail), layout=False)
            return
        snapshot = self.snapshot
        if snapshot.report is None:
            if snapshot.error is not None:
                text = f"Could not read the status ({snapshot.error.code}): press r to retry."
            else:
                text = f"Reading the status{self.look.marks.ellipsis}"
        elif not snapshot.report.migrations:
            text = "No migrations, in the folder or in the database."
        else:
            wanted = FILTERS[self.filter_index][1]
            search = f" named like {self.search!r}" if self.search else ""
            text = f"No {wanted} migration{search}: 1 shows them all."
        title.update(text, layout=False)

    def facts(self, migration: MigrationStatus, detail: Detail | None) -> Content:
        """`✓ 20240101000000_init  applied  1 statement; Prisma steps 1/1`, or for a failure
        `✗ 20240103000000_unique  failed at statement 3 of 3; Prisma steps 0/1`."""
        marks = self.look.marks
        look = MIGRATION_LOOK[migration.state]
        count = len(detail.statements) if detail else 0
        failure = detail.failure if detail else _small_failure(migration)
        facts = []
        if failure is not None and failure.statement_index:
            # The count is the script's, as split here: the logs' may predate an edit.
            where = f"failed at statement {failure.statement_index}"
            state = Content.styled(where + (f" of {count}" if count else ""), look.style)
        else:
            state = Content(state_label(migration.state, migration.edited, marks))
            facts = [statements_words(count)] if count else []
        if steps := steps_words(migration):
            facts.append(steps)
        rest = Content.assemble("  ", state, ("; " + "; ".join(facts)) if facts else "")
        if detail is not None and detail.problem:
            rest = Content.assemble(rest, Content.styled(f"  {detail.problem}", "$text-warning"))
        # The name gets the room the facts leave, and keeps its distinguishing end.
        width = self.query_one("#detail-title").content_size.width or 76
        name = elide(migration.name, max(width - 2 - rest.cell_length, 20), marks.ellipsis)
        glyph = state_glyph(migration.state, marks)
        return Content.assemble(Content.styled(f"{glyph} {name}", f"bold {look.style}"), rest)


def _small_failure(migration: MigrationStatus) -> FailureRecord | None:
    """The failure, before the detail is read, where its logs are small enough to parse on
    the UI thread; long ones are parsed with the detail, off it."""
    logs = migration.row.logs if migration.row else None
    return migration.failure() if logs is None or len(logs) < 65_536 else None
