"""A migration's SQL with what each statement left in the database: the SQL view's effect
gutter, and under it the current statement's effect in words with the engine's note (what
differs, what the logs said), following `n`/`p`/`e` and clicks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from mend_core.database.statements import Statement
from mend_tui.presentation import EFFECT_LOOK, Effect, Look, effect_mark
from mend_tui.widgets.sql_view import SqlView


@dataclass(frozen=True)
class StatementNote:
    effect: Effect
    words: str  # the engine's words for the effect ("data statement (effect unknown)")
    note: str  # why, or ""


class QuietSqlView(SqlView):
    """A SqlView whose statement keys work but stay out of the footer: on a wizard step the
    footer is for the step's own keys (the panel's subtitle names these)."""

    BINDINGS = [
        Binding("n", "next_statement", "Next", show=False),
        Binding("p", "previous_statement", "Previous", show=False),
        Binding("e", "failed_statement", "Failed", show=False),
        Binding("c", "copy_statement", "Copy", show=False),
    ]


class TrackedSqlView(QuietSqlView):
    """A SqlView that tells its parent when the current statement changes."""

    def __init__(
        self, look: Look, on_current: Callable[[int | None], None], *, id: str | None = None
    ) -> None:
        super().__init__(look, id=id)
        self._on_current = on_current

    def go_to(self, index: int) -> None:
        super().go_to(index)
        self._on_current(self.current)

    def load(
        self,
        text: str,
        statements: Sequence[Statement] = (),
        failing: int | None = None,
        lexer: str = "sql",
        effects: Mapping[int, Effect | str] | None = None,
    ) -> None:
        super().load(text, statements, failing, lexer, effects)
        self._on_current(self.current)


class EffectSql(Vertical):
    DEFAULT_CSS = """
    EffectSql { height: 1fr; }
    EffectSql > #effect-note {
        height: auto; max-height: 3; padding: 0 1; background: $boost;
    }
    """

    def __init__(self, look: Look, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.look = look
        self.notes: dict[int, StatementNote] = {}

    def compose(self) -> ComposeResult:
        yield TrackedSqlView(self.look, self.show_note, id="effect-sql")
        yield Static("", id="effect-note")

    @property
    def view(self) -> SqlView:
        return self.query_one(TrackedSqlView)

    def load(
        self,
        text: str,
        statements: Sequence[Statement],
        failing: int | None,
        lexer: str,
        notes: Mapping[int, StatementNote],
    ) -> None:
        self.notes = dict(notes)
        effects = {index: note.effect for index, note in self.notes.items()}
        self.view.load(text, statements, failing, lexer, effects)

    def show_note(self, index: int | None) -> None:
        if not self.is_mounted:
            return
        label = self.query_one("#effect-note", Static)
        note = self.notes.get(index or 0)
        if note is None:
            label.update("")
            return
        look = EFFECT_LOOK[note.effect]
        mark = effect_mark(note.effect, self.look)
        mark = "" if mark == note.words else f"{mark} "
        label.update(
            Content.assemble(
                Content.styled(f"Statement {index}: {mark}{note.words}", f"bold {look.style}"),
                f"  {note.note}" if note.note else "",
            )
        )
