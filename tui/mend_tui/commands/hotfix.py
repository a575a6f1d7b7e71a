"""`mend hotfix`: record hand-made drift as a migration, marked applied where it already is.

The wizard's stages in order (Items, Name, Preview, Targets, Apply, Verify), each a call into
`mend_core.hotfix`. Everything that can be refused without the database is refused before
anything connects: read-only mode, item numbers that are not numbers, a name that slugifies to
nothing, an unwritable migrations folder, and mend.toml with its variables.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mend_core.database.session import refuse_in_read_only
from mend_core.errors import M4001, MendError
from mend_core.history.folder import check_lock_file
from mend_core.hotfix.items import DriftItems, parse_item_numbers
from mend_core.hotfix.naming import check_name, writable
from mend_core.hotfix.session import HotfixSession
from mend_core.project.target import DatabaseTarget, parse_url
from mend_tui.commands.common import build_context, confirm, header
from mend_tui.terminal import echo, style

if TYPE_CHECKING:
    # The recording path's modules load only when it runs: `--list` starts as fast as drift.
    from mend_core.hotfix.apply import HotfixResult
    from mend_core.hotfix.grouping import DriftItem
    from mend_core.hotfix.preview import HotfixPreview
    from mend_core.hotfix.target_check import TargetCheck
    from mend_core.hotfix.verify import HotfixVerification
    from mend_core.project.context import Context

# Exit code when the hotfix is recorded here but a target needs a hand (conflict, unreachable).
TARGETS_NEED_ATTENTION = 3


def run_hotfix(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    yes: bool,
    lock_timeout: float,
    list_only: bool,
    as_json: bool,
    name: str | None,
    item: tuple[str, ...],
    targets: str | None,
    shadow_url: str | None,
    replay_data: bool,
    target_timeout: float,
) -> None:
    shadow = parse_url(shadow_url, base_dir=Path.cwd()) if shadow_url else None
    if list_only:
        if item or name is not None or targets is not None:
            raise click.UsageError("--list only lists: --item, --name and --targets record.")
        context = build_context(
            url=url, schema=schema, migrations_dir=migrations_dir, read_only=read_only
        )
        drift = HotfixSession(context, shadow_url=shadow, replay_data=replay_data).items()
        if as_json:
            echo(json.dumps(drift.to_json(), indent=2))
        else:
            header(context)
            echo("\n".join(render_items(drift)))
        return
    record(
        url=url,
        schema=schema,
        migrations_dir=migrations_dir,
        read_only=read_only,
        yes=yes,
        lock_timeout=lock_timeout,
        as_json=as_json,
        name=name,
        item=item,
        targets=targets,
        shadow=shadow,
        replay_data=replay_data,
        target_timeout=target_timeout,
    )


def record(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    yes: bool,
    lock_timeout: float,
    as_json: bool,
    name: str | None,
    item: tuple[str, ...],
    targets: str | None,
    shadow: DatabaseTarget | None,
    replay_data: bool,
    target_timeout: float,
) -> None:
    """Items, Name, Preview, Targets, then confirmation, Apply and Verify."""
    # deferred: the recording path's modules load only when it runs: `--list` starts as fast as
    # drift
    from mend_core.hotfix.apply import ApplyEvent

    # Refused before anything connects: nothing is written, nothing is read.
    refuse_in_read_only(read_only, "hotfix")
    if as_json and not yes:
        raise MendError(
            M4001,
            "`mend hotfix --json` prints the result only, so it cannot ask for confirmation.",
            "Review the preview with `mend hotfix` (or `--list`), then pass --json --yes.",
        )
    numbers = parse_item_numbers(item)
    context = build_context(
        url=url,
        schema=schema,
        migrations_dir=migrations_dir,
        read_only=False,
        lock_timeout=lock_timeout,
    )
    session = HotfixSession(
        context, target_timeout=target_timeout, shadow_url=shadow, replay_data=replay_data
    )
    if name is not None:
        check_name(name)
    writable(context.migrations_dir)
    chosen = session.targets(targets) if targets is not None else ()
    check_lock_file(context.migrations_dir, context.provider)
    if not as_json:
        header(context)
    drift = session.items()
    selection = session.select(drift, numbers)
    naming = session.name(name, selection)
    preview = session.preview(drift, selection, naming)
    checks = session.check_targets(preview, chosen)
    if not as_json:
        echo("\n".join(render_preview(context, preview, checks)))
    confirm("Write the migration and record it as applied?", yes=yes)

    def progress(event: ApplyEvent) -> None:
        if not as_json and event.stage in ("folder", "row", "target"):
            where = f"{event.target}: " if event.target else ""
            echo(f"  {where}{event.message}")

    result = session.apply(preview, checks, progress)
    verification = session.verify_only(result)
    if as_json:
        echo(json.dumps(_result_json(preview, result, verification), indent=2))
    else:
        echo("\n".join(render_result(result, verification)))
    verification.raise_if_failed()
    sys.exit(TARGETS_NEED_ATTENTION if result.needs_attention else 0)


def render_items(drift: DriftItems) -> list[str]:
    """`mend hotfix --list`: numbered hotfix items, then what failed migrations left."""
    lines = [f"Replayed {len(drift.applied)} applied migration(s) in a shadow database.", ""]
    if drift.items:
        lines.append(style("Hotfix items (made by hand: nothing in the history explains them):"))
        for item in drift.items:
            lines += _item_lines(str(item.number), item, drift.dialect)
    else:
        lines.append(
            "No hotfix item to record yet: what is made by hand is built on a failed migration's "
            "leftovers (below)."
            if any(left.waits_for_recovery for left in drift.leftovers)
            else "No hotfix items: nothing beyond what the history and failed migrations made."
        )
    by_origin: dict[tuple[str, bool], list[DriftItem]] = {}
    for left in drift.leftovers:
        by_origin.setdefault((left.origin or "", left.waits_for_recovery), []).append(left)
    for (origin, waits), items in sorted(by_origin.items()):
        heading = (
            f"Made by hand on what failed migration {origin} left: recorded once it is "
            f"recovered (`mend recover`, then `mend hotfix`); the history cannot replay it before:"
            if waits
            else f"Left by failed migration {origin}: recover it instead "
            f"(`mend inspect {origin}`, then `mend recover`); never recorded as a hotfix:"
        )
        lines += ["", style(heading, fg="yellow")]
        for left in items:
            lines += _item_lines("-", left, drift.dialect)
    for warning in drift.warnings():
        lines += ["", style(f"Warning: {warning}", fg="yellow")]
    if drift.items:
        count = len(drift.items)
        lines += [
            "",
            f"`mend hotfix` records {'the' if count == 1 else f'all {count}'} hotfix item"
            f"{'' if count == 1 else 's'} as a new migration; `--item N` chooses.",
        ]
    return lines


def _item_lines(number: str, item: DriftItem, dialect: str) -> list[str]:
    lines = [f"  {number:>3}  {style(item.label, bold=True)}: {item.summary}"]
    lines += [f"         {line}" for line in item.script(dialect).splitlines() if line.strip()]
    return lines


def render_preview(
    context: Context, preview: HotfixPreview, checks: tuple[TargetCheck, ...]
) -> list[str]:
    """What will be written, where, and what happens on each target."""
    relative = _relative(preview.name.script_path, context.project.root)
    lines = ["", style(f"New migration: {relative}", bold=True)]
    if preview.name.bumped_past:
        lines.append(
            f"  (timestamp moved after {preview.name.bumped_past}, which sorts after the clock)"
        )
    lines += [f"  {line}".rstrip() for line in preview.script.rstrip("\n").splitlines()]
    lines += ["", "Items recorded: " + ", ".join(f"{i.number} {i.label}" for i in preview.items)]
    if preview.left_out:
        lines.append(
            "Left as drift (not chosen): "
            + ", ".join(f"{i.number} {i.label}" for i in preview.left_out)
        )
    if preview.rehearsal is not None and preview.rehearsal.ok:
        lines.append(preview.rehearsal.describe())
    lines += ["", "On this database, under the migration lock (no SQL of the migration runs):"]
    lines += [f"  - {line}" for line in preview.row_lines()]
    if checks:
        lines += ["", "Targets (mend.toml):"]
        lines += [f"  {_target_line(check)}" for check in checks]
    if preview.hints:
        lines += ["", "schema.prisma (mend never edits it):"]
        lines += [f"  {hint.describe()}" for hint in preview.hints]
    for warning in preview.warnings():
        lines += ["", style(f"Note: {warning}", fg="yellow")]
    lines.append("")
    return lines


def _target_line(check: TargetCheck) -> str:
    # deferred: the recording path's modules, as in record()
    from mend_core.hotfix.target_check import TargetState

    color = {
        TargetState.PATCHED: "green",
        TargetState.UNPATCHED: None,
        TargetState.THIS_DATABASE: None,
        TargetState.RECORDED: None,
        TargetState.DUPLICATE: None,
    }.get(check.state, "yellow")
    state = style(check.state.value.replace("_", " "), fg=color)
    return f"{check.target.label()}: {state}: {check.detail}. Then: {check.action}."


def render_result(result: HotfixResult, verification: HotfixVerification) -> list[str]:
    lines = [
        "",
        f"Recorded {result.migration.name} as applied (journal run {result.journal_run[:8]}).",
    ]
    if result.created_lock_file:
        lines.append("Wrote migration_lock.toml (the folder had none).")
    for outcome in result.targets:
        lines.append(f"{outcome.check.target.name}: {outcome.detail}")
    mark = "Verified" if verification.ok else style("Verification failed", fg="red")
    lines.append(f"{mark}: " + "; ".join(verification.describe()) + ".")
    if result.needs_attention:
        names = ", ".join(t.check.target.name for t in result.needs_attention)
        lines.append(
            style(f"Needs a hand: {names} (see above); nothing was written there.", fg="yellow")
        )
    lines.append("Commit the new migration folder (and schema.prisma once updated).")
    return lines


def _result_json(
    preview: HotfixPreview, result: HotfixResult, verification: HotfixVerification
) -> dict[str, object]:
    return {
        "preview": preview.to_json(),
        "result": result.to_json(),
        "verification": verification.to_json(),
    }


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
