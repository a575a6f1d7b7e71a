"""What each statement left in the database, as the SQL view shows it: effects read off a
failure record for now, and any {statement index: effect} the caller passes (the recovery
engine's, later), as a glyph in colour and as words without colour or with --ascii."""

from __future__ import annotations

from textual.app import App, ComposeResult

from mend_core.database.statements import Statement
from mend_core.history.failure import FailureRecord
from mend_tui.presentation import EFFECT_LOOK, Effect, Look
from mend_tui.statement_effects import effects_from_failure
from mend_tui.widgets.sql_view import SqlView
from tui_support import non_ascii, screen_text

SCRIPT = "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nCREATE INDEX i ON a (x);\n"
STATEMENTS = [
    Statement(1, "CREATE TABLE a (x int);", 1),
    Statement(2, "INSERT INTO a VALUES (1);", 2),
    Statement(3, "CREATE INDEX i ON a (x);", 3),
]


def test_effects_from_a_record_that_says_what_persisted():
    record = FailureRecord("mend", statement_index=3, committed=(1,), rolled_back=(2,))
    assert effects_from_failure(record, 4) == {
        1: Effect.TOOK_EFFECT,
        2: Effect.NOT_RUN,
        3: Effect.FAILED,
        4: Effect.NOT_RUN,
    }


def test_effects_from_a_record_that_does_not_say():
    prisma = FailureRecord("prisma", statement_index=2)  # Prisma's logs: what persisted is unknown
    assert effects_from_failure(prisma, 3) == {
        1: Effect.UNKNOWN,
        2: Effect.FAILED,
        3: Effect.NOT_RUN,
    }
    died = FailureRecord("none", process_died=True)
    assert set(effects_from_failure(died, 2).values()) == {Effect.UNKNOWN}
    assert effects_from_failure(None, 3) == {}


def test_an_effect_this_version_does_not_know_is_unknown():
    assert Effect.named("partially") is Effect.PARTIALLY
    assert Effect.named("something_new") is Effect.UNKNOWN


class ViewApp(App[None]):
    def __init__(self, look: Look, effects: dict[int, str]) -> None:
        super().__init__()
        self.look, self.effects = look, effects

    def compose(self) -> ComposeResult:
        yield SqlView(self.look)

    def on_mount(self) -> None:
        view = self.query_one(SqlView)
        view.load(SCRIPT, STATEMENTS, failing=None, effects=self.effects)
        view.focus()


async def shown(look: Look, effects: dict[int, str]) -> list[str]:
    app = ViewApp(look, effects)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        return screen_text(app).splitlines()[:3]


async def test_the_gutter_shows_each_effect_the_caller_passes():
    effects = {1: "took_effect", 2: "data_statement", 3: "conflicting"}
    lines = await shown(Look(), effects)
    assert lines[0].startswith("▶✓ 1 1 │ CREATE TABLE")  # the current statement: the first
    assert lines[1].startswith(f" {EFFECT_LOOK[Effect.DATA_STATEMENT].glyph} 2 2 │ INSERT")
    assert lines[2].startswith(f" {EFFECT_LOOK[Effect.CONFLICTING].glyph} 3 3 │ CREATE INDEX")


async def test_the_gutter_spells_effects_out_without_colour_or_with_ascii():
    effects = {1: "took_effect", 2: "partially", 3: "failed"}
    for look in (Look(color=False), Look(ascii=True)):
        lines = await shown(look, effects)
        assert "took effect" in lines[0] and "partially" in lines[1] and "failed" in lines[2]
        if look.ascii:
            assert not non_ascii("\n".join(lines))
            assert lines[0].startswith(">took effect")


async def test_no_effects_no_column():
    lines = await shown(Look(), {})
    assert lines[0].startswith("▶1 1 │ CREATE TABLE")
