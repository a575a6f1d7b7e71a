"""The Apply step: write the migration folder and record it as applied, here and on the
targets that already have the hotfix.

On this database, under Prisma's migration lock and in one journal run: the chosen objects are
read again (if they changed since the preview, nothing is written: M4005), the migrations folder
and the history are read again (if a migration that appeared meanwhile, say another hotfix run's,
records a chosen item, nothing is written: M8008), and only then the folder is written, then
exactly the row `mend resolve --applied` writes (resolve's own plan and writer, in a transaction
where the database allows). If anything fails once the folder is written and its row is not in
the history, the folder is removed again, and the error says so (or names the folder if it cannot
be removed): nothing half-done. Then each patched target, at once, each under its own lock and
journal run, checked again under the lock before its row is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any, Literal

from mend_core.database.write_session import WriteSession, write_session
from mend_core.errors import M4005, M7004, M9000, MendError
from mend_core.history.folder import LocalMigration, check_lock_file
from mend_core.hotfix.migration import WrittenMigration, remove_migration, write_migration
from mend_core.hotfix.parallel import Outcome, run_parallel
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.recorded import check_unrecorded
from mend_core.hotfix.target_check import (
    DEFAULT_TARGET_TIMEOUT,
    TargetCheck,
    TargetState,
    compare_items,
    failed_check,
)
from mend_core.operations.resolve import Resolution, plan_resolve, write_resolution
from mend_core.output.redaction import redact
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.objects import describe_key, value


@dataclass(frozen=True)
class ApplyEvent:
    """One step of the apply, for a progress display."""

    stage: Literal["lock", "guard", "folder", "row", "target", "done"]
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
    shadow_url: DatabaseTarget | None = None,
) -> HotfixResult:
    """Write, record, then mark the patched targets. Refuses in read-only mode (before it
    connects), M4005 if the chosen objects changed since the preview, M8008 if a migration
    that appeared since the preview records one of them."""
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
        # Only now, under the lock: another run may have recorded the same items meanwhile.
        check_unrecorded(session, preview, shadow_url)
        written = write_migration(preview.name, preview.script, context.provider)
        try:
            journal.record(
                "migration_written",
                migration=folder,
                path=str(written.migration.script_path),
                checksum=written.migration.checksum,
                lock_file_written=written.created_lock_file,
            )
            tell(ApplyEvent("folder", f"Wrote {written.migration.script_path}"))
            _record(session, written)
        except BaseException as error:  # noqa: BLE001 - cleaned up, then raised as told
            raise _taken_back(session, written, error) from None
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
    """The resolve row, in a transaction where the database allows."""
    plan = plan_resolve(session.context, session.db, Resolution.APPLIED, written.migration.name)
    with session.transaction():
        write_resolution(session, plan)


def _taken_back(
    session: WriteSession, written: WrittenMigration, error: BaseException
) -> BaseException:
    """Something failed after the folder was written: remove it again unless its row is in the
    history (MySQL has no transaction around the row), and say which it was. The error to
    raise: the MendError with that said, an internal error as one; an interrupt as it came."""
    folder = written.migration.name
    recorded = _row_written(session, folder)
    if recorded is not False:
        _journal(session, "migration_kept", migration=folder, recorded=recorded)
        outcome = (
            f"{folder} was written and its row recorded before this failure, so its folder "
            f"stays: {written.path}."
            if recorded
            else f"Whether {folder}'s row was written cannot be read now, so its folder stays: "
            f"{written.path}. Check `mend status`: if {folder} is not applied, delete the folder."
        )
    else:
        removed = remove_migration(written)
        _journal(session, "migration_removed", migration=folder, removed=removed)
        outcome = (
            f"Recording {folder} failed, so its folder was removed again: nothing was recorded "
            "and no migration file was left behind."
            if not written.path.exists()
            else f"Recording {folder} failed, and its folder {written.path} could not be removed: "
            "delete it by hand before anything deploys (nothing was recorded)."
        )
    if not isinstance(error, Exception):
        return error  # an interrupt: the cleanup is done, it goes on as it came
    if isinstance(error, MendError):
        return MendError(error.code, f"{error.message}\n{outcome}", error.hint)
    return MendError(
        M9000,
        f"mend hit an internal error: {type(error).__name__}: {redact(str(error))}\n{outcome}",
        "This is a bug in mend; run again with MEND_DEBUG=1 for the traceback and report it.",
    )


def _row_written(session: WriteSession, folder: str) -> bool | None:
    """A finished row for the folder in the history; None if it cannot be read."""
    try:
        if session.history.columns() is None:
            return False
        rows = session.history.rows()
    except Exception:  # noqa: BLE001 - the session may be the very thing that failed
        return None
    return any(
        row.migration_name == folder and row.finished_at is not None and not row.rolled_back_at
        for row in rows
    )


def _journal(session: WriteSession, event: str, **fields: Any) -> None:
    """A journal line that must not hide the failure being reported (the journal may be it)."""
    with suppress(Exception):
        session.journal.record(event, **fields)


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
