"""Preview: the migration before anything is written. Its migration.sql highlighted (Prisma's
statements for exactly the chosen items), where it goes, the `_prisma_migrations` row it gets
(exactly what `mend resolve --applied` writes: no SQL of it runs here), the rehearsal (the
history and the new migration replayed in a shadow must build the chosen objects as the
database has them), the items left out, and the schema.prisma lines to add, with why.

The plan and its rehearsal are made here, in a thread worker behind the busy indicator. `enter`
goes on to Targets, but not when the rehearsal failed (Apply would refuse it, M7004): the reason
is on screen. Escape goes back to Name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from mend_core.dialects import dialect_for
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.prisma_schema import UNDO_WARNING
from mend_tui.screens.hotfix.name import relative
from mend_tui.screens.hotfix.text import hints_content, rehearsal_content
from mend_tui.screens.wizard_step import Back, StepScreen
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.effect_sql import QuietSqlView
from mend_tui.widgets.hotfix_stepper import HotfixProgress
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.scroll_text import ScrollText
from mend_tui.widgets.sql_view import SqlView


@dataclass(frozen=True)
class Previewed:
    preview: HotfixPreview


class RecordText(ScrollText):
    """Scrolls with the keys of every text panel."""


def record_content(preview: HotfixPreview) -> Content:
    """The rehearsal, the items, the row, the schema.prisma lines and the other warnings."""
    parts: list[Content | str] = [
        rehearsal_content(preview),
        "\n\n",
        Content.styled("Recorded: ", "bold"),
        ", ".join(f"{item.number} {item.label}" for item in preview.items),
    ]
    if preview.left_out:
        parts += [
            "\n",
            Content.styled("Left as drift (not chosen): ", "bold"),
            ", ".join(f"{item.number} {item.label}" for item in preview.left_out),
        ]
    parts += [
        "\n\n",
        Content.styled("_prisma_migrations", "bold"),
        " (this database, under the migration lock; no SQL of the migration runs here):",
    ]
    for line in preview.row_lines():
        parts += ["\n- ", line]
    hints = hints_content(preview)
    if hints.plain:
        parts += ["\n\n", hints]
    # Said above already: the undo warning (with the hints) and a failed rehearsal.
    said = {UNDO_WARNING}
    if preview.rehearsal is not None and not preview.rehearsal.ok:
        said.add(preview.rehearsal.describe())
    for warning in preview.warnings():
        if warning not in said:
            parts += ["\n\n", Content.styled(f"Note: {warning}", "$text-muted")]
    return Content.assemble(*parts)


class HotfixPreviewStep(StepScreen[Previewed | Back]):
    CSS_PATH = ["../recover/flow.tcss", "flow.tcss", "preview.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "next", "Targets"),
        Binding("tab,shift+tab", "switch_panel", "Other panel", show=False),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: HotfixProgress,
        root: Path,
        preview: HotfixPreview | None = None,
        load: Callable[[], HotfixPreview] | None = None,
    ) -> None:
        super().__init__(snapshot, progress)
        self.root = root
        self.preview = preview
        self.loader = load

    def body(self) -> ComposeResult:
        yield Static("", id="preview-lead", classes="lead")
        with Horizontal(id="preview-panels"):
            with Panel("migration.sql", id="script-panel"):
                yield QuietSqlView(self.look, id="script")
            with Panel("What is recorded", id="record-panel"), RecordText(id="record-scroll"):
                yield Static("", id="record")

    def ready(self) -> None:
        if self.preview is not None:
            self.show(self.preview)
        elif self.loader is not None:
            self.load(
                self.loader,
                "Writing the migration's SQL and rehearsing it: the history and the new "
                "migration replayed in a shadow database",
                self.show,
                "Could not preview the migration",
            )

    def show(self, preview: HotfixPreview) -> None:
        self.preview = preview
        name = preview.name
        lead: list[Content | str] = [
            Content.styled("The new migration", "bold"),
            " (nothing is written yet):\n",
            f"{relative(name.path.parent, self.root)}/",
            Content.styled(name.folder, "bold $text-accent"),
            "/migration.sql",
        ]
        if name.bumped_past:
            lead[1] = f" (nothing is written yet; its time moved after {name.bumped_past}):\n"
        self.query_one("#preview-lead", Static).update(Content.assemble(*lead))
        dialect = dialect_for(preview.drift.dialect)
        statements = dialect.split(preview.script)
        view = self.query_one(SqlView)
        view.load(preview.script, statements, None, dialect.lexer)
        view.focus()
        panel = self.query_one("#script-panel", Panel)
        count = len(statements)
        panel.border_subtitle = (
            f"{count} statement{'' if count == 1 else 's'}, checksum {preview.checksum[:12]}"
        )
        self.query_one("#record", Static).update(record_content(preview))

    # -- keys ---------------------------------------------------------------------------------
    def why_not_next(self) -> str | None:
        preview = self.preview
        if preview is None:
            return "The migration is not previewed yet."
        if preview.rehearsal is not None and not preview.rehearsal.ok:
            return (
                "The rehearsal failed: recording this migration would make the history say "
                "something the database does not have (Apply refuses it, M7004). Choose the "
                "items again (escape, escape)."
            )
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            if self.preview is None or self.busy:
                return False
            return None if self.why_not_next() else True
        if action == "switch_panel":
            return self.preview is not None and not self.busy
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter" and self.preview is not None and self.why_not_next():
            self.action_next()

    def action_next(self) -> None:
        why = self.why_not_next()
        if why is not None:
            self.notify(why, title="Not now", severity="warning", timeout=8)
            return
        assert self.preview is not None
        self.answer(Previewed(self.preview))

    def action_switch_panel(self) -> None:
        if self.query_one("#script-panel", Panel).has_focus_within:
            self.query_one(RecordText).focus()
        else:
            self.query_one(SqlView).focus()
