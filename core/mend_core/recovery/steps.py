"""Running a plan's steps: in one transaction with the history change where the database allows
(PostgreSQL, SQLite), statement by statement where it does not (MySQL); a step that cannot run
in a transaction runs alone, committed on its own."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from mend_core.database.session import Database
from mend_core.dialects.errors import DatabaseError, DbError
from mend_core.recovery.plan import PlanStep

# How long a repair statement waits for a table lock, in seconds (lock_timeout): the default of
# the rehearsal, the execution and `--lock-wait`.
DEFAULT_LOCK_WAIT = 5.0


class RecoveryObserver(Protocol):
    """Progress, for the CLI (stderr) and the wizard (its progress view), from one source."""

    def phase(self, text: str) -> None: ...

    def step_started(self, step: PlanStep, total: int) -> None: ...

    def step_finished(self, step: PlanStep, total: int, seconds: float) -> None: ...


class QuietObserver:
    def phase(self, text: str) -> None:
        pass

    def step_started(self, step: PlanStep, total: int) -> None:
        pass

    def step_finished(self, step: PlanStep, total: int, seconds: float) -> None:
        pass


@dataclass(frozen=True)
class StepFailure:
    """A step the database refused: which, its statement, the error, and what is done."""

    step: PlanStep
    sql: str
    error: DbError
    done: tuple[int, ...]  # steps whose effects persist (committed)
    undone: tuple[int, ...]  # steps rolled back with the transaction

    def describe(self) -> str:
        def steps(numbers: tuple[int, ...], one: str, more: str) -> str:
            listed = ", ".join(map(str, numbers))
            return f"step {listed} {one}" if len(numbers) == 1 else f"steps {listed} {more}"

        kept = steps(self.done, "stays done", "stay done") if self.done else "nothing stays"
        undone = (
            "; " + steps(self.undone, "was rolled back", "were rolled back") if self.undone else ""
        )
        return (
            f"Step {self.step.number} ({self.step.summary}) failed: {self.error.message.strip()} "
            f"[{self.error.code}]. {kept}{undone}."
        )


class StepFailed(Exception):
    def __init__(self, failure: StepFailure) -> None:
        super().__init__(failure.describe())
        self.failure = failure


class TransactionEnded(Exception):
    """A statement ended the transaction the steps share (its own COMMIT or ROLLBACK slipped
    through): what ran before it in that transaction was committed or discarded for real."""

    def __init__(self, step: PlanStep, sql: str, done: tuple[int, ...]) -> None:
        super().__init__(
            f"Step {step.number} ({step.summary}) ended the transaction the repair runs in: "
            f"`{' '.join(sql.split())[:80]}`. What ran before it in that transaction is no "
            "longer pending; the steps after it did not run."
        )
        self.step = step
        self.sql = sql
        self.done = done


Batch = tuple[bool, tuple[PlanStep, ...]]  # (in a transaction, steps)


def batches(steps: Sequence[PlanStep], transactional_ddl: bool) -> list[Batch]:
    """Consecutive steps that share a transaction, and the steps that run alone."""
    if not transactional_ddl:
        return [(False, (step,)) for step in steps]
    result: list[Batch] = []
    current: list[PlanStep] = []
    for step in steps:
        if step.transactional:
            current.append(step)
            continue
        if current:
            result.append((True, tuple(current)))
            current = []
        result.append((False, (step,)))
    if current:
        result.append((True, tuple(current)))
    return result


def run_steps(
    db: Database,
    steps: Sequence[PlanStep],
    observer: RecoveryObserver,
    *,
    history: Callable[[], None] | None = None,
    before_statement: Callable[[PlanStep, str], None] | None = None,
    after_statement: Callable[[PlanStep, str, float], None] | None = None,
    rewrite: Callable[[str], str | None] | None = None,
    keep_open: bool = False,
) -> None:
    """Run the steps; `history` runs inside the last transaction (or in one of its own after the
    steps). `rewrite` may replace or skip (None) a statement (rehearsals). `keep_open` leaves the
    last transaction open for the caller to inspect and roll back (rehearsals)."""
    transactional = db.dialect.transactional_ddl
    plan_batches = batches(steps, transactional)
    done: list[int] = []
    total = len(steps)
    history_done = False
    for position, (in_transaction, group) in enumerate(plan_batches):
        last = position == len(plan_batches) - 1
        if in_transaction:
            db.begin()
        try:
            for step in group:
                _run_step(
                    db,
                    step,
                    total,
                    observer,
                    before_statement,
                    after_statement,
                    rewrite,
                    in_transaction,
                )
            if last and history is not None and (in_transaction or not transactional):
                history()
                history_done = True
            if in_transaction and not (last and keep_open):
                db.commit()
        except _StepError as refused:
            undone = tuple(s.number for s in group) if in_transaction else ()
            if in_transaction:
                db.rollback()
            failing, exc = refused.step, refused.error
            raise StepFailed(
                StepFailure(failing, exc.sql or "", exc.db_error, tuple(done), undone)
            ) from None
        except DatabaseError as exc:  # the history change, or a COMMIT (deferred constraints)
            undone = tuple(s.number for s in group) if in_transaction else ()
            if in_transaction:
                db.rollback()
            raise StepFailed(
                StepFailure(group[-1], exc.sql or "", exc.db_error, tuple(done), undone)
            ) from None
        except TransactionEnded as ended:
            db.in_transaction = False
            raise TransactionEnded(ended.step, ended.sql, tuple(done)) from None
        except BaseException:
            # Anything else (the history's own checks, Ctrl-C): nothing of the open
            # transaction may stay.
            if in_transaction:
                db.recover_after_interrupt()
                db.rollback()
            raise
        done += [s.number for s in group]
    if history is not None and not history_done:
        db.begin()
        history()
        if not keep_open:
            db.commit()


def _run_step(
    db: Database,
    step: PlanStep,
    total: int,
    observer: RecoveryObserver,
    before_statement: Callable[[PlanStep, str], None] | None,
    after_statement: Callable[[PlanStep, str, float], None] | None,
    rewrite: Callable[[str], str | None] | None,
    in_transaction: bool,
) -> None:
    observer.step_started(step, total)
    started = time.perf_counter()
    for sql in step.sql:
        text = rewrite(sql) if rewrite is not None else sql
        if text is None:
            continue
        if before_statement is not None:
            before_statement(step, text)
        began = time.perf_counter()
        try:
            db.execute(text)
        except DatabaseError as exc:
            raise _StepError(step, exc) from None
        # Asked of the server, not of mend's own bookkeeping: a COMMIT must never pass for a
        # statement of the transaction (a rehearsal would report as rolled back what stayed).
        if in_transaction and not db.transaction_still_open():
            raise TransactionEnded(step, text, ())
        if after_statement is not None:
            after_statement(step, text, time.perf_counter() - began)
    observer.step_finished(step, total, time.perf_counter() - started)


class _StepError(Exception):
    """A statement of `step` failed (internal: becomes StepFailed with what persisted)."""

    def __init__(self, step: PlanStep, error: DatabaseError) -> None:
        super().__init__(str(error))
        self.step = step
        self.error = error
