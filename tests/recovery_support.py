"""Helpers for the recovery tests: stage an incident, recover it, check where it ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conftest import Project, TestDatabase
from mend_core.database.session import connect
from mend_core.history.status import get_status
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.operations.drift import detect_drift
from mend_core.recovery.execute import RecoveryResult, execute_plan
from mend_core.recovery.incident import Incident, inspect_incident
from mend_core.recovery.plan import DataFix, Direction, RecoveryPlan, make_plan
from mend_core.recovery.rehearse import RehearsalResult, rehearse


@dataclass
class Staged:
    """An incident staged in a project: a failed migration, maybe a hotfix after it."""

    project: Project
    db: TestDatabase
    name: str
    hotfix_drift: list[str] = field(default_factory=list)  # drift summaries of the hotfix

    def context(self) -> Any:
        return self.project.context()

    def incident(self) -> Incident:
        return inspect_incident(self.context(), self.name)

    def plan(self, direction: Direction, fix: str | None = None) -> RecoveryPlan:
        incident = self.incident()
        data_fix = DataFix("--data-fix test", fix) if fix else None
        with connect(self.context().target, read_only=True) as session:
            return make_plan(session, incident, direction, data_fix)

    def rehearse(self, plan: RecoveryPlan) -> RehearsalResult:
        return rehearse(self.context(), plan)

    def recover(self, direction: Direction, fix: str | None = None) -> RecoveryResult:
        incident = self.incident()
        plan = self.plan(direction, fix)
        assert plan.blocked is None, plan.blocked
        rehearsal = self.rehearse(plan)
        assert rehearsal.ok, rehearsal.describe()
        return execute_plan(self.context(), plan, unrelated_keys=incident.unrelated_keys)

    def drift(self) -> list[str]:
        return [step.summary for step in detect_drift(self.context()).plan.steps]

    def status_code(self) -> int:
        return get_status(self.context()).exit_code


def q(db: TestDatabase) -> Callable[[str], str]:
    return db.q


def stage(
    project: Project,
    db: TestDatabase,
    applied: list[tuple[str, str]],
    failing: tuple[str, str],
    hotfix: str | None = None,
) -> Staged:
    """Deploy `applied`, then `failing`, which must fail; then run `hotfix` by hand."""
    for name, sql in applied:
        project.add(name, sql)
    project.add(*failing)
    try:
        deploy(project.context(), SilentDeploy())
    except MigrationFailed as failed:
        assert failed.migration_name == failing[0]
    else:
        raise AssertionError("the migration was meant to fail")
    staged = Staged(project, db, failing[0])
    if hotfix:
        before = set(staged.drift())
        for statement in hotfix.split(";\n"):
            if statement.strip():
                db.sql(statement)
        staged.hotfix_drift = sorted(set(staged.drift()) - before)
    return staged


def schema_and_history(db: TestDatabase) -> tuple[Any, ...]:
    """Everything a failed repair must leave as it was: the schema and the history rows."""
    from pathlib import Path

    from mend_core.project.target import parse_url
    from mend_core.schema.inspect import inspect_database

    with connect(parse_url(db.url, base_dir=Path.cwd()), read_only=True) as session:
        schema = inspect_database(session)
    return repr(schema), db.history()


def stage_two_blockers(project: Project, db: TestDatabase) -> Staged:
    """Two unique indexes on duplicates: the first fails, the second would fail after it."""
    q = db.q
    text = "VARCHAR(191)" if db.dialect == "mysql" else "TEXT"
    init = (
        f"CREATE TABLE {q('P')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('a')} {text}, "
        f"{q('b')} {text});\n"
        f"INSERT INTO {q('P')} VALUES (1, 'x', 'y'), (2, 'x', 'z'), (3, 'w', 'y');\n"
    )
    failing = (
        f"CREATE UNIQUE INDEX {q('P_a_key')} ON {q('P')}({q('a')});\n"
        f"CREATE UNIQUE INDEX {q('P_b_key')} ON {q('P')}({q('b')});\n"
    )
    return stage(project, db, [("1_init", init)], ("2_keys", failing))
