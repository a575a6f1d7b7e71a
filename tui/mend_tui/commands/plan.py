"""`mend plan [NAME] --roll-back | --roll-forward`: the way out, to review; nothing runs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mend_core.database.session import refuse_in_read_only
from mend_core.errors import M2007, MendError
from mend_core.history.folder import decode_script, read_bounded
from mend_core.output.control_text import visible
from mend_core.output.private_files import write_output
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import DataFix, Direction, RecoveryPlan
from mend_core.recovery.session import RecoverySession
from mend_tui.commands.common import build_context, header
from mend_tui.commands.inspect import load_incident, replay_notes
from mend_tui.incident_text import plan_lines
from mend_tui.terminal import echo, write_text


def direction_of(roll_back: bool, roll_forward: bool) -> Direction | None:
    if roll_back and roll_forward:
        raise click.UsageError("Pass either --roll-back or --roll-forward, not both.")
    if roll_back:
        return Direction.ROLL_BACK
    if roll_forward:
        return Direction.ROLL_FORWARD
    return None


def data_fix_of(
    session: RecoverySession,
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
        sql = read_data_fix(data_fix)
        return DataFix(f"--data-fix {data_fix}", sql)
    if dedupe is not None:
        template = session.dedupe(incident, dedupe)  # type: ignore[arg-type]
        return DataFix(f"--dedupe {dedupe}", template.sql)
    return None


def read_data_fix(path: Path) -> str:
    """The data fix's text, read one byte past the size limit at most (read_bounded)."""
    try:
        with path.open("rb") as handle:
            data = read_bounded(handle, str(path))
    except OSError as exc:
        raise MendError(
            M2007,
            f"The data fix `{path}` cannot be read ({exc.strerror}).",
            "Check the path given to --data-fix.",
        ) from None
    return decode_script(data, str(path))


def build_plan(
    session: RecoverySession,
    incident: Incident,
    direction: Direction,
    data_fix: Path | None,
    dedupe: str | None,
    fix_blockers: bool = False,
) -> RecoveryPlan:
    fix = data_fix_of(session, incident, direction, data_fix, dedupe)
    if fix_blockers and direction is Direction.ROLL_BACK:
        raise click.UsageError("--fix-blockers is for --roll-forward; a roll back changes no rows.")
    return session.plan(incident, direction, fix, fix_blockers=fix_blockers)


def run_plan(
    *,
    name: str | None,
    roll_back: bool,
    roll_forward: bool,
    data_fix: Path | None,
    dedupe: str | None,
    fix_blockers: bool,
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
    session = RecoverySession(context)
    plan = build_plan(session, incident, direction, data_fix, dedupe, fix_blockers)
    if as_json:
        text = json.dumps(plan.to_json(), indent=2, default=str) + "\n"
    elif script:
        text = session.runbook(incident, plan)
    else:
        header(context)
        text = "\n".join(plan_lines(plan)) + "\n"
    if output is not None:
        # The plan in words is for a person: control characters shown, as on a terminal. The
        # file is 0600 if new, and never written through a link.
        write_output(output, text if as_json or script else visible(text))
        echo(f"Wrote {output}")
    elif as_json or script:
        write_text(text)  # exact through a pipe: the runbook's SQL names objects as they are
    else:
        echo(text, nl=False)
