"""Rehearsing a recovery plan before the real run.

PostgreSQL and SQLite: the whole plan (data fix, repair, history change) runs on the live
database inside a transaction; the result is inspected inside it, compared with the expected
schema in the plan's scope, and rolled back: nothing stays. MySQL commits DDL at once, so the
plan is rehearsed against a schema-only clone in a shadow database, where failures that depend
on the data cannot show (said so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal

from mend_core.database.session import Database, connect
from mend_core.database.write_session import WriteSession, repair_timeouts, write_session
from mend_core.dialects import dialect_for
from mend_core.dialects.errors import DbError
from mend_core.errors import M7004, MendError
from mend_core.history.table import HistoryRow, HistoryTable
from mend_core.operations.resolve import Resolution, plan_resolve, write_resolution
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget
from mend_core.recovery.plan import Direction, RecoveryPlan, scope_mismatches
from mend_core.recovery.steps import (
    DEFAULT_LOCK_WAIT,
    QuietObserver,
    RecoveryObserver,
    StepFailed,
    TransactionEnded,
    run_steps,
)
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import empty_schema
from mend_core.schema.objects import ObjectKey
from mend_core.schema.plan import plan_migration
from mend_core.schema.shadow import shadow_database

_CREATE_CONCURRENTLY = re.compile(
    r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>\"(?:[^\"]|\"\")+\"|\w+)",
    re.I,
)
_DROP_CONCURRENTLY = re.compile(r"^\s*DROP\s+INDEX\s+CONCURRENTLY\s+", re.I)


@dataclass(frozen=True)
class RehearsalResult:
    ok: bool
    method: Literal["transaction", "shadow clone"]
    failed_step: int | None = None
    error: DbError | None = None
    mismatches: tuple[str, ...] = ()  # the result differs from the expected schema
    not_rehearsed: tuple[str, ...] = ()  # statements that could not run in the rehearsal
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.ok:
            text = (
                f"The rehearsal ({self.method}) succeeded: every step ran and the result matches "
                "the expected schema; it was rolled back."
                if self.method == "transaction"
                else f"The rehearsal ({self.method}) succeeded and matches the expected schema."
            )
        elif self.failed_step is not None and self.error is not None:
            text = (
                f"The rehearsal failed at step {self.failed_step}: "
                f"{self.error.message.strip()} [{self.error.code}]. Nothing was changed."
            )
        else:
            text = "The rehearsal ran, but the result differs from the expected schema: " + (
                "; ".join(self.mismatches)
            )
        return " ".join([text, *self.notes])

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "method": self.method,
            "failed_step": self.failed_step,
            "error": {"code": self.error.code, "message": self.error.message}
            if self.error
            else None,
            "mismatches": list(self.mismatches),
            "not_rehearsed": list(self.not_rehearsed),
            "notes": list(self.notes),
        }


def rehearse(
    context: Context,
    plan: RecoveryPlan,
    observer: RecoveryObserver | None = None,
    *,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    shadow_url: DatabaseTarget | None = None,
) -> RehearsalResult:
    """Run the plan where it cannot stay; say whether it would succeed, or where it fails."""
    observer = observer or QuietObserver()
    if not dialect_for(context.target.dialect).transactional_ddl:
        return _rehearse_in_clone(context, plan, observer, shadow_url)
    with write_session(context, "rehearse") as session:
        session.journal.record("rehearsal_started", migration=plan.migration, plan=plan.to_json())
        try:
            result = _rehearse_in_transaction(session, plan, observer, lock_wait)
        except TransactionEnded as ended:
            # Say what really happened: the rehearsal was not rolled back as a whole.
            session.journal.record(
                "rehearsal_transaction_ended",
                migration=plan.migration,
                step=ended.step.number,
                sql=ended.sql,
                done_before=list(ended.done),
            )
            raise MendError(
                M7004,
                f"The rehearsal stopped: {ended} The steps before it may have been committed "
                "for real.",
                f"`mend inspect {plan.migration}` shows the real state now; remove the "
                "transaction control from what the plan runs before trying again.",
            ) from None
        session.journal.record(
            "rehearsal_finished", migration=plan.migration, result=result.to_json()
        )
        return result


def _rehearse_in_transaction(
    session: WriteSession, plan: RecoveryPlan, observer: RecoveryObserver, lock_wait: float
) -> RehearsalResult:
    db = session.db
    skipped: list[str] = []
    unchecked: set[ObjectKey] = set()

    def rewrite(sql: str) -> str | None:
        # A statement that cannot run in a transaction is rehearsed in its transactional form
        # when that is cheap (dropping an index), and left out when it is not (building one).
        if _DROP_CONCURRENTLY.match(sql):
            return _DROP_CONCURRENTLY.sub("DROP INDEX ", sql, count=1)
        created = _CREATE_CONCURRENTLY.match(sql)
        if created:
            skipped.append(sql.strip())
            name = created.group("name").strip('"').replace('""', '"')
            unchecked.update(k for k in plan.scope if k[0] == "index" and k[2] == name)
            return None
        return sql

    observer.phase("Rehearsing in a transaction that is rolled back afterwards")
    # Every step in ONE transaction (the rewrite leaves none that cannot run in one), left
    # open to be inspected, then rolled back.
    steps = [replace(step, transactional=True) for step in plan.steps]
    with repair_timeouts(db, lock_wait):
        try:
            run_steps(
                db,
                steps,
                observer,
                history=lambda: write_history(session, plan),
                rewrite=rewrite,
                keep_open=True,
            )
            live = inspect_database(db)
        except StepFailed as failed:
            return RehearsalResult(
                False, "transaction", failed.failure.step.number, failed.failure.error
            )
        finally:
            db.rollback()
    mismatches = [
        m
        for m in scope_mismatches(plan, live)
        if not any(m.startswith(f"index `{k[2]}` on `{k[1]}`") for k in unchecked)
    ]
    notes = (
        ("Not rehearsed (cannot run in a transaction): " + "; ".join(skipped),) if skipped else ()
    )
    return RehearsalResult(
        not mismatches,
        "transaction",
        mismatches=tuple(mismatches),
        not_rehearsed=tuple(skipped),
        notes=notes,
    )


def write_history(session: WriteSession, plan: RecoveryPlan) -> None:
    """The history change, checked with Prisma's rules (`mend resolve`'s own) and written."""
    resolution = (
        Resolution.APPLIED if plan.direction is Direction.ROLL_FORWARD else Resolution.ROLLED_BACK
    )
    resolved = plan_resolve(session.context, session.db, resolution, plan.migration)
    write_resolution(session, resolved)


def _rehearse_in_clone(
    context: Context,
    plan: RecoveryPlan,
    observer: RecoveryObserver,
    shadow_url: DatabaseTarget | None,
) -> RehearsalResult:
    observer.phase("Rehearsing against a schema-only clone in a shadow database")
    with connect(context.target, read_only=True) as live_db:
        live = inspect_database(live_db)
        rows = [r for r in HistoryTable(live_db).rows() if r.migration_name == plan.migration]
    note = (
        "MySQL commits DDL at once, so the plan ran against a schema-only clone: failures that "
        "depend on the data (duplicates, NULLs, orphans) cannot show there."
    )
    with shadow_database("mysql", context.target, shadow_url) as shadow:
        for sql in plan_migration(empty_schema("mysql"), live).statements:
            shadow.execute(sql)
        _copy_history(shadow, rows)
        journal = context.writer("rehearse")
        session = WriteSession(context, shadow, context.history(shadow), journal)
        try:
            run_steps(shadow, plan.steps, observer, history=lambda: write_history(session, plan))
        except StepFailed as failed:
            return RehearsalResult(
                False,
                "shadow clone",
                failed.failure.step.number,
                failed.failure.error,
                notes=(note,),
            )
        result = inspect_database(shadow)
    mismatches = tuple(scope_mismatches(plan, result))
    return RehearsalResult(not mismatches, "shadow clone", mismatches=mismatches, notes=(note,))


def _copy_history(shadow: Database, rows: list[HistoryRow]) -> None:
    table = HistoryTable(shadow)
    table.create()
    columns = "id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, "
    columns += "applied_steps_count"
    for row in rows:
        shadow.execute(
            f"INSERT INTO {table.name} ({columns}) VALUES ({shadow.dialect.params(8)})",
            (
                row.id,
                row.checksum,
                row.finished_raw,
                row.migration_name,
                row.logs,
                row.rolled_back_raw,
                row.started_raw,
                row.applied_steps_count,
            ),
        )
