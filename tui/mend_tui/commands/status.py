"""`mend status`: a table of migrations, the database's state in words, and the next step."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mend_core.errors import MendError
from mend_core.status import MigrationState, MigrationStatus, StatusReport, get_status
from mend_core.timestamps import format_timestamp
from mend_tui.commands.common import build_context
from mend_tui.terminal import Glyphs, echo, glyphs, style

STATE_COLORS = {
    MigrationState.APPLIED: "green",
    MigrationState.PENDING: "yellow",
    MigrationState.FAILED: "red",
    MigrationState.MISSING_LOCALLY: "magenta",
}


def run_status(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    as_json: bool,
) -> None:
    try:
        context = build_context(
            url=url, schema=schema, migrations_dir=migrations_dir, read_only=read_only
        )
        report = get_status(context)
    except MendError as error:
        if not as_json:
            raise
        echo(
            json.dumps(
                {"error": {"code": error.code, "message": error.message, "hint": error.hint}},
                indent=2,
            )
        )
        sys.exit(1)
    if as_json:
        echo(json.dumps(report.to_json(), indent=2))
    else:
        echo("\n".join(render_status(report, glyphs())))
    sys.exit(report.exit_code)


def state_glyph(migration: MigrationStatus, marks: Glyphs) -> str:
    return {
        MigrationState.APPLIED: marks.applied,
        MigrationState.PENDING: marks.pending,
        MigrationState.FAILED: marks.failed,
        MigrationState.MISSING_LOCALLY: marks.missing,
    }[migration.state]


def note(migration: MigrationStatus) -> str:
    parts = []
    failure = migration.failure()
    if migration.state is MigrationState.FAILED:
        if failure is None:
            parts.append("no logs: the run was interrupted (process killed or connection lost)")
        else:
            where = (
                f"statement {failure.statement_index}"
                + (f" of {failure.statement_count}" if failure.statement_count else "")
                + ": "
                if failure.statement_index
                else ""
            )
            message = failure.message.splitlines()[0] if failure.message else ""
            code = f"[{failure.error_code}] " if failure.error_code else ""
            parts.append(f"{where}{code}{message}")
    if migration.missing_script:
        parts.append("migration.sql missing")
    if migration.rolled_back_attempts:
        parts.append(f"{migration.rolled_back_attempts} rolled-back attempt(s)")
    return "; ".join(parts)


def render_status(report: StatusReport, marks: Glyphs) -> list[str]:
    lines = [
        f"{style(report.target, bold=True)}  (from {report.url_source})",
        f"Migrations folder: {report.migrations_dir}",
        "",
    ]
    width = min(max((len(m.name) for m in report.migrations), default=4), 60)
    for migration in report.migrations:
        color = STATE_COLORS[migration.state]
        state = migration.state.value.replace("_", " ")
        if migration.edited:
            state += f" {marks.edited}edited"
        name = migration.name if len(migration.name) <= width else migration.name[: width - 1] + "…"
        started = format_timestamp(migration.started_at) if migration.started_at else ""
        text = note(migration)
        lines.append(
            f"  {style(state_glyph(migration, marks), fg=color)} {name:<{width}}  "
            f"{style(f'{state:<16}', fg=color)} {started:<27} {text}".rstrip()
        )
    if not report.migrations:
        lines.append("  (no migrations)")
    if report.rolled_back_removed:
        lines.append(
            f"  Rolled back and removed from the folder: {', '.join(report.rolled_back_removed)}"
        )
    counts = report.counts()
    lines += [
        "",
        f"{counts['applied']} applied, {counts['pending']} pending, {counts['failed']} failed, "
        f"{counts['missing_locally']} missing locally, {counts['edited']} edited.",
    ]
    for warning in report.warnings:
        lines.append(style(f"Warning: {warning}", fg="yellow"))
    if report.lock_holder:
        lines.append(f"The migration lock is held by {report.lock_holder}.")
    lines += [
        "",
        f"{style('State:', bold=True)} {report.state.value.replace('_', ' ')}. {report.message}",
        f"{style('Next:', bold=True)} {report.next_step}",
    ]
    return lines
