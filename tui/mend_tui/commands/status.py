"""`mend status`: a table of migrations, the database's state in words, and the next step."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mend_core.errors import MendError
from mend_core.history.status import (
    MigrationState,
    MigrationStatus,
    StatusReport,
    get_status,
    refuse_missing_scripts,
)
from mend_core.history.timestamps import format_timestamp
from mend_core.output.control_text import visible
from mend_tui.commands.common import build_context
from mend_tui.presentation import (
    MIGRATION_LOOK,
    Glyphs,
    database_words,
    elide,
    note,
    state_glyph,
    state_label,
)
from mend_tui.terminal import echo, glyphs, style


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
        refuse_missing_scripts(report)  # P3015, as Prisma's status
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
        echo(report.to_json_text())
    else:
        echo("\n".join(render_status(report, glyphs(), show_all=show_all)))
    sys.exit(report.exit_code)


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
    # Names as echo will show them (`^[` for ESC): the column is as wide as what is seen.
    names = [visible(m.name) for m in migrations]
    width = min(max((len(name) for name in names), default=4), 60)
    # The glyph and state columns depend only on (state, edited): styled once, not per row.
    columns: dict[tuple[MigrationState, bool], tuple[str, str]] = {}
    for state in MigrationState:
        for edited in (False, True):
            word = state_label(state, edited, marks)
            color = MIGRATION_LOOK[state].color
            columns[state, edited] = (
                style(state_glyph(state, marks), fg=color),
                style(f"{word:<16}", fg=color),
            )
    announced = False
    for index, migration in enumerate(migrations):
        if index in hidden:
            if not announced:
                first, last = migrations[min(hidden)].name, migrations[max(hidden)].name
                glyph = columns[MigrationState.APPLIED, False][0]
                lines.append(
                    f"  {glyph} {marks.ellipsis} {len(hidden)} more applied migrations, "
                    f"{first} to {last} (--all lists them)"
                )
                announced = True
            continue
        glyph, word = columns[migration.state, migration.edited]
        name = names[index]
        name = name if len(name) <= width else elide(name, width, marks.ellipsis)
        started = format_timestamp(migration.started_at) if migration.row else ""
        text = "" if is_plain(migration) else note(migration)
        if migration.name in report.running:
            word = style(f"{'running':<16}", fg="yellow")
            text = "a deploy holds the migration lock: it has not finished yet"
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
        f"{style('State:', bold=True)} {database_words(report.state)}. {report.message}",
        f"{style('Next:', bold=True)} {report.next_step}",
    ]
    return lines
