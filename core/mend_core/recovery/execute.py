"""`mend recover`: run a recovery plan for real, resolve the history, verify.

Under Prisma's migration lock, the fingerprint is taken again: if the schema or the migration's
history rows changed since the plan was made, nothing runs (M4008). On PostgreSQL and SQLite
the repair and the `_prisma_migrations` change commit in ONE transaction: either repaired and
resolved, or neither (a step that cannot run in a transaction runs alone, and the plan says so
up front). On MySQL each statement commits on its own: the history changes only after every step
succeeded; after a failure, a second `mend recover` analyses the real state again and continues.
Lock waits are bounded (`lock_timeout`, `lock_wait_timeout`) so a repair never queues behind
production traffic while holding everyone else up. Everything goes to the journal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mend_core.database.write_session import WriteSession, repair_timeouts, write_session
from mend_core.errors import M4004, M4008, M7003, M7005, MendError
from mend_core.history.table import HistoryRow
from mend_core.project.context import Context
from mend_core.recovery.fingerprint import fingerprint_of
from mend_core.recovery.plan import PlanStep, RecoveryPlan
from mend_core.recovery.rehearse import write_history
from mend_core.recovery.steps import (
    DEFAULT_LOCK_WAIT,
    QuietObserver,
    RecoveryObserver,
    StepFailed,
    StepFailure,
    TransactionEnded,
    run_steps,
)
from mend_core.recovery.verify import Verification, verify
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema


@dataclass(frozen=True)
class RecoveryResult:
    plan: RecoveryPlan
    verification: Verification
    run: str  # the journal run id

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_json(),
            "verification": self.verification.to_json(),
            "journal_run": self.run,
        }


class RecoveryStepFailed(MendError):
    """M7005, with the step that stopped the recovery kept as data: the wizard's Execute step
    marks it, as the Rehearse step marks the step its rehearsal failed at."""

    def __init__(
        self,
        message: str,
        hint: str,
        step: PlanStep,
        failure: StepFailure | None = None,
    ) -> None:
        super().__init__(M7005, message, hint)
        self.step = step
        # The database's refusal and what stayed done; None when the step ended the
        # transaction the repair ran in (no error: its own COMMIT or ROLLBACK).
        self.failure = failure


def execute_plan(
    context: Context,
    plan: RecoveryPlan,
    observer: RecoveryObserver | None = None,
    *,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    unrelated_keys: frozenset[Any] = frozenset(),
    analysis: dict[str, Any] | None = None,
) -> RecoveryResult:
    """Guard, repair, resolve, verify. Raises M4008 (changed since the plan), M7005 (a step
    failed: a `RecoveryStepFailed`, which says which) or M4004 (interrupted); the verification
    is in the result (its `raise_if_failed()` is M4009), so that a caller can show what was
    found either way."""
    observer = observer or QuietObserver()
    if plan.blocked:
        raise MendError(M7003, plan.blocked, "Choose the other direction, or fix what it says.")
    with write_session(context, "recover") as session:
        journal = session.journal
        journal.record(
            "recovery_started",
            migration=plan.migration,
            direction=plan.direction.value,
            analysis=analysis,
            plan=plan.to_json(),
        )
        observer.phase("Checking that the database is as the plan found it")
        live_before, rows_before = _guard(session, plan)
        journal.record("guard_passed", fingerprint=plan.fingerprint.to_json())
        journal.record("history_before", rows=_rows_json(rows_before))
        observer.phase(f"Running the {plan.direction.words} ({len(plan.steps)} step(s))")
        _run(session, plan, observer, lock_wait)
        rows_after = _migration_rows(session, plan.migration)
        journal.record("history_after", rows=_rows_json(rows_after))
    observer.phase("Verifying the result")
    verification = verify(context, plan, live_before, unrelated_keys)
    # The same journal run: the verification belongs to this recovery.
    journal.record("recovery_verified", migration=plan.migration, result=verification.to_json())
    return RecoveryResult(plan, verification, journal.run)


def _guard(session: WriteSession, plan: RecoveryPlan) -> tuple[Schema, list[HistoryRow]]:
    live = inspect_database(session.db)
    rows = _migration_rows(session, plan.migration)
    now = fingerprint_of(live, rows)
    if now != plan.fingerprint:
        what = []
        if now.schema != plan.fingerprint.schema:
            what.append("the schema")
        if now.history != plan.fingerprint.history:
            what.append(f"the history rows of `{plan.migration}`")
        session.journal.record(
            "guard_refused", planned=plan.fingerprint.to_json(), found=now.to_json()
        )
        raise MendError(
            M4008,
            f"The database changed since the plan was made ({' and '.join(what)} differ): "
            "running the plan now could do something else than what was reviewed. Nothing was "
            "changed.",
            f"Analyse it again and make a new plan: `mend plan {plan.migration} "
            f"--{plan.direction.value.replace('_', '-')}`.",
        )
    return live, rows


def _run(
    session: WriteSession, plan: RecoveryPlan, observer: RecoveryObserver, lock_wait: float
) -> None:
    journal = session.journal

    def before(step: Any, sql: str) -> None:
        journal.record("statement_started", step=step.number, sql=sql)

    def after(step: Any, sql: str, seconds: float) -> None:
        journal.record("statement_finished", step=step.number, seconds=round(seconds, 4))

    def history() -> None:
        write_history(session, plan)
        journal.record("history_written", resolution=plan.history.command)

    try:
        with repair_timeouts(session.db, lock_wait):
            run_steps(
                session.db,
                plan.steps,
                observer,
                history=history,
                before_statement=before,
                after_statement=after,
            )
    except StepFailed as failed:
        failure = failed.failure
        journal.record(
            "step_failed",
            step=failure.step.number,
            sql=failure.sql,
            error_code=failure.error.code,
            error=failure.error.message,
            done=list(failure.done),
            undone=list(failure.undone),
        )
        atomic = session.db.dialect.transactional_ddl
        raise RecoveryStepFailed(
            failure.describe()
            + (
                " The history was not changed."
                if atomic or not failure.done
                else " The history was not changed; what ran before the failure stays."
            ),
            f"`mend inspect {plan.migration}` analyses the real state again; then plan and "
            "recover from there. A lock wait (lock_timeout) means production traffic held the "
            "table: try again later or raise --lock-wait.",
            failure.step,
            failure,
        ) from None
    except TransactionEnded as ended:
        journal.record(
            "step_ended_transaction",
            step=ended.step.number,
            sql=ended.sql,
            done_before=list(ended.done),
        )
        raise RecoveryStepFailed(
            f"{ended} The history was not changed.",
            f"`mend inspect {plan.migration}` analyses the real state again; then plan and "
            "recover from there.",
            ended.step,
        ) from None
    except KeyboardInterrupt:
        session.db.recover_after_interrupt()
        session.db.rollback()
        journal.record("recovery_interrupted", migration=plan.migration)
        raise MendError(
            M4004,
            "The recovery was interrupted. On PostgreSQL and SQLite the open transaction was "
            "rolled back; on MySQL the statements that finished stay.",
            f"`mend inspect {plan.migration}` shows the real state.",
        ) from None


def _migration_rows(session: WriteSession, name: str) -> list[HistoryRow]:
    return [row for row in session.history.rows() if row.migration_name == name]


def _rows_json(rows: list[HistoryRow]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "checksum": r.checksum,
            "started_at": _text(r.started_at),
            "finished_at": _text(r.finished_at),
            "rolled_back_at": _text(r.rolled_back_at),
            "applied_steps_count": r.applied_steps_count,
        }
        for r in rows
    ]


def _text(value: object) -> str | None:
    return value.isoformat(timespec="milliseconds") if hasattr(value, "isoformat") else None
