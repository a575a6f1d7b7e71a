"""Name: the new migration's name, and the folder it makes, shown live as it will be written.

The name starts as `mend hotfix`'s default (`hotfix index User_email_idx` for one item, `hotfix`
for several), selected: typing replaces it, and Apply asks for it again (as in the folder); each
change shows the folder (`YYYYMMDDHHMMSS_slug`, UTC, slugified as Prisma does, moved after a
folder that sorts after the clock) or, inline, why there is none: empty once slugified (M8003),
too long (P3010), the migrations folder not writable (M8004), taken (M2006). The folder is
worked out in a thread worker (it lists the migrations folder); nothing is written here. Back
from the Preview with the same name, the folder previewed stays.

`enter` goes on to Preview with the folder shown; escape goes back to Items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Static

from mend_core.errors import MendError
from mend_core.hotfix.grouping import DriftItem
from mend_core.hotfix.naming import MigrationName
from mend_tui.screens.wizard_step import Back, StepScreen, unexpected
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.hotfix_stepper import HotfixProgress

# The command's hints name its options (--name); here the name is typed.
HINTS = {
    "M8003": "Type a name with some letters or digits, for example: add user email index.",
    "P3010": "Type a shorter name.",
    "M2006": "Type another name, or wait a second: the time in the folder's name moves on.",
}


@dataclass(frozen=True)
class Named:
    text: str  # as typed (kept when the operator comes back)
    name: MigrationName


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class NameStep(StepScreen[Named | Back]):
    CSS_PATH = ["../recover/flow.tcss", "flow.tcss", "name.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # Before the field's own enter (priority): the footer says where enter leads.
        Binding("enter", "next", "Preview", priority=True),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: HotfixProgress,
        items: tuple[DriftItem, ...],
        text: str,
        name_for: Callable[[str], MigrationName],
        root: Path,
        previous: Named | None = None,
    ) -> None:
        super().__init__(snapshot, progress)
        self.items = items
        self.text = previous.text if previous else text
        self.previous = previous  # coming back from the Preview: its folder, if still free
        self.name_for = name_for
        self.root = root
        self.shown_for: str | None = None  # the text the folder (or error) below is for
        self.migration: MigrationName | None = None
        self.error: MendError | None = None

    def body(self) -> ComposeResult:
        count = len(self.items)
        labels = ", ".join(f"{item.number} {item.label}" for item in self.items)
        yield Static(
            Content.assemble(
                Content.styled(f"Record {count} item{'' if count == 1 else 's'} ", "bold"),
                f"as a new migration: {labels}.",
            ),
            id="name-lead",
            classes="lead",
        )
        with Horizontal(id="name-row"):
            yield Static("Migration name:", id="name-label")
            yield Input(self.text, placeholder="what the hotfix does", id="name-input")
        yield Static("", id="folder")
        yield Static("", id="name-error")
        yield Static(
            "Typing replaces the name, and Apply asks for it again to confirm the write (the "
            "default name kept, it asks for the database's name where only that one is "
            "written). The folder is named as Prisma names them: the time (UTC), then "
            "the name in lower case, every other run of characters one `_`. It sorts after "
            "every existing folder, and never replaces one. enter: the Preview; escape: back "
            "to the items.",
            classes="hint",
            id="name-hint",
        )

    def ready(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.select_all()  # typing replaces the name; enter keeps it
        self.query_one("#name-error").display = False
        # The folder of the name shown is in the step's first frame: working it out only looks
        # at the migrations folder (as enter does, below); typed, key by key, it is worked out
        # in a thread worker.
        self.text = field.value
        self.show(field.value, *self.attempt(field.value))

    # -- the folder, live ---------------------------------------------------------------------
    @on(Input.Changed, "#name-input")
    def changed(self, event: Input.Changed) -> None:
        self.work_out(event.value)

    def work_out(self, text: str) -> None:
        self.text = text
        self._work_out(text)

    @work(thread=True, exclusive=True, group="name", exit_on_error=False)
    def _work_out(self, text: str) -> None:
        name, error = self.attempt(text)
        self._from_thread(self.show, text, name, error)

    def attempt(self, text: str) -> tuple[MigrationName | None, MendError | None]:
        previous = self.previous
        if previous is not None and text == previous.text and not previous.name.path.exists():
            return previous.name, None  # the folder previewed, not one a few seconds later
        try:
            return self.name_for(text), None
        except MendError as error:
            return None, error
        except Exception as error:  # noqa: BLE001 - shown on screen, never as a traceback
            return None, unexpected(error)

    def show(self, text: str, name: MigrationName | None, error: MendError | None) -> None:
        if not self.is_attached or text != self.text:
            return  # a later change is on its way
        self.shown_for, self.migration, self.error = text, name, error
        folder = self.query_one("#folder", Static)
        problem = self.query_one("#name-error", Static)
        if name is not None:
            parts: list[Content | str] = [
                Content.styled("Folder: ", "bold"),
                Content.styled(name.folder, "bold $text-accent"),
                "\n",
                Content.styled(
                    f"        in {relative(name.path.parent, self.root)}, with its migration.sql",
                    "$text-muted",
                ),
            ]
            if name.bumped_past:
                parts += [
                    "\n",
                    Content.styled(
                        f"The time is moved after {name.bumped_past}, which sorts after the "
                        "clock: a hotfix must sort after every migration.",
                        "$text-warning",
                    ),
                ]
            folder.update(Content.assemble(*parts))
            problem.display = False
        else:
            assert error is not None
            folder.update(Content.assemble(Content.styled("Folder: ", "bold"), "none"))
            said: list[Content | str] = [
                Content.styled(f"{error.code}: ", "bold $text-error"),
                error.message,
            ]
            hint = HINTS.get(error.code, error.hint)
            if hint:
                said += ["\n", Content.styled(hint, "$text-muted")]
            problem.update(Content.assemble(*said))
            problem.display = True
        self.refresh_bindings()

    # -- keys ---------------------------------------------------------------------------------
    def action_next(self) -> None:
        text = self.query_one(Input).value
        if self.shown_for != text:  # typed and entered before the worker answered
            name, error = self.attempt(text)
            self.text = text
            self.show(text, name, error)
        if self.migration is None or self.error is not None:
            self.notify(
                "The name makes no folder: see why below the name.",
                title="Not named",
                severity="warning",
                timeout=5,
            )
            return
        named = Named(text, self.migration)
        # Shown again (the flow keeps this step while the items stay), the folder answered is
        # kept as a step made with it would keep it.
        self.previous = named
        self.answer(named)
