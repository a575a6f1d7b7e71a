"""`mend execute`: run a SQL script against the database without touching the history table,
like `prisma db execute`, but statement by statement with progress and exact error locations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mend_core.database.runner import (
    Interrupted,
    RunMode,
    ScriptFailed,
    StatementObserver,
    run_mode,
    run_statements,
)
from mend_core.database.session import connect
from mend_core.database.statement_risks import StatementRisk, statement_risks
from mend_core.database.statements import Statement
from mend_core.database.write_session import write_session
from mend_core.dialects import dialect_for
from mend_core.errors import M2007, M4002, M4004, MendError
from mend_core.history.failure import first_line_of
from mend_core.history.folder import decode_script, read_bounded
from mend_core.project.context import Context


@dataclass(frozen=True)
class ScriptPlan:
    """A script read, checked and split; what `execute` will run."""

    label: str
    statements: tuple[Statement, ...]
    mode: RunMode
    text: str


def read_script_file(path: Path) -> bytes:
    """The script, read at most one byte past the size limit (M2004 above it)."""
    try:
        with path.open("rb") as handle:
            return read_bounded(handle, str(path))
    except OSError as exc:
        raise MendError(
            M2007,
            f"The script `{path}` cannot be read ({exc.strerror}).",
            "Check the path; use --stdin to pipe a script in.",
        ) from None


def plan_script(context: Context, data: bytes, label: str) -> ScriptPlan:
    text = decode_script(data, label)
    statements = tuple(dialect_for(context.target.dialect).split(text))
    return ScriptPlan(label, statements, run_mode(context.target.dialect, statements), text)


def assess_script(context: Context, plan: ScriptPlan) -> list[StatementRisk]:
    """What the script can destroy, counted in a read-only session before it runs."""
    with connect(context.target, read_only=True) as db:
        return statement_risks(db, plan.statements)


def execute_script(
    context: Context,
    plan: ScriptPlan,
    observer: StatementObserver | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunMode:
    # No migration lock: like `prisma db execute`, a script is not a migration.
    with write_session(context, "execute", lock=False) as session:
        db, journal = session.db, session.journal
        journal.record(
            "script_started",
            script=plan.label,
            statements=len(plan.statements),
            mode=plan.mode.name,
            sql=plan.text,
        )
        try:
            mode = run_statements(db, plan.statements, observer, should_stop)
        except ScriptFailed as failed:
            record = failed.record
            journal.record("script_failed", script=plan.label, failure=record.to_json())
            raise MendError(
                M4002,
                f"The script {plan.label} failed at {record.where()}: "
                f"{first_line_of(record.statement_sql or '')}\n\n"
                f"Database error code: {record.error_code}\n\n"
                f"Database error:\n{record.message.strip()}\n\n"
                f"Effect: {record.effect()}",
                "Fix the statement and run the script again; statements reported as committed "
                "need not (and may not) run twice.",
            ) from None
        except Interrupted as stopped:
            record = stopped.record
            journal.record("script_interrupted", script=plan.label, failure=record.to_json())
            raise MendError(
                M4004,
                f"The script was interrupted at {record.where()}. Effect: {record.effect()}",
                "Check the database's state before running the script again.",
            ) from None
        journal.record("script_finished", script=plan.label)
        return mode
