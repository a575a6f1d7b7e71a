"""The Apply step: write the migration folder and record it as applied, here and on the
targets that already have the hotfix.

On this database, under Prisma's migration lock and in one journal run: the chosen objects are
read again (if they changed since the preview, nothing is written: M4005), the folder is written,
then exactly the row `mend resolve --applied` writes (resolve's own plan and writer, in a
transaction where the database allows). If the row cannot be written, the folder is removed
again: nothing half-done. Then each patched target, at once, each under its own lock and
journal run, checked again under the lock before its row is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mend_core.context import Context
from mend_core.errors import M4005, M7004, MendError
from mend_core.hotfix.migration import WrittenMigration, remove_migration, write_migration
from mend_core.hotfix.parallel import Outcome, run_parallel
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.target_check import (
    DEFAULT_TARGET_TIMEOUT,
    TargetCheck,
    TargetState,
    compare_items,
    failed_check,
)
from mend_core.migrations_folder import LocalMigration, check_lock_file
from mend_core.recovery.objects import describe_key, value
from mend_core.resolve import Resolution, plan_resolve, write_resolution
from mend_core.schema.inspect import inspect_database
from mend_core.write_session import WriteSession, write_session


@dataclass(frozen=True)
class ApplyEvent:
    """One step of the apply, for a progress display."""

    stage: str  # "lock", "guard", "folder", "row", "target", "done"
    message: str
    target: str | None = None  # an inventory target's name; None for this database


Progress = Callable[[ApplyEvent], None]


@dataclass(frozen=True)
class TargetOutcome:
    check: TargetCheck
    marked: bool
    detail: str
    journal_run: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**self.check.to_json(), "marked": self.marked, "result": self.detail}


@dataclass(frozen=True)
class HotfixResult:
    preview: HotfixPreview
    migration: LocalMigration
    journal_run: str
    created_lock_file: bool
    targets: tuple[TargetOutcome, ...] = ()

    @property
    def needs_attention(self) -> tuple[TargetOutcome, ...]:
        """Targets left in conflict, unreachable, or that changed since they were checked."""
        return tuple(
            t
            for t in self.targets
            if t.check.needs_attention or (t.check.state is TargetState.PATCHED and not t.marked)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "migration": self.migration.name,
            "path": str(self.migration.script_path),
            "checksum": self.migration.checksum,
            "created_lock_file": self.created_lock_file,
            "journal_run": self.journal_run,
            "targets": [t.to_json() for t in self.targets],
        }


def apply_hotfix(
    context: Context,
    preview: HotfixPreview,
    checks: Sequence[TargetCheck] = (),
    *,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TARGET_TIMEOUT,
) -> HotfixResult:
    """Write, record, then mark the patched targets. Refuses in read-only mode (before it
    connects), M4005 if the chosen objects changed since the preview."""
    tell = progress or (lambda event: None)
    folder = preview.name.folder
    if preview.rehearsal is not None and not preview.rehearsal.ok:
        # Recording a migration that does not build what the database has would make the
        # history lie to every database that deploys it.
        raise MendError(
            M7004,
            f"The new migration was rehearsed in a shadow database and does not build the chosen "
            f"objects as this database has them: {preview.rehearsal.describe()} Nothing was "
            "written.",
            "Choose the items again (`mend hotfix --list`), or record this change by hand "
            "(write the migration, then `mend resolve --applied NAME`).",
        )
    check_lock_file(context.migrations_dir, context.provider)  # P3019, as resolve
    tell(ApplyEvent("lock", "Taking the migration lock"))
    with write_session(context, "hotfix") as session:
        journal = session.journal
        journal.record(
            "hotfix_started",
            migration=folder,
            items=[item.label for item in preview.items],
            checksum=preview.checksum,
            script=preview.script,
        )
        tell(ApplyEvent("guard", "Checking that the chosen objects are as previewed"))
        _guard(session, preview)
        written = write_migration(preview.name, preview.script, context.provider)
        journal.record(
            "migration_written",
            migration=folder,
            path=str(written.migration.script_path),
            checksum=written.migration.checksum,
            lock_file_written=written.created_lock_file,
        )
        tell(ApplyEvent("folder", f"Wrote {written.migration.script_path}"))
        _record(session, written)
        tell(ApplyEvent("row", f"Recorded {folder} as applied"))
        run = journal.run
    outcomes = mark_targets(context, preview, checks, progress=tell, timeout=timeout)
    tell(ApplyEvent("done", "Done"))
    return HotfixResult(preview, written.migration, run, written.created_lock_file, outcomes)


def _guard(session: WriteSession, preview: HotfixPreview) -> None:
    live = inspect_database(session.db)
    changed = [k for k in sorted(preview.keys) if value(live, k) != value(preview.drift.live, k)]
    if not changed:
        return
    shown = ", ".join(describe_key(k) for k in changed)
    session.journal.record("guard_refused", migration=preview.name.folder, changed=shown)
    raise MendError(
        M4005,
        f"The database changed since the preview ({shown} differ): recording now could record "
        "something else than what was reviewed. Nothing was written.",
        "Run `mend hotfix --list` again and review the new items.",
    )


def _record(session: WriteSession, written: WrittenMigration) -> None:
    """The resolve row; on any failure the folder goes again, and the error says so."""
    folder = written.migration.name
    try:
        plan = plan_resolve(session.context, session.db, Resolution.APPLIED, folder)
        with session.transaction():
            write_resolution(session, plan)
    except BaseException as error:
        removed = remove_migration(written)
        session.journal.record("migration_removed", migration=folder, removed=removed)
        if not isinstance(error, MendError):
            raise
        raise MendError(
            error.code,
            f"{error.message}\nRecording {folder} failed, so its folder was removed again: "
            "nothing was recorded and no migration file was left behind.",
            error.hint,
        ) from None


def mark_targets(
    context: Context,
    preview: HotfixPreview,
    checks: Sequence[TargetCheck],
    *,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TARGET_TIMEOUT,
) -> tuple[TargetOutcome, ...]:
    """Mark the migration applied on every patched target, at once; the others as checked."""
    tell = progress or (lambda event: None)
    outcomes: dict[str, TargetOutcome] = {}
    tasks: dict[str, Callable[[], TargetOutcome]] = {}
    for check in checks:
        if check.state is TargetState.PATCHED:
            tasks[check.target.name] = _marker(context, preview, check)
        else:
            outcomes[check.target.name] = TargetOutcome(check, False, check.action)
    by_name = {c.target.name: c for c in checks}

    def done(name: str, outcome: Outcome[TargetOutcome]) -> None:
        result = outcome.value
        if result is None:
            failed = failed_check(by_name[name].target, outcome, timeout)
            result = TargetOutcome(by_name[name], False, f"not marked: {failed.detail}")
        outcomes[name] = result
        tell(ApplyEvent("target", result.detail, target=name))

    run_parallel(tasks, timeout, done)
    return tuple(outcomes[c.target.name] for c in checks)


def _marker(
    context: Context, preview: HotfixPreview, check: TargetCheck
) -> Callable[[], TargetOutcome]:
    return lambda: mark_target(context, preview, check)


def mark_target(context: Context, preview: HotfixPreview, check: TargetCheck) -> TargetOutcome:
    """The row on one patched target, under its lock, after checking it again there."""
    target = check.target
    there = replace(context, target=target.database, url_source=target.source, read_only=False)
    folder = preview.name.folder
    with write_session(there, "hotfix") as session:
        session.journal.record("hotfix_target_started", migration=folder, target=target.name)
        state, differences = compare_items(preview, inspect_database(session.db))
        if state is not TargetState.PATCHED:
            why = "; ".join(differences) or f"it is {state.value} now"
            session.journal.record("guard_refused", migration=folder, changed=why)
            return TargetOutcome(
                check, False, f"not marked: it changed since it was checked ({why})", None
            )
        plan = plan_resolve(there, session.db, Resolution.APPLIED, folder)
        with session.transaction():
            write_resolution(session, plan)
        return TargetOutcome(check, True, "marked applied", session.journal.run)
