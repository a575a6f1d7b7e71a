"""How mend shows a state: its glyph, colour and words, in one place for the app and the CLI.

Pure data and string functions: no Textual, no Rich, so that `mend status` stays fast to start.
Colours are given twice, as the app's theme variables (`$text-success`) and as the terminal
colour names the CLI uses (`green`); meaning never rests on colour alone (glyphs and words
differ too, for NO_COLOR and --ascii).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from mend_core.history.status import DatabaseState, MigrationState, MigrationStatus, StatusReport
from mend_tui.effect_look import EFFECT_LOOK as EFFECT_LOOK
from mend_tui.effect_look import EFFECT_WORDS_WIDTH as EFFECT_WORDS_WIDTH
from mend_tui.effect_look import Effect as Effect
from mend_tui.effect_look import EffectLook as EffectLook
from mend_tui.glyphs import ASCII as ASCII
from mend_tui.glyphs import UNICODE as UNICODE
from mend_tui.glyphs import Glyphs as Glyphs


@dataclass(frozen=True)
class Look:
    """How this terminal shows things: ASCII only (--ascii) and whether it has colour."""

    ascii: bool = False
    color: bool = True

    @property
    def marks(self) -> Glyphs:
        return ASCII if self.ascii else UNICODE

    @property
    def words(self) -> bool:
        """Spell marks out: a glyph told apart by colour alone is lost without colour."""
        return self.ascii or not self.color


# -- migrations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StateLook:
    words: str  # in sentences and the CLI
    short: str  # in the app's narrow table column
    style: str  # the app's theme
    color: str  # the CLI's terminal colour


MIGRATION_LOOK: dict[MigrationState, StateLook] = {
    MigrationState.APPLIED: StateLook("applied", "applied", "$text-success", "green"),
    MigrationState.PENDING: StateLook("pending", "pending", "$text-warning", "yellow"),
    MigrationState.FAILED: StateLook("failed", "failed", "bold $text-error", "red"),
    MigrationState.MISSING_LOCALLY: StateLook(
        "missing locally", "missing", "$text-secondary", "magenta"
    ),
}


def state_glyph(state: MigrationState, marks: Glyphs) -> str:
    return {
        MigrationState.APPLIED: marks.applied,
        MigrationState.PENDING: marks.pending,
        MigrationState.FAILED: marks.failed,
        MigrationState.MISSING_LOCALLY: marks.missing,
    }[state]


def state_label(state: MigrationState, edited: bool, marks: Glyphs, *, short: bool = False) -> str:
    """`applied`, `failed`, `applied ✎edited` (short: `applied ✎`)."""
    look = MIGRATION_LOOK[state]
    if not edited:
        return look.short if short else look.words
    return f"{look.short} {marks.edited}" if short else f"{look.words} {marks.edited}edited"


def note(migration: MigrationStatus) -> str:
    """What to know beyond the state: the failure, a missing script, rolled-back attempts."""
    parts = []
    failure = migration.failure()
    if failure is not None:
        if failure.process_died:
            parts.append("no logs: the run was interrupted (process killed or connection lost)")
        else:
            where = ""
            if failure.statement_index:
                where = f"statement {failure.statement_index}"
                where += f" of {failure.statement_count}" if failure.statement_count else ""
                where += ": "
            code = f"[{failure.error_code}] " if failure.error_code else ""
            parts.append(f"{where}{code}{failure.first_message_line()}")
    if migration.missing_script:
        parts.append("migration.sql missing")
    if migration.rolled_back_attempts:
        parts.append(f"{migration.rolled_back_attempts} rolled-back attempt(s)")
    return "; ".join(parts)


def steps_words(migration: MigrationStatus) -> str:
    """Prisma counts a SQL migration as one step: `Prisma steps 0/1` says it did not finish."""
    if migration.applied_steps_count is None:
        return ""
    return f"Prisma steps {migration.applied_steps_count}/1"


def statements_words(count: int) -> str:
    return f"{count} statement" + ("" if count == 1 else "s")


# -- the database -------------------------------------------------------------------------------
DATABASE_STYLE: dict[DatabaseState, str] = {
    DatabaseState.IN_SYNC: "$text-success",
    DatabaseState.BEHIND: "$text-warning",
    DatabaseState.FAILED: "bold $text-error",
    DatabaseState.DIVERGED: "bold $text-warning",
    DatabaseState.NOT_MANAGED: "bold $text-warning",
    DatabaseState.IN_PROGRESS: "$text-warning",
}


def database_words(state: DatabaseState) -> str:
    return state.value.replace("_", " ")


COUNT_WORDS = (
    ("applied", "applied"),
    ("pending", "pending"),
    ("failed", "failed"),
    ("missing_locally", "missing locally"),
    ("edited", "edited"),
)


def short_counts(report: StatusReport) -> str:
    """`2 applied, 1 failed`: the non-zero counts, for one line."""
    counts = report.counts()
    parts = [f"{counts[key]} {word}" for key, word in COUNT_WORDS if counts[key]]
    return ", ".join(parts) or "no migrations"


def counts_line(report: StatusReport, marks: Glyphs) -> str:
    """Every count with its glyph, zeros included (a zero is news in an incident)."""
    counts = report.counts()
    return (
        f"{marks.applied} {counts['applied']} applied  {marks.pending} {counts['pending']} "
        f"pending  {marks.failed} {counts['failed']} failed  {marks.missing} "
        f"{counts['missing_locally']} missing  {marks.edited} {counts['edited']} edited  "
        f"{counts['rolled_back_attempts']} rolled back"
    )


def next_step_brief(report: StatusReport) -> str:
    """The next step in two lines at most: the status report's own words when they are short,
    else the gist (the full text is in `mend status`; for a failure, `x` opens the wizard)."""
    if len(report.next_step) <= 120:
        return report.next_step
    if report.state is DatabaseState.FAILED:
        name = report.named(MigrationState.FAILED)[0].name
        return (
            f"press x: the recovery wizard inspects what `{name}` left behind, then rolls it "
            "back or forward, rehearsed and verified."
        )
    if report.state is DatabaseState.DIVERGED:
        return "restore the missing or edited migration folders from version control."
    if report.state is DatabaseState.NOT_MANAGED:
        return "baseline it with `mend resolve --applied` for each migration already applied."
    return report.next_step


# -- statements of a script: effect_look.py, re-exported ----------------------------------------


def effect_mark(effect: Effect, look: Look) -> str:
    return EFFECT_LOOK[effect].words if look.words else EFFECT_LOOK[effect].glyph


# The CLI's terminal colours for the same looks.
EFFECT_COLOR: dict[Effect, str] = {
    Effect.TOOK_EFFECT: "green",
    Effect.FAILED: "red",
    Effect.NOT_RUN: "white",
    Effect.PARTIALLY: "yellow",
    Effect.CONFLICTING: "yellow",
    Effect.DATA_STATEMENT: "cyan",
    Effect.NO_SCHEMA_CHANGE: "white",
    Effect.UNKNOWN: "white",
}


# -- text that must fit -------------------------------------------------------------------------
def elide(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` in `width` cells, keeping its start and its distinguishing end: migration names
    share their timestamp prefix and differ at the end (`2024…_add_user_email_index`). A
    migration's timestamp is cut first, and its name only when it does not fit alone."""
    if len(text) <= width:
        return text
    if width <= len(ellipsis):
        return text[:width]
    stamp, _, words = text.partition("_")
    if words and stamp.isdigit():
        room = width - len(ellipsis) - len(words) - 1
        if room >= 0:
            return stamp[:room] + ellipsis + "_" + words
        return ellipsis + words[len(words) - (width - len(ellipsis)) :]
    head = min(4, (width - len(ellipsis)) // 3)
    tail = width - len(ellipsis) - head
    return text[:head] + ellipsis + text[len(text) - tail :]


def brief(text: str, width: int, ellipsis: str = "…") -> str:
    """The start of `text` in `width` characters, cut at a word; whitespace collapsed."""
    return textwrap.shorten(text, width, placeholder=ellipsis)


def legend(look: Look) -> list[tuple[str, str]]:
    """(mark, meaning) for each state glyph, for the help."""
    marks = look.marks
    return [
        (marks.applied, "applied"),
        (marks.pending, "pending"),
        (marks.failed, "failed"),
        (marks.missing, "missing locally"),
        (marks.edited, "edited"),
    ]
