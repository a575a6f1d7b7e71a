"""`mend inspect [NAME]`: what a failed migration did and left behind. Read-only."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mend_core.database.locking import connect_to_analyse
from mend_core.database.session import refuse_in_read_only
from mend_core.history.classify import classify
from mend_core.history.folder import list_migrations
from mend_core.history.table import HistoryTable
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget, parse_url
from mend_core.recovery.incident import (
    Incident,
    SeveralFailed,
    failed_migration,
    inspect_incident,
)
from mend_tui.commands.common import build_context, header
from mend_tui.incident_text import incident_lines, next_step_lines
from mend_tui.terminal import ASCII, echo, glyphs


def load_incident(
    context: Context, name: str | None, shadow_url: str | None, replay_data: bool = False
) -> Incident:
    """The incident, with several failed migrations (and none named) a usage error."""
    shadow: DatabaseTarget | None = (
        parse_url(shadow_url, base_dir=Path.cwd()) if shadow_url else None
    )
    try:
        return inspect_incident(context, name, shadow_url=shadow, replay_data=replay_data)
    except SeveralFailed as several:
        raise click.UsageError(
            f"{len(several.names)} migrations have failed: {', '.join(several.names)}. "
            "Name the one to work on."
        ) from None


def run_inspect(
    *,
    name: str | None,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    dry_run: bool,
    as_json: bool,
    shadow_url: str | None,
    replay_data: bool,
    full_logs: bool = False,
) -> None:
    if full_logs:
        context = build_context(
            url=url, schema=schema, migrations_dir=migrations_dir, read_only=True
        )
        echo(failed_logs(context, name), nl=False)
        return
    # Never writes: the session is read-only whatever the options say, but for --dry-run's
    # transaction, which is always rolled back.
    if dry_run:
        refuse_in_read_only(read_only, "inspect --dry-run")
    context = build_context(
        url=url, schema=schema, migrations_dir=migrations_dir, read_only=not dry_run
    )
    incident = load_incident(context, name, shadow_url, replay_data)
    if as_json:
        data = incident.to_json()
        data["replay"] = {**data["replay"], **incident.states.history.to_json()}
        echo(json.dumps(data, indent=2, default=str))
        return
    header(context)
    ascii_only = glyphs() is ASCII
    replay_notes(incident)
    echo("\n".join(incident_lines(incident, ascii_only)))
    echo("")
    echo("\n".join(next_step_lines(incident)))


def failed_logs(context: Context, name: str | None) -> str:
    """The whole logs of the failed attempt of `name` (default: the only failed migration),
    read straight from the history: no analysis, so megabytes come out at once."""
    local = list_migrations(context.migrations_dir)
    with connect_to_analyse(context.target) as db:
        table = HistoryTable(db)
        columns = table.columns()
        if columns is not None:
            table.check_shape(columns)
        # No table: no migration failed, which failed_migration says.
        statuses, _ = classify(local, table.rows() if columns is not None else [])
    status = failed_migration(statuses, name)
    row = next(r for r in status.rows if r.failed)
    logs: str = row.logs or ""
    return logs if logs.endswith("\n") or not logs else logs + "\n"


def replay_notes(incident: Incident, *, err: bool = False) -> None:
    """Say that the history needed its data statements to replay, when it did."""
    fallback = incident.states.history.fallback
    if fallback:
        echo(fallback, err=err)
