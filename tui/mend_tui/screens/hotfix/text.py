"""What the hotfix wizard's steps say, as Content: the items of the checklist, the SQL of one, a
target's state and action, the schema.prisma lines. Pure functions of the engine's data.

Told apart without colour too: an item is checked `[x]` or not `[ ]`, a failed migration's
leftover carries ` - ` and says "recover it instead"; a target's state is a mark and its word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.highlight import highlight

from mend_core.dialects import dialect_for
from mend_core.hotfix.grouping import DriftItem
from mend_core.hotfix.items import DriftItems
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.target_check import TargetState
from mend_tui.presentation import Look


# -- items ----------------------------------------------------------------------------------------
def item_prompt(item: DriftItem, checked: bool) -> Content:
    """`[x]  1  index `User_email_idx` on `User` (added)`."""
    box = "[x]" if checked else "[ ]"
    return Content.assemble(
        Content.styled(box, "bold" if checked else ""),
        f" {item.number:>2}  ",
        Content.styled(item.label, "bold" if checked else ""),
        Content.styled(f"  {item.change}", "$text-muted"),
    )


def leftover_prompt(item: DriftItem) -> Content:
    """` -      column `User.email`  failed migration's: recover it instead (x)`, greyed
    (which migration: the lead above the list, and the detail beside it)."""
    said = "recover it first (x)" if item.waits_for_recovery else "recover it instead (x)"
    return Content.styled(f" -      {item.label}  {said}", "$text-muted")


def item_detail(item: DriftItem, dialect: str) -> Content:
    """What the item is, where it came from, and the SQL that records it."""
    parts: list[Content | str] = [Content.styled(item.summary, "bold")]
    if item.is_hotfix:
        parts += ["\n", Content.styled("hotfix: nothing in the history explains it", "$text-muted")]
    elif item.waits_for_recovery:
        parts += [
            "\n",
            Content.styled(
                f"Made by hand on what failed migration {item.origin} left, which the history "
                "does not have: recover that migration first (x opens the recovery wizard), "
                "then record this as a hotfix.",
                "$text-warning",
            ),
        ]
    else:
        parts += [
            "\n",
            Content.styled(
                f"Left by failed migration {item.origin}: recover it instead (x opens the "
                "recovery wizard); never recorded as a hotfix.",
                "$text-warning",
            ),
        ]
    losses = [w for step in item.steps for w in step.warnings]
    if losses:
        parts += ["\n", Content.styled("Where deploy runs it: " + "; ".join(losses), "$text-error")]
    script = item.script(dialect).rstrip("\n")
    if script:
        parts += ["\n\n", highlight(script, language=dialect_for(dialect).lexer)]
    return Content.assemble(*parts)


def items_lead(drift: DriftItems) -> Content:
    """`Replayed 2 applied migrations in a shadow: 1 hotfix item, 2 left by ...`."""
    count = len(drift.items)
    found = f"{count} hotfix item{'' if count == 1 else 's'}" if count else "no hotfix item"
    parts: list[Content | str] = [
        f"Replayed {len(drift.applied)} applied migration"
        f"{'' if len(drift.applied) == 1 else 's'} in a shadow database and compared it with "
        f"the database: ",
        Content.styled(found, "bold"),
    ]
    if drift.leftovers:
        origins = sorted({item.origin or "" for item in drift.leftovers})
        waiting = sum(1 for item in drift.leftovers if item.waits_for_recovery)
        left = len(drift.leftovers) - waiting
        said = [f"{left} left by"] if left else []
        if waiting:
            said.append(f"{waiting} built on what was left by")
        parts += [
            ", ",
            Content.styled(
                f"{' and '.join(said)} failed migration {', '.join(origins)}",
                "bold $text-warning",
            ),
        ]
    parts.append(".")
    return Content.assemble(*parts)


def leftovers_on_the_same_tables(drift: DriftItems, items: Sequence[DriftItem]) -> list[DriftItem]:
    """Leftovers of a failed migration on the tables of these items: a hotfix built on what a
    failed migration added (an index on its new column) does not replay without it."""
    tables = {item.table or item.name for item in items}
    return [
        left
        for left in drift.leftovers
        if (left.table in tables) or (left.kind == "table" and left.name in tables)
    ]


# -- the preview ----------------------------------------------------------------------------------
def rehearsal_content(preview: HotfixPreview) -> Content:
    rehearsal = preview.rehearsal
    if rehearsal is None:
        return Content.styled("Not rehearsed.", "bold $text-warning")
    if rehearsal.ok:
        return Content.styled(rehearsal.describe(), "$text-success")
    said = rehearsal.describe().removeprefix("Rehearsal in a shadow database: ")
    parts: list[Content | str] = [
        Content.styled("The rehearsal failed: ", "bold $text-error"),
        Content.styled(said, "$text-error"),
    ]
    blocking = leftovers_on_the_same_tables(preview.drift, preview.items)
    if blocking:
        origins = sorted({left.origin or "" for left in blocking})
        labels = ", ".join(left.label for left in blocking)
        parts += [
            "\n",
            f"It is built on what failed migration {', '.join(origins)} left ({labels}), "
            "which the history does not have: recover that migration first (escape to Items, "
            "x), then record the hotfix.",
        ]
    return Content.assemble(*parts)


def hints_content(preview: HotfixPreview) -> Content:
    """The schema.prisma lines to add, and why."""
    if not preview.hints:
        return Content("")
    parts: list[Content | str] = [Content.styled("schema.prisma (mend never edits it):", "bold")]
    for hint in preview.hints:
        parts += ["\n  ", hint.describe()]
    if any(hint.line is not None for hint in preview.hints):
        parts += [
            "\n",
            Content.styled(
                "Add it: otherwise the next `prisma migrate dev` generates a migration that "
                "undoes this hotfix.",
                "bold $text-warning",
            ),
        ]
    return Content.assemble(*parts)


# -- targets --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StateLook:
    glyph: str
    ascii: str
    style: str
    words: str

    def mark(self, look: Look) -> str:
        return self.ascii if look.ascii else self.glyph


TARGET_LOOK: dict[TargetState, StateLook] = {
    TargetState.PATCHED: StateLook("✓", "+", "$text-success", "patched"),
    TargetState.UNPATCHED: StateLook("○", ".", "$text-muted", "unpatched"),
    TargetState.CONFLICT: StateLook("≠", "!", "bold $text-warning", "conflict"),
    TargetState.UNREACHABLE: StateLook("✗", "x", "bold $text-error", "unreachable"),
    TargetState.ERROR: StateLook("✗", "x", "bold $text-error", "error"),
    TargetState.THIS_DATABASE: StateLook("=", "=", "$text-accent", "this database"),
    TargetState.RECORDED: StateLook("✓", "+", "$text-muted", "recorded"),
    TargetState.DUPLICATE: StateLook("=", "=", "$text-muted", "duplicate"),
}
# What Apply does there, in the table's few words (the engine's own words are the detail's).
APPLY_WORDS: dict[TargetState, str] = {
    TargetState.PATCHED: "mark it applied (as mend resolve --applied)",
    TargetState.UNPATCHED: "leave it pending: mend deploy applies it",
    TargetState.CONFLICT: "touch nothing: resolve it by hand",
    TargetState.UNREACHABLE: "touch nothing: it could not be reached",
    TargetState.ERROR: "touch nothing: it could not be checked",
    TargetState.THIS_DATABASE: "nothing more: recorded here, never twice",
    TargetState.RECORDED: "nothing: the migration is recorded there already",
    TargetState.DUPLICATE: "nothing: the same database as another target",
}
CHECKING = StateLook("…", ".", "italic $text-muted", "checking")
NOT_SET = StateLook("?", "?", "bold $text-warning", "not set")
STATE_WIDTH = max(len(look.words) for look in (*TARGET_LOOK.values(), CHECKING, NOT_SET))


def state_cell(state: StateLook, look: Look) -> Content:
    """`✓ patched      `: the mark and the word, padded to one width."""
    return Content.styled(f"{state.mark(look)} {state.words:<{STATE_WIDTH}}", state.style)
