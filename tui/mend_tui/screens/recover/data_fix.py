"""Data fix: the SQL that fixes the data before a roll forward finishes the migration. Pick a
generated template (each says what it does and how many rows it touches now) or write your own;
edit it in place (SQL highlighted) or in $EDITOR. A template with placeholders is refused until
they are replaced: its placeholder is a syntax error anyway, so it could never run unedited.

The fix becomes the plan's first step, in the same transaction as the rest where the database
allows; the flow plans again with it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mend_core.dialects import dialect_for
from mend_core.errors import MendError
from mend_core.recovery.data_fix import DataFixTemplate
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import (
    DataFix,
    generated_blocker_fixes,
    refuse_transaction_control,
)
from mend_tui.screens.wizard_step import Back, StepScreen
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.panel import Panel
from mend_tui.widgets.sql_editor import SqlEditor
from mend_tui.widgets.stepper import Progress

OWN = "own"  # the option for a fix of the operator's own
OWN_TEXT = (
    "-- Your data fix: statements that make the failing statement succeed, each ending in `;`.\n"
    "-- It runs right before the failing statement, after the migration's earlier ones.\n"
)


@dataclass(frozen=True)
class FixChoice:
    """The data fix to run first; None when the operator goes on without one (offered only
    when the roll forward is not blocked without it)."""

    fix: DataFix | None
    # The template the fix started from (None: the operator's own), kept as data so that coming
    # back to this step shows it chosen again (the fix's `source` is words for the plan).
    template: DataFixTemplate | None = None


def editor_command() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def edit_text(text: str, run: Callable[[list[str]], object]) -> str:
    """`text` as the editor command (`run` runs it) leaves it in a temporary file."""
    handle, name = tempfile.mkstemp(prefix="mend-data-fix-", suffix=".sql")
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        run([*editor_command(), str(path)])
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)


def edit_externally(app: App[object], text: str) -> str:
    """`text` edited in $VISUAL/$EDITOR, with the app suspended meanwhile (the editor has the
    terminal; the app comes back as it was)."""
    with app.suspend():
        return edit_text(text, subprocess.call)


def problem_with(text: str, template: DataFixTemplate | None, dialect: str) -> str | None:
    """Why `text` cannot be accepted as the fix, or None."""
    if template is not None:
        left = [p for p in template.placeholders if p in text]
        if left:
            return f"Replace {', '.join(left)} first: the template cannot guess that value."
        if template.needs_editing and text == template.sql:
            return "This template must be edited before it is used."
    if "<<VALUE FOR" in text:
        return "Replace the <<VALUE FOR ...>> placeholders first."
    statements = dialect_for(dialect).split(text)
    if not any(s.code.strip() for s in statements):
        return "The fix has no statement: write the SQL that fixes the data."
    try:
        refuse_transaction_control("the fix", statements)
    except MendError as refused:
        return f"{refused.message} {refused.hint}"
    return None


class ChoicesPanel(Panel):
    # On the list only: in the editor, `n` and `e` are letters of the SQL.
    BINDINGS = [
        Binding("e", "screen.external", "$EDITOR", show=False),
        Binding("n", "screen.no_fix", "No data fix"),
    ]


class EditorPanel(Panel):
    BINDINGS = [Binding("escape", "screen.focus_choices", "Fixes")]


class DataFixStep(StepScreen[FixChoice | Back]):
    CSS_PATH = ["flow.tcss", "data_fix.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "use", "Use this fix"),
        Binding("ctrl+o", "external", "$EDITOR"),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: Progress,
        incident: Incident,
        *,
        required: bool,
        previous: FixChoice | None = None,
    ) -> None:
        super().__init__(snapshot, progress)
        self.incident = incident
        self.required = required
        self.templates = {t.name: t for t in incident.templates}
        self.texts: dict[str, str] = {name: t.sql for name, t in self.templates.items()}
        self.texts[OWN] = OWN_TEXT
        self.choice = next(iter(self.templates), OWN)
        if previous is not None and previous.fix is not None:  # back: the fix as it was
            template = previous.template
            self.choice = OWN
            if template is not None and self.templates.get(template.name) == template:
                self.choice = template.name
            self.texts[self.choice] = previous.fix.sql

    def body(self) -> ComposeResult:
        cause = self.incident.cause.describe() if self.incident.cause else "the data"
        need = (
            "The roll forward runs this fix right before the failing statement"
            if self.required
            else "Optional: a fix"
        )
        later = generated_blocker_fixes(self.incident)
        also: list[Content | str] = []
        if later:
            also = [
                Content.styled(" Later blockers, each fixed right before its statement: ", "bold"),
                "; ".join(
                    f"statement {index} ({fix.source.split(': ')[-1]})" for index, fix in later
                ),
                " (the Preview shows their SQL).",
            ]
        yield Static(
            Content.assemble(
                Content.styled("The data caused the failure: ", "bold"),
                cause,
                f" {need}, in its transaction. Pick one or write your own; tab edits it here, "
                "ctrl+o in $EDITOR.",
                *also,
            ),
            classes="lead",
        )
        with Horizontal(id="fix-panels"):
            with ChoicesPanel("Fixes", id="choices-panel"):
                yield OptionList(*self.options(), id="choices")
            with EditorPanel("SQL", id="editor-panel"):
                yield SqlEditor(
                    self.texts[self.choice],
                    lexer=dialect_for(self.incident.dialect).lexer,
                    id="editor",
                )
        yield Static("", id="fix-status", classes="hint")

    def options(self) -> list[Option]:
        options = []
        for name, template in self.templates.items():
            rows = template.rows_affected_now
            counted = (
                f"  touches {rows:,} row{'' if rows == 1 else 's'}" if rows is not None else ""
            )
            edit = "  (edit first)" if template.needs_editing else ""
            options.append(Option(f"{name}{counted}{edit}", id=name))
        options.append(Option("Write your own", id=OWN))
        return options

    def ready(self) -> None:
        choices = self.query_one(OptionList)
        ids = [*self.templates, OWN]
        choices.highlighted = ids.index(self.choice)
        choices.focus()
        self.show_choice()

    # -- the choice and its text --------------------------------------------------------------
    @property
    def editor(self) -> SqlEditor:
        return self.query_one(SqlEditor)

    @on(OptionList.OptionHighlighted, "#choices")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        chosen = event.option.id or OWN
        if chosen == self.choice:
            return
        self.texts[self.choice] = self.editor.text  # an edit is kept when looking elsewhere
        self.choice = chosen
        self.editor.load_text(self.texts[chosen])
        self.show_choice()

    @on(OptionList.OptionSelected, "#choices")
    def selected(self) -> None:
        self.action_use()

    def show_choice(self) -> None:
        template = self.templates.get(self.choice)
        self.query_one("#editor-panel", Panel).border_title = (
            f"SQL: {self.choice}" if template else "SQL: your own"
        )
        status = self.query_one("#fix-status", Static)
        if template is None:
            status.update("Write the statements that fix the data; ctrl+s uses them.")
            return
        edit = (
            Content.styled(
                f"  Edit before use: replace {', '.join(template.placeholders)}.",
                "bold $text-warning",
            )
            if template.needs_editing
            else ""
        )
        status.update(Content.assemble(template.description, edit))

    # -- keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "no_fix":
            return not self.required
        return super().check_action(action, parameters)

    def action_focus_choices(self) -> None:
        self.query_one(OptionList).focus()

    def action_external(self) -> None:
        try:
            text = edit_externally(self.app, self.editor.text)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to $EDITOR: edit here (tab).")
            return
        except OSError as error:
            self.notify(f"$EDITOR could not run: {error.strerror}", severity="error")
            return
        self.editor.load_text(text)
        self.texts[self.choice] = text
        self.refresh()

    def action_use(self) -> None:
        text = self.editor.text
        template = self.templates.get(self.choice)
        problem = problem_with(text, template, self.incident.dialect)
        if problem is not None:
            self.notify(problem, title="Not yet", severity="warning", timeout=6)
            return
        if template is None:
            source = "written in the wizard"
        else:
            source = f"template {template.name}" + (", edited" if text != template.sql else "")
        self.answer(FixChoice(DataFix(source, text), template))

    def action_no_fix(self) -> None:
        self.answer(FixChoice(None))
