"""Choose: roll back or roll forward, side by side (stacked below 100 columns). Each says when
to choose it (the advice of Prisma's guide), what it does, its steps with risk badges, the
history change it ends with and what the operator does afterwards; a blocked plan says why.

`b` and `f` choose; `enter` chooses the focused one; escape goes back to Inspect. Choosing a roll
forward that the data blocked goes to Data fix (the flow decides that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import Direction
from mend_core.recovery.session import Plans
from mend_tui.screens.recover.text import choice_content, steps_words
from mend_tui.screens.wizard_step import Back, StepScreen
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.scroll_text import ScrollText
from mend_tui.widgets.stepper import Progress


@dataclass(frozen=True)
class Chosen:
    direction: Direction
    plans: Plans


class PlanText(ScrollText):
    """Scrolls with the keys of every text panel."""

    def __init__(self, direction: Direction) -> None:
        super().__init__(id=f"{direction.value}-text")
        self.direction = direction


PANEL_ID = {Direction.ROLL_BACK: "roll-back", Direction.ROLL_FORWARD: "roll-forward"}
KEYS = {Direction.ROLL_BACK: "b", Direction.ROLL_FORWARD: "f"}


class ChooseStep(StepScreen[Chosen | Back]):
    CSS_PATH = ["flow.tcss", "choose.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("b", "choose('roll_back')", "Roll back"),
        Binding("f", "choose('roll_forward')", "Roll forward"),
        Binding("enter", "choose_focused", "Choose"),
        Binding("tab,shift+tab,left,right", "switch_panel", "Other plan", show=False),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: Progress,
        incident: Incident,
        plans: Plans | None = None,
        load: Callable[[], Plans] | None = None,
    ) -> None:
        super().__init__(snapshot, progress)
        self.incident = incident
        self.plans = plans
        self.loader = load

    def body(self) -> ComposeResult:
        with Horizontal(id="plans"):
            for direction in Direction:
                key = KEYS[direction]
                title = f"{key} {direction.words.capitalize()}"
                with Panel(title, id=PANEL_ID[direction]), PlanText(direction):
                    yield Static("", classes="plan")

    def ready(self) -> None:
        if self.plans is not None:
            self.show(self.plans)
        elif self.loader is not None:
            self.load(
                self.loader,
                "Planning both ways out: the SQL, its risks, counted live",
                self.show,
                "Could not plan the recovery",
            )

    def show(self, plans: Plans) -> None:
        self.plans = plans
        for direction in Direction:
            plan = plans.of(direction)
            text = self.query_one(f"#{direction.value}-text", PlanText)
            text.query_one(".plan", Static).update(
                choice_content(plan, self.data_fix_next(direction))
            )
            panel = self.query_one(f"#{PANEL_ID[direction]}", Panel)
            panel.border_subtitle = "BLOCKED" if plan.blocked else steps_words(plan.steps)
        self.query_one(f"#{Direction.ROLL_BACK.value}-text", PlanText).focus()

    def data_fix_next(self, direction: Direction) -> bool:
        """Choosing this plan leads to Data fix: a roll forward when the data caused it."""
        return direction is Direction.ROLL_FORWARD and self.incident.data_caused

    # -- keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("choose", "choose_focused", "switch_panel"):
            return self.plans is not None and not self.busy
        return super().check_action(action, parameters)

    def action_choose(self, direction: str) -> None:
        if self.plans is None:
            return
        chosen = Direction(direction)
        plan = self.plans.of(chosen)
        if plan.blocked and not self.data_fix_next(chosen):
            self.notify(
                plan.blocked,
                title=f"{chosen.words.capitalize()} is blocked",
                severity="warning",
                timeout=8,
            )
            return
        self.answer(Chosen(chosen, self.plans))

    def action_choose_focused(self) -> None:
        focused = self.focused
        if isinstance(focused, PlanText):
            self.action_choose(focused.direction.value)

    def action_switch_panel(self) -> None:
        focused = self.focused
        current = focused.direction if isinstance(focused, PlanText) else Direction.ROLL_FORWARD
        other = Direction.ROLL_FORWARD if current is Direction.ROLL_BACK else Direction.ROLL_BACK
        self.query_one(f"#{other.value}-text", PlanText).focus()
