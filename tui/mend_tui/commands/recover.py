"""`mend recover [NAME] --roll-back | --roll-forward`: analyse, plan, rehearse, confirm, run,
resolve and verify, with per-step progress on stderr. Without a direction, on a terminal: the
app's recovery wizard on NAME (the same steps, chosen on screen)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mend_core.database.session import refuse_in_read_only
from mend_core.errors import M4001, M7003, M7004, MendError
from mend_core.project.context import Context
from mend_core.project.target import parse_url
from mend_core.recovery.plan import PlanStep
from mend_core.recovery.session import RecoverySession
from mend_tui.commands.common import build_context, confirm, header
from mend_tui.commands.inspect import load_incident, replay_notes
from mend_tui.commands.plan import build_plan, direction_of
from mend_tui.incident_text import plan_lines
from mend_tui.terminal import echo, is_interactive, style


class StderrProgress:
    """Each step's start and end with its timing, on stderr (stdout stays the report)."""

    def phase(self, text: str) -> None:
        echo(style(f"== {text}", bold=True), err=True)

    def step_started(self, step: PlanStep, total: int) -> None:
        echo(f"[{step.number}/{total}] {step.summary} ... ", err=True, nl=False)

    def step_finished(self, step: PlanStep, total: int, seconds: float) -> None:
        echo(style("ok", fg="green") + f" ({seconds * 1000:.0f} ms)", err=True)


def open_wizard(*, name: str | None, context: Context) -> None:
    """The app, with its recovery wizard open on `name` (default: the failed migration) once
    the status is read; --ascii and --no-mouse as given before the command."""
    # deferred: Textual (~150 ms) only when the wizard opens
    from mend_tui.app import run

    outer = click.get_current_context().find_root().params
    code = run(
        context,
        ascii_only=bool(outer.get("ascii_only")),
        no_mouse=bool(outer.get("no_mouse")),
        recover=name or "",
    )
    raise SystemExit(code)


def refuse_unconfirmable(*, yes: bool) -> None:
    """Without a terminal to confirm on, --yes is required: refused before any database work
    (connecting, inspecting, rehearsing), not after the rehearsal ran."""
    if yes or is_interactive():
        return

    raise MendError(
        M4001,
        "`mend recover` writes to the database and asks for confirmation first, but there is "
        "no terminal to ask on.",
        "Review the plan with `mend plan` (or `mend recover --rehearse-only`), then pass --yes "
        "to confirm non-interactively.",
    )


def run_recover(
    *,
    name: str | None,
    roll_back: bool,
    roll_forward: bool,
    data_fix: Path | None,
    dedupe: str | None,
    fix_blockers: bool,
    rehearse_only: bool,
    skip_rehearsal: bool,
    yes: bool,
    lock_timeout: float,
    lock_wait: float,
    as_json: bool,
    shadow_url: str | None,
    replay_data: bool,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
) -> None:
    direction = direction_of(roll_back, roll_forward)
    if direction is None:
        if not is_interactive() or as_json or yes or rehearse_only or skip_rehearsal:
            raise click.UsageError(
                "Pass --roll-back or --roll-forward (`mend inspect` and `mend plan` help "
                "choose), or run `mend recover` on a terminal for the wizard."
            )
        if data_fix is not None or dedupe is not None or fix_blockers:
            raise click.UsageError(
                "--data-fix, --dedupe and --fix-blockers go with --roll-forward; the wizard "
                "picks the fix on screen."
            )
        open_wizard(
            name=name,
            context=build_context(
                url=url,
                schema=schema,
                migrations_dir=migrations_dir,
                read_only=read_only,
                lock_timeout=lock_timeout,
            ),
        )
        return
    if rehearse_only and skip_rehearsal:
        raise click.UsageError("Pass either --rehearse-only or --skip-rehearsal, not both.")
    refuse_unconfirmable(yes=yes or rehearse_only)
    context = build_context(
        url=url,
        schema=schema,
        migrations_dir=migrations_dir,
        read_only=read_only,
        lock_timeout=lock_timeout,
    )

    # Inspecting and planning would work read-only; rehearsing and recovering write.
    refuse_in_read_only(read_only, "recover")
    header(context)
    incident = load_incident(context, name, shadow_url, replay_data)
    replay_notes(incident)
    shadow = parse_url(shadow_url, base_dir=Path.cwd()) if shadow_url else None
    session = RecoverySession(
        context, lock_wait=lock_wait, shadow_url=shadow, replay_data=replay_data
    )
    plan = build_plan(session, incident, direction, data_fix, dedupe, fix_blockers)
    echo("\n".join(plan_lines(plan)))
    if plan.blocked:
        raise MendError(M7003, plan.blocked, "Choose the other direction, or fix what it says.")
    progress = StderrProgress()
    if skip_rehearsal:
        echo(style("\nThe rehearsal is skipped (--skip-rehearsal).", fg="yellow"))
    else:
        result = session.rehearse(plan, progress)
        echo("\n" + result.describe())
        if not result.ok:
            raise MendError(
                M7004,
                result.describe(),
                "Nothing was changed. Fix what failed (the data, the migration file) and plan "
                "again, or choose the other direction.",
            )
        if rehearse_only:
            return
    confirm(
        f"\nRun the {direction.words} of `{plan.migration}` on {context.target.label()}?",
        yes=yes,
    )
    outcome = session.execute(incident, plan, progress)
    if as_json:
        echo(json.dumps(outcome.to_json(), indent=2, default=str))
        outcome.verification.raise_if_failed()
        return
    outcome.verification.raise_if_failed()
    echo("\n" + style(outcome.verification.describe(), fg="green"))
    echo(f"Status now: {outcome.verification.status_line}")
    echo(f"Journal run: {outcome.run} (`mend journal --run {outcome.run[:8]}`)")
    echo(f"Next: {plan.afterwards}")
