"""Preview: the whole plan before anything runs. Its SQL highlighted with statement numbers,
each step under a comment with its risk notes; the migration's `_prisma_migrations` rows now
(the failed attempt) and the change the plan ends with; blocked or not, the fingerprint checked
again before it runs, what comes afterwards. `s` saves the offline runbook in the project
folder and says where.

`enter` goes on to Rehearse (not when blocked, nor read-only: the reason is on screen); `k`
asks to skip the rehearsal, which the flow confirms a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from mend_core.dialects import dialect_for
from mend_core.errors import MendError
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import RecoveryPlan
from mend_tui.paths import shown_path
from mend_tui.screens.recover.text import history_content, plan_facts, plan_script, steps_words
from mend_tui.screens.wizard_step import Back, StepScreen, unexpected
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.effect_sql import QuietSqlView
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.scroll_text import ScrollText
from mend_tui.widgets.sql_view import SqlView
from mend_tui.widgets.stepper import Progress


@dataclass(frozen=True)
class Previewed:
    plan: RecoveryPlan
    skip_rehearsal: bool = False  # the operator asked to skip it (the flow asks once more)


class HistoryText(ScrollText):
    """Scrolls with the keys of every text panel."""


class PreviewStep(StepScreen[Previewed | Back]):
    CSS_PATH = ["flow.tcss", "preview.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "next", "Rehearse"),
        Binding("s", "save", "Runbook"),  # (short: Help and Quit fit at 80 columns)
        Binding("K", "skip", "Skip rehearsal", key_display="K"),
        Binding("tab,shift+tab", "switch_panel", "Other panel", show=False),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: Progress,
        incident: Incident,
        save_runbook: Callable[[RecoveryPlan], Path],
        plan: RecoveryPlan | None = None,
        load: Callable[[], RecoveryPlan] | None = None,
    ) -> None:
        super().__init__(snapshot, progress)
        self.incident = incident
        self.plan = plan
        self.loader = load
        self.save_runbook = save_runbook
        self.saved: Path | None = None

    def body(self) -> ComposeResult:
        yield Static("", id="plan-facts", classes="lead")
        with Horizontal(id="preview-panels"):
            with Panel("Plan", id="script-panel"):
                yield QuietSqlView(self.look, id="script")
            history = Panel("_prisma_migrations: before, after", id="history-panel")
            with history, HistoryText(id="history-scroll"):
                yield Static("", id="history", markup=False)
        yield Static("", id="saved", classes="hint")

    def ready(self) -> None:
        if self.plan is not None:
            self.show(self.plan)
        elif self.loader is not None:
            self.load(
                self.loader,
                "Planning with the data fix first: the SQL, its risks, counted live",
                self.show,
                "Could not plan the recovery",
            )

    def show(self, plan: RecoveryPlan) -> None:
        self.plan = plan
        self.query_one("#plan-facts", Static).update(plan_facts(plan, self.progress.read_only))
        script = plan_script(plan)
        view = self.query_one(SqlView)
        view.load(script.text, script.statements, None, dialect_for(plan.dialect).lexer)
        view.focus()
        panel = self.query_one("#script-panel", Panel)
        panel.border_title = f"Plan: {plan.direction.words} of `{plan.migration}`"
        panel.border_subtitle = f"{steps_words(plan.steps)}, {len(script.statements)} statements"
        self.query_one("#history", Static).update(history_content(self.incident, plan))
        self.show_saved()

    def show_saved(self) -> None:
        saved = self.query_one("#saved", Static)
        saved.display = self.saved is not None  # (until then, the footer offers `s`)
        if self.saved is None:
            return
        saved.update(
            Content.assemble(
                Content.styled("Runbook saved: ", "bold $text-success"),
                shown_path(self.saved),
            )
        )

    # -- keys ---------------------------------------------------------------------------------
    def why_not_next(self) -> str | None:
        """Why the plan cannot go on to the rehearsal, or None."""
        if self.plan is None:
            return "The plan is not made yet."
        if self.plan.blocked:
            return self.plan.blocked
        if self.progress.read_only:
            return (
                "Rehearse and Execute are disabled: mend runs with --read-only. Save the "
                "runbook (s) for a DBA, or start mend without --read-only to run it."
            )
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next", "skip"):
            if self.plan is None or self.busy:
                return False
            if self.progress.read_only:
                return False  # nothing runs: only what can is offered (the reason on screen)
            return None if self.why_not_next() else True  # dimmed, with the reason on screen
        if action in ("save", "switch_panel"):
            return self.plan is not None and not self.busy
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """`enter` and `K` are dimmed when the plan cannot go on: pressed anyway, say why."""
        if event.key in ("enter", "K") and self.plan is not None and self.why_not_next():
            self.go_on(skip=event.key == "K")

    def action_next(self) -> None:
        self.go_on(skip=False)

    def action_skip(self) -> None:
        self.go_on(skip=True)

    def go_on(self, *, skip: bool) -> None:
        why = self.why_not_next()
        if why is not None:
            self.notify(why, title="Not now", severity="warning", timeout=8)
            return
        assert self.plan is not None
        self.answer(Previewed(self.plan, skip_rehearsal=skip))

    def action_save(self) -> None:
        if self.plan is not None:
            self._save(self.plan)

    @work(thread=True, exclusive=True, group="runbook", exit_on_error=False)
    def _save(self, plan: RecoveryPlan) -> None:
        try:
            path = self.save_runbook(plan)
        except (MendError, OSError) as error:
            text = error.message if isinstance(error, MendError) else str(error)
            self._from_thread(self._not_saved, text)
            return
        except Exception as error:  # noqa: BLE001 - said on screen, never as a traceback
            self._from_thread(self._not_saved, unexpected(error).message)
            return
        self._from_thread(self._saved, path)

    def _saved(self, path: Path) -> None:
        self.saved = path
        if self.is_attached:
            self.show_saved()
        self.notify(f"Runbook saved to {path}", timeout=6)

    def _not_saved(self, text: str) -> None:
        self.notify(f"The runbook could not be saved: {text}", severity="error", timeout=10)

    def action_switch_panel(self) -> None:
        if self.query_one("#script-panel", Panel).has_focus_within:
            self.query_one(HistoryText).focus()
        else:
            self.query_one(SqlView).focus()
