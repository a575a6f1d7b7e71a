"""Inspect: what the failed migration did and left behind. The error, the migration's SQL with
each statement's effect in the gutter (and the current statement's note under it), the data
diagnostics as tables with their queries, and the unrelated drift recovery leaves alone.

The first step: its data is loaded here (a shadow replay, a few hundred milliseconds), in a
thread worker behind the busy indicator. Escape closes the wizard; enter goes on to Choose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from mend_core.dialects import dialect_for
from mend_core.recovery.effects import StatementEffect
from mend_core.recovery.incident import Incident
from mend_tui.presentation import Effect
from mend_tui.screens.recover.text import facts_content, failure_content
from mend_tui.screens.wizard_step import Back, StepScreen
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.effect_sql import EffectSql, StatementNote
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.scroll_text import ScrollText
from mend_tui.widgets.stepper import Progress


@dataclass(frozen=True)
class Inspection:
    """An incident and its migration's text (read off the UI thread with it)."""

    incident: Incident
    script: str

    @classmethod
    def of(cls, incident: Incident) -> Inspection:
        return cls(incident, incident.local.read_script())


class FactsPanel(Panel):
    """The diagnostics and the drift: scrolled with the same keys as the SQL."""


class FactsText(ScrollText):
    """Scrolls with the keys of every text panel."""


class InspectStep(StepScreen[Inspection | Back]):
    CSS_PATH = ["flow.tcss", "inspect.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Close"),
        Binding("enter", "next", "Choose"),
        # Named in the footer: the diagnostics' rows are below the fold at 80x24.
        Binding("tab", "switch_panel('facts')", "Diagnostics"),
        Binding("tab", "switch_panel('sql')", "SQL"),
        Binding("shift+tab", "switch_panel", "Other panel", show=False),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: Progress,
        name: str,
        inspection: Inspection | None = None,
        load: Callable[[], Inspection] | None = None,
    ) -> None:
        super().__init__(snapshot, progress)
        self.migration = name
        self.inspection = inspection
        self.loader = load

    def body(self) -> ComposeResult:
        yield Static("", id="failure")
        with Horizontal(id="panels"):
            with Panel("SQL: what each statement left in the database", id="sql-panel"):
                yield EffectSql(self.look, id="effects")
            facts = FactsPanel("Diagnostics and drift", id="facts-panel")
            with facts, FactsText(id="facts-scroll"):
                yield Static("", id="facts")

    def ready(self) -> None:
        if self.inspection is not None:
            self.show(self.inspection)
        elif self.loader is not None:
            self.load(
                self.loader,
                f"Inspecting `{self.migration}`: replaying the history into a shadow database and "
                "reading the live catalog",
                self.show,
                "Could not inspect the failed migration",
            )

    def show(self, inspection: Inspection) -> None:
        self.inspection = inspection
        incident = inspection.incident
        self.query_one("#failure", Static).update(failure_content(incident, self.look))
        notes = {
            effect.statement.index: StatementNote(
                Effect.named(effect.effect.value), effect.words, self.note_of(effect)
            )
            for effect in incident.effects
        }
        statements = [effect.statement for effect in incident.effects]
        lexer = dialect_for(incident.dialect).lexer
        effects = self.query_one(EffectSql)
        effects.load(inspection.script, statements, incident.failing_index, lexer, notes)
        effects.view.focus()
        self.query_one("#facts", Static).update(facts_content(incident))
        count = len(incident.effects)
        self.query_one(
            "#sql-panel", Panel
        ).border_subtitle = f"{count} statement{'' if count == 1 else 's'}  n/p/e"

    def note_of(self, effect: StatementEffect) -> str:
        """The engine's note; for the failed statement without one, what the database said."""
        if effect.note or effect.statement.index != self.incident_failing:
            return effect.note
        assert self.inspection is not None
        return self.inspection.incident.failure.first_message_line()

    @property
    def incident_failing(self) -> int | None:
        return self.inspection.incident.failing_index if self.inspection else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next", "switch_panel"):
            if self.inspection is None or self.busy:
                return False
            if parameters:  # tab: to the panel that has not the focus
                in_sql = self.query_one("#sql-panel", Panel).has_focus_within
                return in_sql == (parameters[0] == "facts")
            return True
        return super().check_action(action, parameters)

    def action_next(self) -> None:
        if self.inspection is not None:
            self.answer(self.inspection)

    def action_switch_panel(self, to: str = "") -> None:
        if self.query_one("#sql-panel", Panel).has_focus_within:
            self.query_one(FactsText).focus()
        else:
            self.query_one(EffectSql).view.focus()
        self.refresh_bindings()
