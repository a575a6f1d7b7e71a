"""A plan never drops or changes what the migration did not make (issue 13 §1): a failing
statement that collides with a hand-made object, the demo's hand-made index built on the failed
migration's column, and every "left as it is" claim checked against the catalog."""

from __future__ import annotations

from pathlib import Path

from conftest import Project, TestDatabase
from mend_core.database.session import connect
from mend_core.operations.demo import create_demo
from mend_core.recovery.effects import Effect
from mend_core.recovery.execute import execute_plan
from mend_core.recovery.incident import inspect_incident
from mend_core.recovery.plan import NOT_OURS, Direction, make_plan
from mend_core.recovery.rehearse import rehearse
from recovery_support import stage
from test_recovery import text_type


def _bool(db: TestDatabase) -> str:
    return "BOOLEAN" if db.dialect != "mysql" else "TINYINT(1)"


def _collision(project: Project, db: TestDatabase, hand_type: str | None = None):
    """`Result` made by migration 1; `hasStarted` added by hand, with 3 values; migration 2
    creates `X`, then adds `hasStarted` again and fails."""
    q = db.q
    hand_type = hand_type or _bool(db)
    project.add("1_result", f"CREATE TABLE {q('Result')} ({q('id')} INTEGER PRIMARY KEY);\n")
    from mend_core.operations.deploy import SilentDeploy, deploy

    deploy(project.context(), SilentDeploy())
    db.sql(f"ALTER TABLE {q('Result')} ADD COLUMN {q('hasStarted')} {hand_type}")
    true, false = ("TRUE", "FALSE") if db.dialect == "postgresql" else ("1", "0")
    if hand_type.startswith(("TEXT", "VARCHAR")):
        true, false = "'yes'", "'no'"
    for row, flag in ((1, true), (2, false), (3, true)):
        db.sql(f"INSERT INTO {q('Result')} VALUES ({row}, {flag})")
    failing = (
        f"CREATE TABLE {q('X')} ({q('id')} INTEGER);\n"
        f"ALTER TABLE {q('Result')} ADD COLUMN {q('hasStarted')} {_bool(db)};\n"
    )
    return stage(project, db, [], ("2_started", failing))


def _values(db: TestDatabase) -> list[tuple[object, ...]]:
    q = db.q
    return db.sql(f"SELECT {q('id')}, {q('hasStarted')} FROM {q('Result')} ORDER BY {q('id')}")


def test_a_failing_statement_that_collides_is_conflicting_not_took_effect(
    project: Project, db: TestDatabase
):
    staged = _collision(project, db)
    incident = staged.incident()
    second = incident.effect_of(2)
    assert second.effect is Effect.CONFLICTING, second
    assert "existed before this migration" in second.note
    assert "hasStarted" in second.note  # with the live definition
    assert ("column", "Result", "hasStarted") in incident.preexisting_keys
    assert incident.failing_index == 2
    first = incident.effect_of(1)
    # PostgreSQL rolled the attempt back whole; MySQL and SQLite kept the first statement.
    expected = Effect.NOT_RUN if db.dialect == "postgresql" else Effect.TOOK_EFFECT
    assert first.effect is expected
    inspected = project.mend("inspect", "--url", db.url)
    assert inspected.returncode == 0, inspected.stderr
    assert "existed before this migration" in inspected.stdout


def test_roll_back_leaves_the_colliding_column_and_its_values(project: Project, db: TestDatabase):
    staged = _collision(project, db)
    values = _values(db)
    assert len(values) == 3
    plan = staged.plan(Direction.ROLL_BACK)
    assert ("column", "Result", "hasStarted") in plan.left_alone
    assert not any("hasStarted" in sql for sql in plan.statements), plan.statements
    result = staged.recover(Direction.ROLL_BACK)
    assert result.verification.ok, result.verification.describe()
    assert _values(db) == values
    assert "X" not in db.tables()
    # The fix Prisma's guide gives: drop the duplicate statement, deploy again.
    (project.root / "prisma" / "migrations" / "2_started" / "migration.sql").write_text(
        f"CREATE TABLE {db.q('X')} ({db.q('id')} INTEGER);\n", encoding="utf-8"
    )
    deployed = project.mend("deploy", "--yes", "--url", db.url)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert _values(db) == values


def test_roll_forward_adopts_an_identical_column(project: Project, db: TestDatabase):
    staged = _collision(project, db)
    values = _values(db)
    plan = staged.plan(Direction.ROLL_FORWARD)
    assert plan.blocked is None, plan.blocked
    assert not any("hasStarted" in sql for sql in plan.statements), plan.statements
    assert any("Adopted" in note and "hasStarted" in note for note in plan.notes), plan.notes
    result = staged.recover(Direction.ROLL_FORWARD)
    assert result.verification.ok, result.verification.describe()
    assert _values(db) == values
    assert "X" in db.tables()
    assert staged.status_code() == 0


def test_roll_forward_changes_a_differing_column_only_in_a_step_of_its_own(
    project: Project, db: TestDatabase
):
    text = text_type(db)
    staged = _collision(project, db, hand_type=text)
    plan = staged.plan(Direction.ROLL_FORWARD)
    named = [step for step in plan.steps if step.role == NOT_OURS]
    assert named, [s.summary for s in plan.steps]
    assert all("not made by this migration" in step.summary for step in named)
    assert any("make it again" in risk.text for step in named for risk in step.risks)
    assert [key for key, _ in plan.not_ours] == [("column", "Result", "hasStarted")]
    assert any("hasStarted" in sql for _, ddl in plan.not_ours for sql in ddl)
    # Every other step is the migration's own.
    others = [s for s in plan.steps if s.role != NOT_OURS]
    assert not any("hasStarted" in sql for step in others for sql in step.sql)
    script = project.mend("plan", "--roll-forward", "--script", "--url", db.url)
    assert script.returncode == 0, script.stderr
    assert "not made by this migration" in script.stdout


def test_the_demos_hand_made_index_is_removed_by_its_own_named_step(tmp_path: Path):
    demo = create_demo(tmp_path / "demo")
    context = demo.context
    incident = inspect_incident(context)
    from mend_core.recovery.plan import roll_back_collateral

    index = ("index", "User", "User_email_idx")
    assert index in roll_back_collateral(incident)
    with connect(context.target, read_only=True) as session:
        plan = make_plan(session, incident, Direction.ROLL_BACK)
    first = plan.steps[0]
    assert first.role == NOT_OURS and "User_email_idx" in first.summary
    assert [key for key, _ in plan.not_ours] == [index]
    assert "CREATE INDEX" in " ".join(plan.not_ours[0][1])
    assert rehearse(context, plan).ok
    result = execute_plan(context, plan, unrelated_keys=incident.unrelated_keys)
    verification = result.verification
    assert verification.ok, verification.describe()
    said = verification.describe()
    assert "User_email_idx" in said and "CREATE INDEX" in said
    assert "unrelated drift is untouched" not in said
    # The incident report keeps the object's DDL too.
    from mend_core.recovery.report import incident_report, render_markdown

    text = render_markdown(incident_report(context, incident.migration))
    assert 'CREATE INDEX "User_email_idx" ON "User"("email")' in text


def test_verification_catches_a_left_alone_object_that_changed(project: Project, db: TestDatabase):
    staged = _collision(project, db)
    incident = staged.incident()
    with connect(staged.context().target, read_only=True) as session:
        plan = make_plan(session, incident, Direction.ROLL_BACK)
    from dataclasses import replace

    from mend_core.recovery.plan import PlanStep

    q = db.q
    sabotage = PlanStep(
        99, "repair", "sabotage", (f"ALTER TABLE {q('Result')} DROP COLUMN {q('hasStarted')}",)
    )
    bad = replace(plan, steps=(*plan.steps, sabotage))
    result = execute_plan(staged.context(), bad, unrelated_keys=incident.unrelated_keys)
    assert not result.verification.ok
    assert any("hasStarted" in c for c in result.verification.unrelated_changed)
