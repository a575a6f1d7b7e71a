"""`mend plan [NAME] --roll-back | --roll-forward`: the way out, to review; nothing runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mend_core.context import Context
from mend_core.db import connect, refuse_in_read_only
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import DataFix, Direction, RecoveryPlan, make_plan
from mend_core.recovery.runbook import runbook
from mend_tui.commands.common import build_context, header
from mend_tui.commands.inspect import load_incident, replay_notes
from mend_tui.incident_text import plan_lines
from mend_tui.terminal import echo


def direction_of(roll_back: bool, roll_forward: bool) -> Direction | None:
    if roll_back and roll_forward:
        raise click.UsageError("Pass either --roll-back or --roll-forward, not both.")
    if roll_back:
        return Direction.ROLL_BACK
    if roll_forward:
        return Direction.ROLL_FORWARD
    return None


def data_fix_of(
    context: Context,
    incident: Incident,
    direction: Direction,
    data_fix: Path | None,
    dedupe: str | None,
) -> DataFix | None:
    """The data fix the options name: the operator's file, or a generated template."""
    if data_fix is not None and dedupe is not None:
        raise click.UsageError("Pass either --data-fix or --dedupe, not both.")
    if direction is Direction.ROLL_BACK and (data_fix or dedupe):
        raise click.UsageError("A data fix is for --roll-forward; a roll back changes no rows.")
    if data_fix is not None:
        from mend_core.execute import read_script_file
        from mend_core.migrations_folder import decode_script

        sql = decode_script(read_script_file(data_fix), f"`{data_fix}`")
        return DataFix(f"--data-fix {data_fix}", sql)
    if dedupe is not None:
        from mend_core.recovery.data_fix import dedupe as generate

        with connect(context.target, read_only=True) as db:
            template = generate(db, incident.cause, dedupe)  # type: ignore[arg-type]
        return DataFix(f"--dedupe {dedupe}", template.sql)
    return None


def build_plan(
    context: Context,
    incident: Incident,
    direction: Direction,
    data_fix: Path | None,
    dedupe: str | None,
) -> RecoveryPlan:
    fix = data_fix_of(context, incident, direction, data_fix, dedupe)
    with connect(context.target, read_only=True) as db:
        return make_plan(db, incident, direction, fix)


def run_plan(
    *,
    name: str | None,
    roll_back: bool,
    roll_forward: bool,
    data_fix: Path | None,
    dedupe: str | None,
    as_json: bool,
    script: bool,
    output: Path | None,
    shadow_url: str | None,
    replay_data: bool,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    dry_run: bool,
) -> None:
    direction = direction_of(roll_back, roll_forward)
    if direction is None:
        raise click.UsageError("Pass --roll-back or --roll-forward.")
    # Never writes: the session is read-only whatever the options say, but for --dry-run's
    # transaction, which is always rolled back.
    if dry_run:
        refuse_in_read_only(read_only, "plan --dry-run")
    context = build_context(
        url=url, schema=schema, migrations_dir=migrations_dir, read_only=not dry_run
    )
    incident = load_incident(context, name, shadow_url, replay_data)
    replay_notes(incident, err=True)  # stderr: stdout stays the plan, its JSON or its runbook
    plan = build_plan(context, incident, direction, data_fix, dedupe)
    if as_json:
        text = json.dumps(plan.to_json(), indent=2, default=str) + "\n"
    elif script:
        text = runbook(
            plan,
            target_label=context.target.label(),
            live=incident.live,
            made_at=context.clock(),
            new_id=context.new_id,
        )
    else:
        header(context)
        text = "\n".join(plan_lines(plan)) + "\n"
    if output is not None:
        output.write_text(text, encoding="utf-8")
        echo(f"Wrote {output}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
