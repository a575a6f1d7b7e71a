"""`mend report`: the incident report in Markdown, from the journal and the database.

Timeline, the error, the statements and what each left behind, the diagnostics, the decision,
the SQL that ran (with timings), the verification, and the migration's history rows now. It
reads: the journal (what mend did, in order) and the database (through a read-only session).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mend_core.database.journal import default_journal_path, journal_head, read_journal
from mend_core.errors import M7002, MendError
from mend_core.history.classify import MigrationState
from mend_core.history.failure import first_line_of
from mend_core.history.status import get_status
from mend_core.history.timestamps import format_timestamp
from mend_core.output.control_text import visible
from mend_core.project.context import Context


@dataclass(frozen=True)
class IncidentReport:
    migration: str
    target: str
    made_at: datetime
    state: str  # the migration's state now
    timeline: tuple[dict[str, Any], ...]
    analysis: dict[str, Any] | None  # the incident as last analysed (journal or live)
    recovery: dict[str, Any] | None  # the last recovery run's plan
    statements_run: tuple[dict[str, Any], ...]
    verification: dict[str, Any] | None
    history: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = field(default=())
    journal_head: str = ""  # `ENTRIES:SHA256` of the journal when the report was made

    def to_json(self) -> dict[str, Any]:
        return {
            "migration": self.migration,
            "target": self.target,
            "made_at": self.made_at.isoformat(timespec="seconds"),
            "state": self.state,
            "timeline": list(self.timeline),
            "analysis": self.analysis,
            "recovery": self.recovery,
            "statements_run": list(self.statements_run),
            "verification": self.verification,
            "history": list(self.history),
            "notes": list(self.notes),
            "journal_head": self.journal_head,
        }

    def markdown(self) -> str:
        return render_markdown(self)


def incident_report(context: Context, name: str | None = None) -> IncidentReport:
    """The report for `name` (default: the failed migration, else the last one recovered)."""
    journal = context.journal_path or default_journal_path()
    entries = read_journal(journal)
    report = get_status(context)
    name = name or _default_name(report.migrations, entries)
    found = report.get(name)
    if found is None:
        raise MendError(
            M7002,
            f"`{name}` is neither in the migrations folder nor in the history table.",
            "`mend status` lists every migration.",
        )
    target = context.target.display()
    entries = [e for e in entries if e.get("target") == target]
    mine = [e for e in entries if e.get("migration") == name]
    runs = {e.get("run") for e in mine if e.get("event") == "recovery_started"}
    in_runs = [e for e in entries if e.get("run") in runs]
    timeline = tuple(
        _timeline_entry(e) for e in entries if (e in mine or e in in_runs) and _notable(e)
    )
    started = [e for e in in_runs if e.get("event") == "recovery_started"]
    last = started[-1] if started else None
    analysis = last.get("analysis") if last else None
    notes: list[str] = []
    if found.state is MigrationState.FAILED:
        # deferred: the analysis (the schema engine, ~30 ms) only for a migration still failed
        from mend_core.recovery.incident import inspect_incident

        analysis = inspect_incident(context, name).to_json()
        notes.append("The migration is still failed: the analysis is the live one, made now.")
    elif analysis is None:
        notes.append("The journal holds no recovery of this migration by mend.")
    run = last.get("run") if last else None
    statements = tuple(
        {"step": e.get("step"), "sql": e.get("sql"), "at": e.get("at")} | _seconds(in_runs, e)
        for e in in_runs
        if e.get("run") == run and e.get("event") == "statement_started"
    )
    verified = [e for e in in_runs if e.get("run") == run and e.get("event") == "recovery_verified"]
    history = tuple(
        {
            "id": row.id,
            "checksum": row.checksum,
            "started_at": format_timestamp(row.started_at),
            "finished_at": format_timestamp(row.finished_at),
            "rolled_back_at": format_timestamp(row.rolled_back_at),
            "applied_steps_count": row.applied_steps_count,
        }
        for row in found.rows
    )
    return IncidentReport(
        migration=name,
        target=context.target.label(),
        made_at=context.clock(),
        state=found.state.value,
        timeline=timeline,
        analysis=analysis,
        recovery=last.get("plan") if last else None,
        statements_run=statements,
        verification=verified[-1].get("result") if verified else None,
        history=history,
        notes=tuple(notes),
        journal_head=journal_head(journal).token,
    )


def _default_name(migrations: Any, entries: list[dict[str, Any]]) -> str:
    failed = [m.name for m in migrations if m.state is MigrationState.FAILED]
    if len(failed) == 1:
        return str(failed[0])
    recovered = [e.get("migration") for e in entries if e.get("event") == "recovery_started"]
    if recovered and not failed:
        return str(recovered[-1])
    raise MendError(
        M7002,
        "Name the migration to report on: "
        + (f"{len(failed)} have failed ({', '.join(failed)})." if failed else "none has failed.")
        if failed
        else "Name the migration to report on: none has failed and mend recovered none.",
        "For example: mend report 20240103000000_unique",
    )


_QUIET = {"statement_started", "statement_finished", "row_rolled_back", "row_marked_applied"}


def _notable(entry: dict[str, Any]) -> bool:
    """Timeline-worthy: not each statement (they are under 'SQL run'), not a rehearsal's rows
    (rolled back with it)."""
    return entry.get("event") not in _QUIET or entry.get("command") not in ("recover", "rehearse")


def _timeline_entry(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("migration", "direction", "step", "statement", "error_code", "seconds")
    detail: dict[str, Any] = {k: entry[k] for k in keys if k in entry}
    failure = entry.get("failure")
    if isinstance(failure, dict):
        detail["error_code"] = failure.get("error_code")
        detail["effect"] = failure.get("effect")
    return {
        "at": entry.get("at"),
        "command": entry.get("command"),
        "event": entry.get("event"),
        "by": entry.get("by"),
        "detail": detail,
    }


def _seconds(entries: list[dict[str, Any]], started: dict[str, Any]) -> dict[str, Any]:
    index = entries.index(started)
    for entry in entries[index + 1 :]:
        if entry.get("event") == "statement_finished" and entry.get("step") == started.get("step"):
            return {"seconds": entry.get("seconds")}
    return {"seconds": None}


def render_markdown(report: IncidentReport) -> str:
    out = [
        f"# Incident report: `{report.migration}`",
        "",
        f"- Database: {report.target}",
        f"- State now: {report.state.replace('_', ' ')}",
        f"- Report made: {report.made_at.isoformat(timespec='seconds')}",
        # Recorded outside the journal: `mend journal --verify --head` then finds lines removed
        # or rewritten even by someone who also rewrote the journal's anchor.
        f"- Journal head: `{report.journal_head}`",
    ]
    for note in report.notes:
        out.append(f"- Note: {note}")
    out += ["", "## Timeline", ""]
    if report.timeline:
        out += ["| at | command | event | detail |", "|---|---|---|---|"]
        for entry in report.timeline:
            detail = ", ".join(f"{k}={v}" for k, v in entry["detail"].items() if v is not None)
            out.append(
                f"| {entry['at']} | {entry['command']} | {entry['event']} | {_cell(detail)} |"
            )
    else:
        out.append("Nothing in the journal for this migration.")
    analysis = report.analysis
    if analysis:
        failure = analysis.get("failure") or {}
        out += ["", "## The failure", "", analysis.get("summary", "")]
        if failure.get("message"):
            out += ["", "```", str(failure["message"]).strip(), "```"]
        cause = analysis.get("cause")
        if cause:
            out += ["", f"Cause: {cause.get('description', '')}"]
        out += ["", "## Statements and their effects", ""]
        out += ["| # | line | effect | statement | note |", "|---|---|---|---|---|"]
        for statement in analysis.get("statements", []):
            first = first_line_of(str(statement.get("sql", "")), 70)
            out.append(
                f"| {statement['statement']} | {statement['line']} | "
                f"{str(statement['effect']).replace('_', ' ')} | `{_cell(first)}` | "
                f"{_cell(statement.get('note') or '')} |"
            )
        diagnostics = analysis.get("diagnostics") or []
        if diagnostics:
            out += ["", "## Diagnostics", ""]
            for diagnostic in diagnostics:
                out += [f"- {diagnostic.get('summary')}", "", "  ```sql"]
                out += [f"  {line}" for line in str(diagnostic.get("query", "")).splitlines()]
                out += ["  ```"]
        drift = (analysis.get("unrelated_drift") or {}).get("changes") or []
        out += ["", "Unrelated drift (left alone): " + ("; ".join(drift) if drift else "none")]
    if report.recovery:
        plan = report.recovery
        out += ["", "## Decision", "", f"{str(plan.get('direction')).replace('_', ' ')}."]
        if plan.get("data_fix"):
            out.append(f"Data fix: {plan['data_fix'].get('source')}.")
        out += [f"{s['number']}. {s['summary']}" for s in plan.get("steps", [])]
        out.append(f"History: `{(plan.get('history') or {}).get('command')}`.")
        out.append(f"Afterwards: {plan.get('afterwards')}")
        not_ours = plan.get("not_made_by_the_migration") or []
        if not_ours:
            out += [
                "",
                "Not made by this migration, and removed or changed by the plan in steps of "
                "their own; the SQL that makes each again:",
                "",
            ]
            for item in not_ours:
                out += [f"- {item.get('object')}", "", "  ```sql"]
                out += [f"  {line}" for line in item.get("ddl", [])]
                out += ["  ```"]
        left = plan.get("left_alone") or []
        if left:
            out.append(
                "Left as they are (the migration did not make them): " + "; ".join(left) + "."
            )
    if report.statements_run:
        out += ["", "## SQL run", ""]
        for statement in report.statements_run:
            took = statement.get("seconds")
            timing = f" ({float(took) * 1000:.0f} ms)" if took is not None else ""
            out += [
                f"Step {statement.get('step')}{timing}:",
                "",
                "```sql",
                str(statement.get("sql")),
                "```",
                "",
            ]
    if report.verification:
        verification = report.verification
        out += ["", "## Verification", ""]
        out.append("Passed." if verification.get("ok") else "FAILED.")
        for problem in verification.get("mismatches", []) + verification.get(
            "unrelated_changed", []
        ):
            out.append(f"- {problem}")
        out.append(f"Status then: {verification.get('status')}")
    out += ["", "## History now (`_prisma_migrations`)", ""]
    out += ["| id | started | finished | rolled back | steps |", "|---|---|---|---|---|"]
    for row in report.history:
        out.append(
            f"| {row['id']} | {row['started_at']} | {row['finished_at']} | "
            f"{row['rolled_back_at']} | {row['applied_steps_count']} |"
        )
    # Names, values, logs and SQL come from the folder and the database: a report is read in a
    # terminal (`cat`, `less -R`) as often as rendered, so control characters are shown.
    return visible("\n".join(out).rstrip() + "\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_report(report: IncidentReport, path: Path, as_json: bool = False) -> None:
    text = json.dumps(report.to_json(), indent=2, default=str) if as_json else report.markdown()
    path.write_text(text, encoding="utf-8")
