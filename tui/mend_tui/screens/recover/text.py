"""What the wizard's steps say, as styled text: the failure, the diagnostics and the drift,
each plan in a few lines with risk badges, the whole plan as one script for the preview, and
the `_prisma_migrations` rows before and after. Pure functions of the engine's values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content

from mend_core.database.statements import Statement
from mend_core.history.table import HistoryRow
from mend_core.history.timestamps import format_timestamp
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import Direction, RecoveryPlan, unrelated_drift
from mend_core.recovery.risks import RiskKind, RiskNote
from mend_tui.incident_text import ADVICE, table_lines
from mend_tui.presentation import Look, brief

NONE = "—"

# A risk's badge: its words and style; meaning is in the words, colour only adds to them.
RISK_BADGE: dict[str, tuple[str, str]] = {
    "data_loss": ("DATA LOSS", "bold reverse $text-error"),
    "lock": ("LOCK", "bold reverse $text-warning"),
    "not_transactional": ("NOT ATOMIC", "bold reverse $text-warning"),
    "data_statement": ("DATA", "bold reverse $text-accent"),
    "generated": ("GENERATED", "bold reverse $text-primary"),
    "collateral": ("COLLATERAL", "bold reverse $text-error"),
}


def badge(risk: RiskNote) -> Content:
    words, style = RISK_BADGE.get(risk.kind, (risk.kind.upper(), "bold reverse"))
    return Content.styled(f" {words} ", style)


# -- Inspect ------------------------------------------------------------------------------------
def failure_content(incident: Incident, look: Look) -> Content:
    """Where it failed and why, in four lines at most."""
    failure = incident.failure
    marks = look.marks
    where = failure.where()
    if failure.process_died:
        headline = f"{marks.failed} `{incident.migration}` stopped at {where}: no logs"
    else:
        headline = f"{marks.failed} `{incident.migration}` failed at {where}"
    parts: list[Content | str] = [Content.styled(headline, "bold $text-error")]
    if failure.process_died:
        parts += ["\n", "The process was killed or lost its connection before writing its logs."]
    elif failure.message:
        code = f"[{failure.error_code}] " if failure.error_code else ""
        parts += ["\n", Content.styled(code, "bold"), failure.first_message_line()]
    if failure.detail:
        parts += ["\n", Content.styled("Detail: ", "bold"), failure.detail.strip()]
    if incident.cause is not None:
        data = ""
        if incident.cause.data_caused:
            blocking = blocking_values(incident)
            data = f" (the data caused it: {blocking})" if blocking else " (the data caused it)"
        parts += ["\n", Content.styled("Cause: ", "bold"), incident.cause.describe() + data]
    if incident.script_edited:
        parts += [
            "\n",
            Content.styled(
                "migration.sql changed since the failed attempt ran it: this is the file now.",
                "$text-warning",
            ),
        ]
    return Content.assemble(*parts)


def blocking_values(incident: Incident, most: int = 3) -> str:
    """The duplicated values that block the index, first of the diagnostics' sample, for the
    first screen (the full table is in the diagnostics panel): "`paul` in 2 rows"."""
    for diagnostic in incident.diagnostics:
        if diagnostic.kind != "duplicates" or not diagnostic.sample:
            continue
        width = len(diagnostic.columns)
        counted = "rows" in diagnostic.headers
        said = []
        for row in diagnostic.sample[:most]:
            value = ", ".join(str(v) for v in row[:width])
            rows = f" in {row[diagnostic.headers.index('rows')]} rows" if counted else ""
            said.append(f"`{value}`{rows}")
        more = (diagnostic.count or len(diagnostic.sample)) - len(said)
        return ", ".join(said) + (f" and {more} more" if more > 0 else "")
    return ""


def facts_content(incident: Incident) -> Content:
    """The data diagnostics (each a table and its query), then the unrelated drift."""
    parts: list[Content | str] = []
    if incident.diagnostics:
        parts.append(Content.styled("Data diagnostics (read-only queries)", "bold $text-accent"))
        for diagnostic in incident.diagnostics:
            parts += ["\n", diagnostic.summary]
            lines = table_lines(diagnostic.headers, diagnostic.sample)
            for number, line in enumerate(lines):
                style = "bold" if number == 0 else ("$text-muted" if number == 1 else "")
                parts += ["\n", Content.styled(f"  {line}", style)]
            query = " ".join(diagnostic.query.split())
            parts += ["\n", Content.styled(f"  query: {query}", "$text-muted"), "\n"]
    elif incident.cause is not None and not incident.cause.data_caused:
        parts += [Content.styled("Data diagnostics", "bold $text-accent"), "\n"]
        parts += ["None: the data did not cause this failure.", "\n"]
    drift = unrelated_drift(incident)
    parts.append(Content.styled("Unrelated drift: recovery leaves it alone", "bold $text-accent"))
    if drift.left_alone:
        parts += [piece for summary in drift.left_alone for piece in ("\n", f"  {summary}")]
    else:
        parts += ["\n", "  none"]
    if drift.removed_by_roll_back:
        parts += [
            "\n",
            Content.styled(
                "Not made by this migration: a roll back removes it first, in its own step",
                "bold $text-warning",
            ),
        ]
        for what, ddl in drift.removed_by_roll_back:
            parts += ["\n", f"  {what} (built on what the migration added)"]
            parts += ["\n", Content.styled(f"  to make it again: {' '.join(ddl)}", "$text-muted")]
    return Content.assemble(*parts)


# -- Choose -------------------------------------------------------------------------------------
RECORDED = {Direction.ROLL_BACK: "rolled back", Direction.ROLL_FORWARD: "applied"}
ADVICE_FOR = {Direction.ROLL_BACK: ADVICE[0], Direction.ROLL_FORWARD: ADVICE[1]}
WHAT = {
    Direction.ROLL_BACK: "Undo what the migration did, then record it rolled back.",
    Direction.ROLL_FORWARD: "Finish the migration, then record it applied.",
}


STEPS_SHOWN = 12  # in a plan's summary on the Choose step (the Preview shows every one)


def choice_content(plan: RecoveryPlan, data_fix_next: bool) -> Content:
    """One plan in words: when to choose it, its steps with risk badges, the history change,
    what is left to do afterwards; blocked, and why."""
    parts: list[Content | str] = [
        Content.styled(ADVICE_FOR[plan.direction], "italic $text-muted"),
        "\n",
        Content.styled(WHAT[plan.direction], "bold"),
    ]
    if plan.blocked and data_fix_next:
        # The engine's words name the CLI's options; here the next step is the way.
        parts += [
            "\n",
            Content.styled("BLOCKED until the data is fixed: ", "bold $text-error"),
            "the failing statement fails again on the same rows. Choosing it goes to Data fix, "
            "where you pick or write the fix that runs right before it.",
        ]
    elif plan.blocked:
        parts += ["\n", Content.styled("BLOCKED: ", "bold $text-error"), plan.blocked]
    if not plan.steps:
        parts += ["\n", "  (no SQL to run)"]
    for step in plan.steps[:STEPS_SHOWN]:
        alone = "" if step.transactional or not plan.in_one_transaction else " (alone)"
        parts += ["\n", Content.styled(f"{step.number}. ", "bold"), step.summary + alone]
        for risk in step.risks:
            parts += ["\n   ", badge(risk), " ", risk.text]
    rest = plan.steps[STEPS_SHOWN:]
    if rest:
        # A plan of thousands of steps is read in the Preview; here, what the rest risks.
        kinds: dict[RiskKind, int] = {}
        for step in rest:
            for kind in {risk.kind for risk in step.risks}:
                kinds[kind] = kinds.get(kind, 0) + 1
        parts += ["\n", Content.styled(f"... and {len(rest):,} more steps", "bold")]
        for kind, count in sorted(kinds.items()):
            parts += ["\n   ", badge(RiskNote(kind, "")), f" in {count:,} of them"]
    for note in plan.notes:
        parts += ["\n", Content.styled("Note: ", "bold $text-warning"), note]
    parts += ["\n", Content.styled("History: ", "bold"), plan.history.command]
    parts += ["\n", Content.styled("Afterwards: ", "bold"), plan.afterwards]
    return Content.assemble(*parts)


# -- Preview ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanScript:
    """The plan as one script: each step under a comment with its risk notes, its statements
    numbered across the plan."""

    text: str
    statements: tuple[Statement, ...]


def plan_script(plan: RecoveryPlan) -> PlanScript:
    lines: list[str] = []
    statements: list[Statement] = []
    for step in plan.steps:
        if lines:
            lines.append("")
        # (On MySQL every DDL step commits on its own, which its risk note says.)
        alone = (
            " (runs alone: cannot share the transaction)"
            if not step.transactional and plan.in_one_transaction
            else ""
        )
        lines.append(f"-- Step {step.number}. {step.summary}{alone}")
        lines += [f"--   ! {risk.text}" for risk in step.risks]
        for sql in step.sql:
            text = sql.strip()
            text = text if text.endswith(";") else text + ";"
            statements.append(Statement(len(statements) + 1, text, len(lines) + 1))
            lines += text.split("\n")
    if not lines:
        lines.append("-- No SQL to run: only the history changes.")
    return PlanScript("\n".join(lines) + "\n", tuple(statements))


def row_lines(row: HistoryRow) -> list[str]:
    """One `_prisma_migrations` row, a column a line (short enough for a side panel)."""
    logs = brief(" ".join((row.logs or "").split()), 40) if row.logs else NONE
    checksum = f"{row.checksum[:12]}…" if len(row.checksum) > 12 else row.checksum
    return [
        f"id {row.id}",
        f"checksum {checksum}",
        f"started_at {format_timestamp(row.started_at) or NONE}",
        f"finished_at {format_timestamp(row.finished_at) or NONE}",
        f"rolled_back_at {format_timestamp(row.rolled_back_at) or NONE}",
        f"applied_steps_count {row.applied_steps_count}",
        f"logs {logs}",
    ]


def history_content(incident: Incident, plan: RecoveryPlan) -> Content:
    """The migration's rows in `_prisma_migrations` now, the change the plan ends with, then
    the plan's notes and what comes afterwards."""
    failed = [row for row in incident.attempts if row.failed]
    parts: list[Content | str] = [
        Content.styled("Before: ", "bold $text-accent"),
        "the failed attempt" if len(failed) == 1 else f"{len(failed)} failed attempts",
    ]
    for row in failed:
        parts += [piece for line in row_lines(row) for piece in ("\n", f"  {line}")]
    parts += ["\n\n", Content.styled("After: ", "bold $text-accent"), plan.history.command]
    parts += [piece for line in plan.history.describe() for piece in ("\n", f"  - {line}")]
    for note in plan.notes:
        parts += ["\n\n", Content.styled("Note: ", "bold $text-warning"), note]
    parts += ["\n\n", Content.styled("Then: ", "bold $text-accent"), plan.afterwards]
    return Content.assemble(*parts)


def plan_facts(plan: RecoveryPlan, read_only: bool) -> Content:
    """How it runs and the fingerprint; blocked, and why; read-only, and what then."""
    how = "in one transaction" if plan.in_one_transaction else "statement by statement (MySQL)"
    parts: list[Content | str] = [
        Content.styled(plan.direction.words.capitalize(), "bold"),
        f": {steps_words(plan.steps)} {how}, then recorded {RECORDED[plan.direction]}. ",
        Content.styled("Fingerprint ", "bold"),
        plan.fingerprint.short,
        Content.styled(" (checked again before it runs)", "$text-muted"),
    ]
    if plan.blocked:
        parts += ["\n", Content.styled("BLOCKED: ", "bold $text-error"), plan.blocked]
    if read_only:
        parts += [
            "\n",
            Content.styled(
                "Read-only: Rehearse and Execute are disabled (the session refuses writes). "
                "s saves the runbook for a DBA.",
                "bold $text-warning",
            ),
        ]
    return Content.assemble(*parts)


def steps_words(steps: Sequence[object]) -> str:
    return f"{len(steps)} step" + ("" if len(steps) == 1 else "s")
