"""An incident and its recovery plans in words: the lines `mend inspect`, `mend plan` and
`mend recover` print, and the recovery wizard shows. Plain text, no styling: the caller styles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mend_core.history.failure import excerpt_of
from mend_core.history.folder import shell_word
from mend_core.history.timestamps import format_timestamp
from mend_core.recovery.collateral import unrelated_drift
from mend_core.recovery.effects import StatementEffect
from mend_core.recovery.incident import Incident
from mend_tui.effect_look import EFFECT_LOOK, Effect

if TYPE_CHECKING:
    # Not imported to run: `mend inspect` prints no plan, and the planner costs start-up time.
    from mend_core.recovery.plan import RecoveryPlan

ADVICE = (
    "Roll back when the data that blocked the migration is valid: undo what it did, change "
    "the migration, deploy it again.",
    "Roll forward when that data is a mistake: fix the data, finish the migration, record it "
    "as applied.",
)


def effect_mark(effect: StatementEffect, ascii_only: bool = False) -> str:
    """The statement's effect as the app's gutter shows it: a glyph, or ASCII."""
    look = EFFECT_LOOK[Effect.named(effect.effect.value)]
    return look.words if ascii_only else look.glyph


def incident_lines(incident: Incident, ascii_only: bool = False) -> list[str]:
    """The analysis, as `mend inspect` prints it."""
    failure = incident.failure
    lines = [f"Incident: {incident.summary()}", ""]
    for number, row in enumerate(incident.attempts, start=1):
        state = "failed" if row.failed else ("rolled back" if row.rolled_back else "applied")
        lines.append(
            f"Attempt {number}: started {format_timestamp(row.started_at)}, {state} (id {row.id})"
        )
    source = {
        "mend": "mend's logs",
        "prisma": "Prisma's logs",
        "none": "no logs: the process died",
    }.get(failure.source, "logs in an unknown form")
    if incident.in_progress:
        source = (
            "none yet: in progress, a deploy holds the migration lock "
            f"(holder: {incident.lock_holder}); the statements below show how far it got"
        )
    lines.append(f"Failure record: {source}.")
    if failure.message:
        lines.append(
            "Database error" + (f" ({failure.error_code})" if failure.error_code else "") + ":"
        )
        lines += message_lines(failure.message, incident.migration)
    if incident.cause is not None:
        data = " (caused by the data)" if incident.cause.data_caused else ""
        lines.append(f"Cause: {incident.cause.describe()}{data}")
    if incident.script_edited:
        lines.append(
            "Note: migration.sql changed since the failed attempt ran it; the statements below "
            "are the file as it is now."
        )
    lines += ["", "Statements, checked against the live catalog:"]
    for effect in incident.effects:
        statement = effect.statement
        mark = effect_mark(effect, ascii_only)
        lines.append(
            f"  {mark} {statement.index:>3} (line {statement.line:>3})  {effect.words:<16} "
            f"{statement.first_line(60)}"
        )
        if effect.note:
            lines.append(f"        {effect.note}")
    if incident.diagnostics:
        lines += ["", "Diagnostics (read-only queries):"]
        for diagnostic in incident.diagnostics:
            lines.append(f"  {diagnostic.summary}")
            lines += [f"    {line}" for line in table_lines(diagnostic.headers, diagnostic.sample)]
            lines.append(f"    query: {' '.join(diagnostic.query.split())}")
    if incident.analysis_note and incident.diagnostics:
        lines.append(f"  {incident.analysis_note}")
    if incident.blockers:
        lines += ["", "Later statements that fail on the data too (the same fix round):"]
        for blocker in incident.blockers:
            lines.append(f"  statement {blocker.statement}: {blocker.cause.describe()}")
            for diagnostic in blocker.diagnostics:
                lines.append(f"    {diagnostic.summary}")
                lines += [
                    f"      {line}" for line in table_lines(diagnostic.headers, diagnostic.sample)
                ]
    if incident.templates:
        lines += ["", "Data-fix templates (a roll forward can start with one):"]
        for template in incident.templates:
            edit = " (edit before use)" if template.needs_editing else ""
            lines.append(f"  {template.name}: {template.description}{edit}")
    drift = unrelated_drift(incident)
    lines += ["", "Unrelated drift (recovery leaves it alone):"]
    lines += [f"  {summary}" for summary in drift.left_alone] or ["  none"]
    if drift.removed_by_roll_back:
        lines += [
            "",
            "Unrelated drift a roll back must remove first, in a step of its own (not made by "
            "this migration, but built on what it added):",
        ]
        for what, ddl in drift.removed_by_roll_back:
            lines.append(f"  {what}; to make it again: {' '.join(ddl)}")
    return lines


def message_lines(message: str, migration: str) -> list[str]:
    """The database's error, indented: its head only when it is long (Prisma's logs keep
    whatever the engine said, megabytes sometimes), and how to see the rest."""
    excerpt = excerpt_of(message.strip())
    lines = [f"  {line}" for line in excerpt.head.splitlines()]
    if excerpt.more_bytes:
        lines.append(
            f"  … {excerpt.more_bytes} more bytes: `mend inspect {shell_word(migration)} "
            "--full-logs` prints the whole logs, as does the app's history (Logs tab, l: all)."
        )
    return lines


def next_step_lines(incident: Incident) -> list[str]:
    # Quoted for the shell: the lines are commands to paste, and a folder may be named anything.
    name = shell_word(incident.migration)
    if incident.in_progress:
        return [
            "Next: nothing to recover yet. Wait for the deploy to finish; `mend status` shows "
            "when it ends, and whether the migration failed."
        ]
    forward = f"mend plan {name} --roll-forward"
    if incident.cause is not None and incident.cause.kind == "duplicates":
        forward += " --dedupe delete-keep-first"
    elif incident.data_caused:
        forward += " --data-fix fix.sql"
    return [
        "Next: compare the two ways out, then run one:",
        f"  mend plan {name} --roll-back",
        f"  {forward}",
        f"  mend recover {name} --roll-back | --roll-forward ...",
        *(f"  {advice}" for advice in ADVICE),
    ]


def plan_lines(plan: RecoveryPlan) -> list[str]:
    """A plan, as `mend plan` prints it."""
    lines = [f"Plan: {plan.direction.words} `{plan.migration}` ({len(plan.steps)} step(s))"]
    if plan.blocked:
        lines += ["", f"BLOCKED: {plan.blocked}"]
    for step in plan.steps:
        alone = "" if step.transactional else "  [runs alone, outside the transaction]"
        lines += ["", f"Step {step.number}: {step.summary}{alone}"]
        for risk in step.risks:
            lines.append(f"  ! {risk.text}")
        for sql in step.sql:
            lines += [f"    {line}" for line in sql.splitlines()]
    lines += ["", f"History ({plan.history.command}):"]
    lines += [f"  - {line}" for line in plan.history.describe()]
    for note in plan.notes:
        lines += ["", f"Note: {note}"]
    how = "in one transaction" if plan.in_one_transaction else "statement by statement"
    lines += [
        "",
        f"Runs {how}; rehearsal: {plan.rehearsable}.",
        f"Fingerprint: {plan.fingerprint.short} (checked again under the lock before it runs).",
        f"Afterwards: {plan.afterwards}",
    ]
    return lines


def choice_lines(plan: RecoveryPlan) -> list[str]:
    """A plan in a few lines, for choosing between the two."""
    # deferred: recovery.plan (risks, row counts) is not on `mend inspect`'s path; here a plan was
    # made with it, so it is loaded
    from mend_core.recovery.plan import Direction

    losses = [r.text for s in plan.steps for r in s.risks if r.kind == "data_loss"]
    what = (
        "undo what the migration did, then mark it rolled back"
        if plan.direction is Direction.ROLL_BACK
        else "finish the migration, then mark it applied"
    )
    lines = [f"{plan.direction.words.capitalize()}: {what}."]
    lines += [f"  {s.number}. {s.summary}" for s in plan.steps] or ["  (no SQL to run)"]
    lines += [f"  ! {loss}" for loss in losses]
    lines.append(f"  then: {plan.history.command}")
    if plan.blocked:
        lines.append(f"  BLOCKED: {plan.blocked}")
    lines.append(f"  afterwards: {plan.afterwards}")
    return lines


def table_lines(headers: tuple[str, ...], rows: tuple[tuple[object, ...], ...]) -> list[str]:
    """Rows under headers, columns padded; long values cut."""
    if not headers:
        return []
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max([len(h)] + [len(r[i]) for r in cells if i < len(r)]) for i, h in enumerate(headers)
    ]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    for row in cells:
        lines.append(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)))
    return lines


def _cell(value: object, width: int = 40) -> str:
    text = "NULL" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"
