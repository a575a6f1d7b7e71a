"""Targets: the other databases of mend.toml, and what Apply will do on each.

Each target is checked at once (threads, each within the target timeout), read-only, as the
table shows it filling in: it has every chosen object as the hotfix made it (patched: Apply marks
the migration applied there), none of them (unpatched: it stays pending, `mend deploy` applies
it), some or different ones (conflict: nothing is touched, and the object that differs is named),
or it could not be reached. The database being repaired is recognised among them and never
marked twice; a target whose URL variable is unset is listed, never touched.

Without mend.toml, the step says so and goes on. `enter` goes on to Apply once every target is
checked, except in read-only mode (the reason is on screen); `r` checks again; escape goes back
to the Preview (the checks still running are left to end on their own: they only read).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import ProgressBar, Static

from mend_core.errors import MendError
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.session import Inventory
from mend_core.hotfix.target_check import TargetCheck, TargetState
from mend_core.hotfix.targets import INVENTORY_FILE, Target
from mend_tui.screens.hotfix.text import (
    APPLY_WORDS,
    CHECKING,
    NOT_SET,
    TARGET_LOOK,
    state_cell,
)
from mend_tui.screens.wizard_step import Ahead, Back, StepScreen, error_content, unexpected
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.hotfix_stepper import HotfixProgress
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.scroll_text import ScrollText

Checks = tuple[TargetCheck, ...]
Checker = Callable[[Sequence[Target], Callable[[TargetCheck], None]], Checks]
EXAMPLE = '[targets.production]\nurl = "env:PROD_DATABASE_URL"'
NAME_WIDTH, STATE_COLUMN = 13, 16  # the table's first two columns


@dataclass(frozen=True)
class Checked:
    inventory: Inventory
    checks: tuple[TargetCheck, ...]


TableRow = tuple[str, Content, list[Content]]  # a target's name, its state, what Apply will do


class TargetsTable(Widget):
    """Target, State, Apply will: the last column wrapped under itself, at the width the table
    is drawn at (worked out when drawn, so the wrap never depends on when the rows came)."""

    DEFAULT_CSS = "TargetsTable { height: auto; }"

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.rows: tuple[TableRow, ...] = ()

    def show(self, rows: tuple[TableRow, ...]) -> None:
        self.rows = rows
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        what_width = max(width - NAME_WIDTH - STATE_COLUMN, 20)
        indent = " " * (NAME_WIDTH + STATE_COLUMN)
        lines = [
            Content.styled(f"{'Target':<{NAME_WIDTH}}{'State':<{STATE_COLUMN}}Apply will", "bold")
        ]
        for name, state, what in self.rows:
            shown = name if len(name) < NAME_WIDTH else name[: NAME_WIDTH - 4] + "..."
            wrapped = [line for part in what for line in part.wrap(what_width)]
            lines.append(
                Content.assemble(
                    Content.styled(f"{shown:<{NAME_WIDTH}}", "bold"),
                    state,
                    " " * max(STATE_COLUMN - state.cell_length, 1),
                    wrapped[0] if wrapped else "",
                )
            )
            lines += [Content.assemble(indent, line) for line in wrapped[1:]]
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.content_region.width))


class TargetsText(ScrollText):
    """Scrolls with the keys of every text panel."""


def apply_summary(checks: Sequence[TargetCheck]) -> str:
    """`mark it applied on staging, leave it pending on qa, touch nothing on eu (conflict)`."""
    groups: dict[str, list[str]] = {}
    for check in checks:
        state = check.state
        name = check.target.name
        if state is TargetState.PATCHED:
            what = "mark it applied on"
        elif state is TargetState.UNPATCHED:
            what = "leave it pending on"
        elif check.needs_attention:
            what, name = "touch nothing on", f"{name} ({state.value})"
        else:
            continue
        groups.setdefault(what, []).append(name)
    return ", ".join(f"{what} {' and '.join(names)}" for what, names in groups.items())


class TargetsAhead:
    """mend.toml read and its targets checked, started as the step is asked for, in a thread
    of its own, before its screen is made (wizard_step.Ahead): checks that are in by the time
    the screen opens are in its first frame; still running, the screen shows them come in (it
    is told of those made so far, then of each as it comes: the same checks, not new ones).
    Taken once; `r` and a retry check again."""

    def __init__(self, load: Callable[[], Inventory], check: Checker) -> None:
        self.check_anew = check
        self.checks: Future[Checks] = Future()
        inventory: Future[Inventory] = Future()
        self.inventory = Ahead(load, inventory)  # the step's loader: read once, then anew
        self._lock = threading.Lock()
        self._made: list[TargetCheck] = []  # the checks made so far
        self._told: Callable[[TargetCheck], None] | None = None
        self._taken = False
        threading.Thread(
            target=self._run, args=(load, inventory), name="mend-targets-ahead"
        ).start()

    def _run(self, load: Callable[[], Inventory], inventory: Future[Inventory]) -> None:
        try:
            found = load()
        except BaseException as error:  # noqa: BLE001 - the step says it, as its load's error
            inventory.set_exception(error)
            self.checks.set_exception(error)
            return
        inventory.set_result(found)
        try:
            checks = self.check_anew(found.targets, self._one)
        except BaseException as error:  # noqa: BLE001 - the step says it (TargetsStep.failed)
            self.checks.set_exception(error)
        else:
            self.checks.set_result(checks)

    def _one(self, check: TargetCheck) -> None:
        with self._lock:
            self._made.append(check)
            told = self._told
        if told is not None:
            told(check)

    def in_hand(self, targets: Sequence[Target]) -> Checks | None:
        """Every check of `targets`, made ahead and not taken yet (None: not all in, failed,
        taken, or of other targets)."""
        future = self.checks
        if not future.done() or future.exception() is not None:
            return None
        with self._lock:
            if self._taken:
                return None
            checks = future.result()
            if tuple(c.target for c in checks) != tuple(targets):
                return None
            self._taken = True
        return checks

    def check(self, targets: Sequence[Target], told: Callable[[TargetCheck], None]) -> Checks:
        """The step's checker: the checks under way (told those made so far, then each as it
        comes) the first time, if they are of these targets; new ones after."""
        inventory = self.inventory.future
        ours = inventory.done() and inventory.exception() is None
        with self._lock:
            taken, self._taken = self._taken, True
            if not taken and ours and tuple(inventory.result().targets) == tuple(targets):
                self._told = told
                made = list(self._made)
            else:
                taken = True
        if taken:
            return self.check_anew(targets, told)
        for check in made:
            told(check)
        return self.checks.result()


class TargetsStep(StepScreen[Checked | Back]):
    CSS_PATH = ["../recover/flow.tcss", "flow.tcss", "targets.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "next", "Apply"),
        Binding("r", "recheck", "Check again"),
        Binding("r", "retry", "Retry"),  # mend.toml could not be read
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: HotfixProgress,
        preview: HotfixPreview,
        load: Callable[[], Inventory],
        check: Checker,
        *,
        timeout: float,
        inventory: Inventory | None = None,
        checks: tuple[TargetCheck, ...] | None = None,
        ahead: TargetsAhead | None = None,
    ) -> None:
        """`load` reads mend.toml, `check` checks targets; `ahead`, if given, did both
        already (or does them now): taken first, then `load` and `check` again."""
        super().__init__(snapshot, progress)
        self.preview = preview
        self.loader = load
        self.check = check
        self.timeout = timeout
        self.inventory = inventory
        self.checks: dict[str, TargetCheck] = {c.target.name: c for c in checks or ()}
        self.checking = False
        self.check_error: MendError | None = None
        self.ahead = ahead

    def body(self) -> ComposeResult:
        yield Static("", id="targets-lead", classes="lead")
        # A total from the start: without one, the bar animates (15 frames a second), hidden
        # or not, until the checks start (never, without mend.toml).
        yield ProgressBar(total=1, show_eta=False, id="targets-bar")
        with Panel("Targets (mend.toml)", id="targets-panel"), TargetsText(id="targets-scroll"):
            yield TargetsTable(id="targets-table")
        yield Static("", id="targets-outcome", classes="lead")

    def ready(self) -> None:
        self.query_one("#targets-bar").display = False
        if self.inventory is not None and self.done:
            self.show(self.inventory)
        else:
            loader = self.ahead.inventory if self.ahead is not None else self.loader
            self.load(loader, f"Reading {INVENTORY_FILE}", self.show, "Could not read mend.toml")

    @property
    def done(self) -> bool:
        """Every resolved target has its answer."""
        inventory = self.inventory
        return inventory is not None and all(t.name in self.checks for t in inventory.targets)

    def show(self, inventory: Inventory) -> None:
        self.inventory = inventory
        lead = self.query_one("#targets-lead", Static)
        panel = self.query_one("#targets-panel", Panel)
        if inventory.path is None or inventory.empty:
            where = self.preview.drift.target
            missing = inventory.path is None
            lead.update(
                Content.assemble(
                    Content.styled(
                        f"No {INVENTORY_FILE}" if missing else f"{INVENTORY_FILE} lists no target",
                        "bold",
                    ),
                    f": no other database to reconcile. The hotfix is recorded on {where} only.",
                )
            )
            panel.display = False
            self.query_one("#targets-outcome", Static).update(
                Content.assemble(
                    Content.styled(
                        "To reconcile staging or other copies too (Prisma's guide, step 4), list "
                        f"them in {INVENTORY_FILE} at the project root:\n",
                        "$text-muted",
                    ),
                    Content.styled(EXAMPLE, "$text-muted"),
                    "\n\n",
                    self.next_words(),
                )
            )
            self.refresh_bindings()
            return
        panel.display = True
        self.query_one(TargetsText).focus()  # (the arrows scroll a long table)
        count = len(inventory.targets) + len(inventory.unresolved)
        lead.update(
            Content.assemble(
                Content.styled(f"{count} target{'' if count == 1 else 's'} ", "bold"),
                f"in {INVENTORY_FILE}, each checked at once, read-only, within {self.timeout:g} s.",
            )
        )
        self.draw()
        if self.done:
            self.finished()
        else:
            self.start()

    # -- checking, at once, off the UI thread ---------------------------------------------------
    def start(self) -> None:
        assert self.inventory is not None
        self.check_error = None
        in_hand = self.ahead.in_hand(self.inventory.targets) if self.ahead is not None else None
        if in_hand is not None:  # every check made ahead: shown at once, in this frame
            self.checks = {c.target.name: c for c in in_hand}
            self.finished()
            return
        self.checks = {}
        self.checking = True
        bar = self.query_one("#targets-bar", ProgressBar)
        bar.update(total=max(len(self.inventory.targets), 1), progress=0)
        bar.display = True
        self.query_one("#targets-outcome", Static).update("")
        self.draw()
        self.refresh_bindings()
        self._check(self.inventory.targets)

    @work(thread=True, exclusive=True, group="targets", exit_on_error=False)
    def _check(self, targets: tuple[Target, ...]) -> None:
        check = self.ahead.check if self.ahead is not None else self.check
        try:
            checks = check(targets, lambda one: self._from_thread(self.checked_one, one))
        except MendError as error:
            self._from_thread(self.failed, error)
            return
        except Exception as error:  # noqa: BLE001 - shown on screen, never as a traceback
            self._from_thread(self.failed, unexpected(error))
            return
        self._from_thread(self.all_checked, checks)

    def checked_one(self, check: TargetCheck) -> None:
        if not self.is_attached:
            return
        self.checks[check.target.name] = check
        names = {t.name for t in self.targets()}
        self.query_one("#targets-bar", ProgressBar).update(
            progress=sum(1 for name in self.checks if name in names)
        )
        self.draw()

    def targets(self) -> tuple[Target, ...]:
        return self.inventory.targets if self.inventory else ()

    def all_checked(self, checks: tuple[TargetCheck, ...]) -> None:
        if not self.is_attached:
            return
        self.checks = {c.target.name: c for c in checks}
        self.finished()

    def finished(self) -> None:
        self.checking = False
        bar = self.query_one("#targets-bar", ProgressBar)
        bar.update(total=max(len(self.targets()), 1), progress=max(len(self.targets()), 1))
        bar.display = False
        self.draw()
        checks = self.ordered()
        summary = apply_summary(checks)
        unset = [u.entry.name for u in self.inventory.unresolved] if self.inventory else []
        if unset:
            summary += (", " if summary else "") + (
                f"touch nothing on {' and '.join(unset)} (not set)"
            )
        attention = sum(1 for c in checks if c.needs_attention) + len(unset)
        parts: list[Content | str] = [
            Content.styled("Apply would " if self.progress.read_only else "Apply will ", "bold"),
            "record it here" + (f", {summary}." if summary else "."),
        ]
        if attention:
            parts += [
                " ",
                Content.styled(
                    f"Fix {'that' if attention == 1 else 'those'} by hand, then `mend resolve "
                    "--applied` there.",
                    "$text-warning",
                ),
            ]
        parts += ["\n", self.next_words()]
        self.query_one("#targets-outcome", Static).update(Content.assemble(*parts))
        self.refresh_bindings()

    def failed(self, error: MendError) -> None:
        self.checking = False
        self.check_error = error
        if not self.is_attached:
            return
        self.query_one("#targets-bar").display = False
        self.query_one("#targets-outcome", Static).update(
            Content.assemble(
                error_content(error, "Could not check the targets"),
                "\n",
                Content.styled("r: check again; escape: the Preview.", "$text-muted"),
            )
        )
        self.refresh_bindings()

    def ordered(self) -> tuple[TargetCheck, ...]:
        return tuple(self.checks[t.name] for t in self.targets() if t.name in self.checks)

    def next_words(self) -> Content:
        if self.progress.read_only:
            return Content.styled(
                "Read-only: Apply is disabled (mend runs with --read-only), so the wizard stops "
                "here; nothing was written. Start mend without --read-only to record it.",
                "bold $text-warning",
            )
        return Content.styled(
            "enter: Apply, where you type the name it shows to confirm.", "$text-muted"
        )

    # -- the table ----------------------------------------------------------------------------
    def draw(self) -> None:
        """The table as one text, in columns (one widget, drawn at once as the checks come)."""
        inventory = self.inventory
        if inventory is None:
            return
        rows: list[TableRow] = []
        for target in inventory.targets:
            check = self.checks.get(target.name)
            where = target.database.label()
            if check is None:
                what = Content.styled(f"{where}: checking{self.look.marks.ellipsis}", "$text-muted")
                rows.append((target.name, state_cell(CHECKING, self.look), [what]))
                continue
            detail = check.detail
            if check.state is TargetState.CONFLICT and check.differences:
                detail = "; ".join(check.differences)
            elif check.state is TargetState.THIS_DATABASE:
                detail = "the database being repaired"
            rows.append(
                (
                    target.name,
                    state_cell(TARGET_LOOK[check.state], self.look),
                    [
                        Content(APPLY_WORDS[check.state]),
                        Content.styled(f"{where}: {detail}", "$text-muted"),
                    ],
                )
            )
        for unset in inventory.unresolved:
            said = f"{unset.entry.variable} is not set (environment, .env)"
            rows.append(
                (
                    unset.entry.name,
                    state_cell(NOT_SET, self.look),
                    [
                        Content("touch nothing: its URL is not set here"),
                        Content.styled(said, "$text-muted"),
                    ],
                )
            )
        self.query_one(TargetsTable).show(tuple(rows))
        checked = sum(1 for t in inventory.targets if t.name in self.checks)
        self.query_one(
            "#targets-panel", Panel
        ).border_subtitle = f"{checked} of {len(inventory.targets)} checked"

    # -- keys ---------------------------------------------------------------------------------
    def why_not_next(self) -> str | None:
        if self.progress.read_only:
            return (
                "Apply is disabled: mend runs with --read-only. Start mend without --read-only "
                "to record the hotfix."
            )
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        ready = self.inventory is not None and not self.busy and not self.checking
        if action == "next":
            if not ready or self.check_error is not None or not self.done:
                return False
            return None if self.why_not_next() else True
        if action == "recheck":
            return ready and bool(self.targets())
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter" and self.why_not_next() and self.inventory is not None:
            self.action_next()

    def action_recheck(self) -> None:
        if self.inventory is not None and not self.checking:
            self.start()

    def action_next(self) -> None:
        why = self.why_not_next()
        if why is not None:
            self.notify(why, title="Not now", severity="warning", timeout=8)
            return
        if self.inventory is not None and self.done and not self.checking:
            self.answer(Checked(self.inventory, self.ordered()))
