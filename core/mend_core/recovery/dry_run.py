"""The rest of a failed migration, dry-run where the database allows, to analyse the data in the
migration's own order.

On PostgreSQL and SQLite the statements that did not take effect run in ONE transaction that is
always rolled back (as a rehearsal runs), each under a savepoint: the failing statement's
diagnostics and data-fix counts are taken in the state the statements before it leave (a
migration's own `DELETE ... WHERE x IS NULL` cleanup counts), and every other statement that
fails on the data is a blocker too, listed with its rows, so that one round of analysis finds
them all. Lock waits are bounded; the session is asked after every statement whether the
transaction is still open. MySQL commits DDL at once, so it is not dry-run there (said so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mend_core.database.session import Database, connect
from mend_core.database.write_session import repair_timeouts
from mend_core.dialects import dialect_for
from mend_core.dialects.errors import DatabaseError
from mend_core.errors import MendError
from mend_core.history.failure import FailureRecord
from mend_core.project.context import Context
from mend_core.recovery.cause import FailureCause, classify_cause, possible_causes
from mend_core.recovery.data_fix import DataFixTemplate, templates
from mend_core.recovery.diagnostics import Diagnostic, diagnose
from mend_core.recovery.effects import Effect
from mend_core.schema.compare import compare

if TYPE_CHECKING:
    from mend_core.recovery.incident import Incident

LOCK_WAIT = 2.0  # seconds: an analysis never queues behind production traffic for long
_SAVEPOINT = "mend_dry_run"


@dataclass(frozen=True)
class Blocker:
    """A later statement of the migration that fails on the data too."""

    statement: int
    cause: FailureCause
    diagnostics: tuple[Diagnostic, ...]
    templates: tuple[DataFixTemplate, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "cause": self.cause.to_json(),
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "data_fix_templates": [t.to_json() for t in self.templates],
        }


@dataclass(frozen=True)
class DryRun:
    """What the dry run found: the failing statement's analysis in the migration's state, and
    the other blockers."""

    diagnostics: tuple[Diagnostic, ...] | None  # None: the failing statement was not reached
    templates: tuple[DataFixTemplate, ...] | None
    blockers: tuple[Blocker, ...]
    note: str = ""


Analyse = Callable[[Database, "FailureCause"], tuple[list["Diagnostic"], list["DataFixTemplate"]]]


def can_dry_run(context: Context, incident: Incident) -> str | None:
    """Why the migration cannot be dry-run here, or None."""
    if not dialect_for(incident.dialect).transactional_ddl:
        return "MySQL commits DDL at once, so the rest of the migration is not dry-run there"
    if context.read_only:
        return (
            "read-only: the rest of the migration was not dry-run; `--dry-run` runs it in a "
            "transaction that is rolled back, to count in its order and find every blocker"
        )
    if incident.failing_index is None:
        return "the failing statement is unknown"
    others = [
        e
        for e in incident.effects
        if not _skipped(e) and e.statement.index != incident.failing_index
    ]
    if not others:
        return "nothing else of the migration is left to run: the live rows are its state"
    return None


def dry_run(context: Context, incident: Incident, analyse: Analyse) -> DryRun:
    """Run what is left of the migration in a transaction that is rolled back; `analyse` gives
    the diagnostics and templates of a cause on the session, in the state reached."""
    failing = incident.failing_index
    primary: tuple[list[Diagnostic], list[DataFixTemplate]] | None = None
    blockers: list[Blocker] = []
    with connect(context.target) as db, repair_timeouts(db, LOCK_WAIT):
        db.begin()
        try:
            for effect in incident.effects:
                statement = effect.statement
                if _skipped(effect):
                    continue
                if statement.index == failing and incident.cause is not None:
                    primary = analyse(db, incident.cause)
                db.execute(f"SAVEPOINT {_SAVEPOINT}")
                try:
                    db.execute(statement.sql)
                except DatabaseError as refused:
                    db.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
                    if statement.index != failing:
                        record = FailureRecord(
                            source="mend",
                            message=refused.db_error.message,
                            error_code=refused.db_error.code,
                            detail=refused.db_error.detail,
                            statement_index=statement.index,
                        )
                        index = statement.index
                        changes = compare(
                            incident.states.state_before(index),
                            incident.states.statements[index - 1].after,
                        )
                        cause = classify_cause(record, incident.dialect, changes)
                        if cause.data_caused:
                            found, fixes = analyse(db, cause)
                            blockers.append(Blocker(index, cause, tuple(found), tuple(fixes)))
                else:
                    db.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
                if not db.transaction_still_open():
                    # Cannot happen (transaction control is skipped), but a dry run must never
                    # go on outside its transaction.
                    return DryRun(None, None, tuple(blockers), "the dry run's transaction ended")
        except MendError as stopped:  # a lock wait, a lost connection: analyse the live rows
            return DryRun(None, None, tuple(blockers), f"the dry run stopped: {stopped.message}")
        finally:
            db.rollback()
    if primary is None:
        return DryRun(None, None, tuple(blockers))
    return DryRun(tuple(primary[0]), tuple(primary[1]), tuple(blockers))


def _skipped(effect: Any) -> bool:
    """Statements a dry run does not run: done already, the script's own transaction control,
    those that cannot run in a transaction, and those on objects the migration did not make."""
    statement = effect.statement
    return bool(
        effect.effect is Effect.TOOK_EFFECT
        or statement.transaction_control
        or statement.autocommit
        or effect.preexisting
    )


def static_blockers(db: Database, incident: Incident) -> tuple[Blocker, ...]:
    """Where the migration cannot be dry-run (MySQL, a read-only session): each statement left
    to run after the failing one is checked on the live rows for what would block it (NULLs
    for NOT NULL, duplicates for a unique index, orphans for a foreign key, CHECK violators,
    values that do not cast), read-only. The rows are those of now, not of the state the
    earlier statements would leave."""
    failing = incident.failing_index or 0
    found: list[Blocker] = []
    for effect in incident.effects:
        index = effect.statement.index
        if index <= failing or _skipped(effect) or not effect.keys:
            continue
        changes = compare(
            incident.states.state_before(index), incident.states.statements[index - 1].after
        )
        for cause in possible_causes(changes):
            if incident.live.table(cause.table or "") is None:
                continue  # a table the migration makes has no rows yet
            shown = tuple(d for d in diagnose(db, cause, incident.live) if d.count != 0)
            if any(d.sample for d in shown):
                fixes = tuple(templates(db, cause, incident.live))
                found.append(Blocker(index, cause, shown, fixes))
    return tuple(found)
