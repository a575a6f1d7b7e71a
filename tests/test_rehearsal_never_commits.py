"""A rehearsal never commits: transaction control in a data fix is refused before anything runs,
a migration's own BEGIN/COMMIT never becomes a step of a plan, and a transaction that ends
early anyway stops the rehearsal loudly instead of being reported as rolled back."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.database.session import connect
from mend_core.database.statements import Statement
from mend_core.errors import MendError
from mend_core.recovery.plan import DataFix, Direction, PlanStep, make_plan
from mend_core.recovery.steps import QuietObserver, TransactionEnded, run_steps
from recovery_support import schema_and_history, stage
from test_recovery import seed_incident, text_type

# Transaction control written the ways an operator might: each must be refused.
_CONTROL = [
    "COMMIT;",
    "commit work;",
    "END;",
    "BEGIN;\n{fix}\nCOMMIT;",
    "START TRANSACTION;\n{fix}\nCOMMIT;",
    "{fix}\nROLLBACK;",
    "BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n{fix}",
    "-- tidy up first\n{fix}\n/* and then */ COMMIT;",
]


@pytest.mark.parametrize("shape", _CONTROL)
def test_transaction_control_in_a_data_fix_is_refused(
    project: Project, db: TestDatabase, shape: str
):
    staged = seed_incident(project, db)
    q = db.q
    fix = f"DELETE FROM {q('User')} WHERE {q('id')} = 2;"
    before = schema_and_history(db)
    with pytest.raises(MendError) as caught:
        staged.plan(Direction.ROLL_FORWARD, shape.format(fix=fix))
    assert caught.value.code == "M7006"
    assert "transaction" in caught.value.message.lower()
    assert schema_and_history(db) == before


def test_transaction_control_in_a_data_fix_is_refused_by_the_command(
    project: Project, db: TestDatabase
):
    seed_incident(project, db)
    q = db.q
    (project.root / "fix.sql").write_text(
        f"DELETE FROM {q('User')} WHERE {q('id')} = 2;\nCOMMIT;\n", encoding="utf-8"
    )
    before = schema_and_history(db)
    for args in (
        ["recover", "--roll-forward", "--data-fix", "fix.sql", "--rehearse-only"],
        ["recover", "--roll-forward", "--data-fix", "fix.sql", "--yes"],
        ["plan", "--roll-forward", "--data-fix", "fix.sql"],
    ):
        completed = project.mend(*args, "--url", db.url)
        assert completed.returncode == 1, completed.stdout + completed.stderr
        assert completed.stderr.startswith("Error: M7006"), completed.stderr
        assert "Traceback" not in completed.stderr
    assert schema_and_history(db) == before
    assert db.history()[-1][1] is None  # still failed, not applied


def test_savepoints_and_rollback_to_are_not_transaction_control(db: TestDatabase):
    for sql in ("SAVEPOINT a", "ROLLBACK TO SAVEPOINT a", "ROLLBACK TRANSACTION TO a"):
        assert Statement(1, sql, 1).transaction_control is None, sql
    for sql in ("BEGIN NOT ATOMIC SELECT 1; END", "UPDATE t SET x = 1"):
        assert Statement(1, sql, 1).transaction_control is None, sql
    for sql, kind in (
        ("ABORT", "rollback"),
        ("PREPARE TRANSACTION 'x'", "commit"),
        ("BEGIN READ WRITE", "begin"),
        ("BEGIN IMMEDIATE TRANSACTION", "begin"),
    ):
        assert Statement(1, sql, 1).transaction_control == kind, sql


def _own_transactions(project: Project, db: TestDatabase):
    """A migration with its own BEGIN/COMMIT whose second transaction fails on duplicates."""
    q, text = db.q, text_type(db)
    init = (
        f"CREATE TABLE {q('User')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('name')} {text} NOT NULL);\n"
        f"INSERT INTO {q('User')} VALUES (1, 'paul');\n"
        f"INSERT INTO {q('User')} VALUES (2, 'paul');\n"
    )
    failing = (
        "BEGIN;\n"
        f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
        "COMMIT;\n"
        "BEGIN;\n"
        f"ALTER TABLE {q('User')} ADD COLUMN {q('email')} {text};\n"
        f"CREATE UNIQUE INDEX {q('User_name_key')} ON {q('User')}({q('name')});\n"
        "COMMIT;\n"
    )
    return stage(project, db, [("1_init", init)], ("2_own", failing))


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_a_migration_with_its_own_commit_is_rehearsed_without_committing(
    project: Project, db: TestDatabase
):
    staged = _own_transactions(project, db)
    plan = staged.plan(
        Direction.ROLL_FORWARD, f"DELETE FROM {db.q('User')} WHERE {db.q('id')} = 2;"
    )
    assert not any(Statement(1, sql, 1).transaction_control for sql in plan.statements)
    assert any("transaction" in note and "left out" in note for note in plan.notes), plan.notes
    before = schema_and_history(db)
    result = staged.rehearse(plan)
    assert result.ok, result.describe()
    assert schema_and_history(db) == before
    fix = f"DELETE FROM {db.q('User')} WHERE {db.q('id')} = 2;\n"
    (project.root / "fix.sql").write_text(fix, encoding="utf-8")
    rehearsed = project.mend(
        "recover", "--roll-forward", "--data-fix", "fix.sql", "--rehearse-only", "--url", db.url
    )
    assert rehearsed.returncode == 0, rehearsed.stderr
    assert schema_and_history(db) == before
    done = staged.recover(Direction.ROLL_FORWARD, fix)
    assert done.verification.ok, done.verification.to_json()
    assert staged.status_code() == 0 and staged.drift() == []


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_a_transaction_ended_early_stops_a_rehearsal_loudly(project: Project, db: TestDatabase):
    """The last line of defence: steps that slip a COMMIT past the plan are caught at once."""
    q = db.q
    db.sql(f"CREATE TABLE {q('T')} ({q('id')} INTEGER)")
    steps = (
        PlanStep(1, "data fix", "insert", (f"INSERT INTO {q('T')} VALUES (1)",)),
        PlanStep(2, "data fix", "commit", ("COMMIT",)),
        PlanStep(3, "data fix", "insert", (f"INSERT INTO {q('T')} VALUES (2)",)),
    )
    with connect(project.context().target) as session:
        with pytest.raises(TransactionEnded) as caught:
            run_steps(session, steps, QuietObserver(), keep_open=True)
        session.rollback()
    assert caught.value.step.number == 2
    # The commit really happened (that is what is reported), and nothing after it ran.
    assert db.sql(f"SELECT {q('id')} FROM {q('T')}") == [(1,)]


def test_generated_plans_hold_no_transaction_control(project: Project, db: TestDatabase):
    staged = _own_transactions(project, db) if db.dialect != "mysql" else seed_incident(project, db)
    with connect(staged.context().target, read_only=True) as session:
        incident = staged.incident()
        for direction in Direction:
            fix = DataFix("--data-fix t", f"DELETE FROM {db.q('User')} WHERE {db.q('id')} = 2;")
            forward = direction is Direction.ROLL_FORWARD
            plan = make_plan(session, incident, direction, fix if forward else None)
            for sql in plan.statements:
                assert Statement(1, sql, 1).transaction_control is None, sql
