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
    show_all: bool,
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
        # Compact: the C encoder is several times faster than the indenting one on big histories.
        echo(json.dumps(report.to_json()))
    else:
        echo("\n".join(render_status(report, glyphs(), show_all=show_all)))
    sys.exit(report.exit_code)


def state_glyph(state: MigrationState, marks: Glyphs) -> str:
    return {
        MigrationState.APPLIED: marks.applied,
        MigrationState.PENDING: marks.pending,
        MigrationState.FAILED: marks.failed,
        MigrationState.MISSING_LOCALLY: marks.missing,
    }[state]


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


# Above this many plain applied migrations, text output shows only the latest few.
COLLAPSE_ABOVE = 8
KEEP_LATEST = 3


def is_plain(migration: MigrationStatus) -> bool:
    """Applied once, unedited, with its script: nothing to say about it but its name."""
    return (
        migration.state is MigrationState.APPLIED
        and not migration.edited
        and len(migration.rows) == 1
        and not migration.missing_script
    )


def render_status(report: StatusReport, marks: Glyphs, *, show_all: bool = False) -> list[str]:
    lines = [
        f"{style(report.target, bold=True)}  (from {report.url_source})",
        f"Migrations folder: {report.migrations_dir}",
        "",
    ]
    migrations = report.migrations
    plain = [i for i, m in enumerate(migrations) if is_plain(m)]
    hidden: set[int] = set()
    if not show_all and len(plain) > COLLAPSE_ABOVE:
        hidden = set(plain[:-KEEP_LATEST])
    width = min(max((len(m.name) for m in migrations), default=4), 60)
    # The glyph and state columns depend only on (state, edited): styled once, not per row.
    columns: dict[tuple[MigrationState, bool], tuple[str, str]] = {}
    for state in MigrationState:
        for edited in (False, True):
            word = state.value.replace("_", " ") + (f" {marks.edited}edited" if edited else "")
            color = STATE_COLORS[state]
            columns[state, edited] = (
                style(state_glyph(state, marks), fg=color),
                style(f"{word:<16}", fg=color),
            )
    announced = False
    for index, migration in enumerate(migrations):
        if index in hidden:
            if not announced:
                first, last = migrations[min(hidden)].name, migrations[max(hidden)].name
                lines.append(
                    f"  {columns[MigrationState.APPLIED, False][0]} … {len(hidden)} more applied "
                    f"migrations, {first} to {last} (--all lists them)"
                )
                announced = True
            continue
        glyph, word = columns[migration.state, migration.edited]
        name = migration.name if len(migration.name) <= width else migration.name[: width - 1] + "…"
        started = format_timestamp(migration.started_at) if migration.row else ""
        text = "" if is_plain(migration) else note(migration)
        lines.append(f"  {glyph} {name:<{width}}  {word} {started:<27} {text}".rstrip())
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
