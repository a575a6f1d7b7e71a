"""Items: what the database has that its applied history does not explain, as a checklist.

The drift is computed here, in a thread worker behind the busy indicator: the applied
migrations replayed in a shadow database, compared with the live catalog (`find_items`). Each
hotfix item is one row, checked by default (`space` unchecks it, `a` checks all or none); what
a failed migration left is listed below them, greyed, "recover it instead": never selectable,
and `x` on it closes this wizard and opens the recovery wizard on that migration. The focused
row's SQL (what the migration will hold for it) shows beside the list.

`enter` goes on to Name with the checked items; escape closes the wizard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mend_core.hotfix.grouping import DriftItem
from mend_core.hotfix.items import DriftItems
from mend_tui.screens.hotfix.text import item_detail, item_prompt, items_lead, leftover_prompt
from mend_tui.screens.wizard_step import Back, StepScreen
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.hotfix_stepper import HotfixProgress
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.scroll_text import ScrollText


@dataclass(frozen=True)
class Chosen:
    """The items to record, in number order, and the drift they come from."""

    drift: DriftItems
    items: tuple[DriftItem, ...]


@dataclass(frozen=True)
class RecoverInstead:
    """`x` on a failed migration's leftover: close this wizard, recover that migration."""

    migration: str


class ItemList(OptionList, inherit_bindings=False):
    """The checklist. `enter` is the step's (on to Name), not the list's: `space` or a click
    checks a row."""

    BINDINGS = [
        Binding("space", "screen.check_item", "Check", key_display="space"),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]


class DetailText(ScrollText):
    """Scrolls with the keys of every text panel."""


class ItemsStep(StepScreen[Chosen | RecoverInstead | Back]):
    CSS_PATH = ["../recover/flow.tcss", "flow.tcss", "items.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Close"),
        Binding("enter", "next", "Name"),
        Binding("a", "toggle_all", "All/none"),
        Binding("x", "recover", "Recover instead"),
        Binding("tab,shift+tab", "switch_panel", "Other panel", show=False),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: HotfixProgress,
        drift: DriftItems | None = None,
        load: Callable[[], DriftItems] | None = None,
        checked: frozenset[int] | None = None,
    ) -> None:
        super().__init__(snapshot, progress)
        self.drift = drift
        self.loader = load
        self.checked: set[int] = set(checked) if checked is not None else set()
        self._fresh = checked is None  # every hotfix item checked once the drift is in
        self.rows: list[DriftItem] = []  # the list's rows, hotfix items then leftovers

    def body(self) -> ComposeResult:
        yield Static("", id="items-lead", classes="lead")
        with Horizontal(id="items-panels"):
            with Panel("Drift items", id="list-panel"):
                yield ItemList(id="items")
            with Panel("SQL", id="detail-panel"), DetailText(id="detail-scroll"):
                yield Static("", id="detail")
        yield Static("", id="items-notes", classes="hint")

    def ready(self) -> None:
        if self.drift is not None:
            self.show(self.drift)
        elif self.loader is not None:
            self.load(
                self.loader,
                "Computing the drift: replaying the applied migrations in a shadow database "
                "and reading the live catalog",
                self.show,
                "Could not compute the drift",
            )

    def show(self, drift: DriftItems) -> None:
        self.drift = drift
        if self._fresh:
            self.checked = {item.number for item in drift.items}
            self._fresh = False
        self.rows = [*drift.items, *drift.leftovers]
        self.query_one("#items-lead", Static).update(items_lead(drift))
        listing = self.query_one(ItemList)
        listing.set_options(Option(self.prompt(row)) for row in self.rows)
        note: Content = Content("")
        warnings = drift.warnings()
        if not self.rows:
            note = Content(
                "The database matches its applied migrations: there is nothing to record. "
                "escape closes the wizard."
            )
        elif not drift.items:
            note = Content.assemble(
                Content.styled("Nothing to record as a hotfix: ", "bold $text-warning"),
                "what drifted was left by a failed migration, and belongs to its recovery "
                "(x on it opens the recovery wizard)."
                + (
                    " What was made by hand on it is recorded here once it is recovered."
                    if any(left.waits_for_recovery for left in drift.leftovers)
                    else ""
                ),
            )
        elif warnings:
            note = Content.styled("Note: " + " ".join(warnings), "$text-warning")
        notes = self.query_one("#items-notes", Static)
        notes.update(note)
        notes.display = bool(note.plain)
        self.count_checked()
        if self.rows:
            listing.highlighted = 0
            listing.focus()
        self.show_detail(0)

    def prompt(self, item: DriftItem) -> Content:
        if item.is_hotfix:
            return item_prompt(item, item.number in self.checked)
        return leftover_prompt(item)

    def count_checked(self) -> None:
        panel = self.query_one("#list-panel", Panel)
        total = len(self.drift.items) if self.drift else 0
        panel.border_subtitle = f"{len(self.checked)} of {total} checked  space a x"

    def show_detail(self, index: int | None) -> None:
        panel = self.query_one("#detail-panel", Panel)
        detail = self.query_one("#detail", Static)
        if index is None or not 0 <= index < len(self.rows) or self.drift is None:
            panel.border_title = "SQL"
            detail.update("")
            return
        item = self.rows[index]
        panel.border_title = (
            f"Item {item.number}: its SQL"
            if item.is_hotfix
            else "Waits for the recovery"
            if item.waits_for_recovery
            else "Left by a failed migration"
        )
        detail.update(item_detail(item, self.drift.dialect))
        self.query_one(DetailText).scroll_home(animate=False)

    @on(OptionList.OptionHighlighted, "#items")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_detail(event.option_index)
        self.refresh_bindings()  # `x` follows the row

    @on(OptionList.OptionSelected, "#items")
    def clicked(self, event: OptionList.OptionSelected) -> None:
        self.action_check_item()

    # -- keys ---------------------------------------------------------------------------------
    @property
    def current(self) -> DriftItem | None:
        index = self.query_one(ItemList).highlighted
        if index is None or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    def chosen(self) -> tuple[DriftItem, ...]:
        assert self.drift is not None
        return tuple(item for item in self.drift.items if item.number in self.checked)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        loaded = self.drift is not None and not self.busy
        if action == "next":
            if not loaded:
                return False
            return True if self.checked else None  # dimmed, said when pressed
        if action in ("check_item", "toggle_all"):
            return loaded and bool(self.drift and self.drift.items)
        if action == "recover":
            current = self.current if loaded else None
            return current is not None and not current.is_hotfix
        if action == "switch_panel":
            return loaded and bool(self.rows)
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """`enter` is dimmed with nothing checked: pressed anyway, say why."""
        if event.key == "enter" and self.drift is not None and not self.checked:
            self.action_next()

    def action_check_item(self) -> None:
        item = self.current
        if item is None:
            return
        if not item.is_hotfix:
            self.notify(
                f"Made by hand on what failed migration {item.origin} left: recover it first "
                "(x opens the recovery wizard), then record this."
                if item.waits_for_recovery
                else f"Left by failed migration {item.origin}: it belongs to its recovery, never "
                "to a hotfix. x opens the recovery wizard.",
                title="Not a hotfix item",
                severity="warning",
                timeout=6,
            )
            return
        self.checked ^= {item.number}
        listing = self.query_one(ItemList)
        assert listing.highlighted is not None
        listing.replace_option_prompt_at_index(listing.highlighted, self.prompt(item))
        self.count_checked()
        self.refresh_bindings()

    def action_toggle_all(self) -> None:
        if self.drift is None:
            return
        every = {item.number for item in self.drift.items}
        self.checked = set() if self.checked == every else every
        listing = self.query_one(ItemList)
        for index, item in enumerate(self.drift.items):
            listing.replace_option_prompt_at_index(index, self.prompt(item))
        self.count_checked()
        self.refresh_bindings()

    def action_next(self) -> None:
        if self.drift is None:
            return
        if not self.checked:
            why = (
                "Check at least one item (space; a checks all)."
                if self.drift.items
                else "There is no hotfix item to record."
            )
            self.notify(why, title="Nothing to record", severity="warning", timeout=6)
            return
        self.answer(Chosen(self.drift, self.chosen()))

    def action_recover(self) -> None:
        item = self.current
        if item is not None and item.origin is not None:
            self.answer(RecoverInstead(item.origin))

    def action_switch_panel(self) -> None:
        if self.query_one("#list-panel", Panel).has_focus_within:
            self.query_one(DetailText).focus()
        else:
            self.query_one(ItemList).focus()
