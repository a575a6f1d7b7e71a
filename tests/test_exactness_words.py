"""Exactness: P3015 and P3009 in the order Prisma's engine gives them, and the words mend uses
about a failure (statement numbers and lines, error codes, steps, notes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.database.session import connect
from mend_core.dialects.errors import DbError
from mend_core.errors import MendError
from mend_core.history.failure import FailureRecord
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.project.target import parse_url
from mend_core.recovery.effects import Effect
from mend_core.recovery.plan import PlanStep
from mend_core.recovery.steps import StepFailure
from mend_core.schema.replay import replay
from recovery_support import stage


def table(db: TestDatabase, name: str) -> str:
    return f"CREATE TABLE {db.q(name)} ({db.q('id')} INTEGER NOT NULL PRIMARY KEY);\n"


# -- P3015 and P3009 ------------------------------------------------------------------------------
def test_an_applied_migration_without_its_script_is_p3015_in_deploy_and_status(
    project: Project, db: TestDatabase
):
    """Prisma's engine, checked: deploy and status stop with P3015, applied or not."""
    project.add("1_a", table(db, "a"))
    first = project.mend("deploy", "--yes", "--url", db.url)
    assert first.returncode == 0, first.stdout + first.stderr
    (project.migrations / "1_a" / "migration.sql").unlink()
    project.add("2_b", table(db, "b"))

    deployed = project.mend("deploy", "--yes", "--url", db.url)
    assert deployed.returncode == 1, deployed.stdout + deployed.stderr
    assert deployed.stderr.startswith("Error: P3015"), deployed.stderr
    assert "1_a/migration.sql" in deployed.stderr
    assert "Traceback" not in deployed.stderr
    assert "b" not in db.tables()  # nothing applied
    assert [row[0] for row in db.history()] == ["1_a"]

    status = project.mend("status", "--url", db.url)
    assert status.returncode == 1, status.stdout + status.stderr
    assert status.stderr.startswith("Error: P3015"), status.stderr
    as_json = project.mend("status", "--json", "--url", db.url)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "P3015"


def test_a_failed_migration_is_p3009_before_a_missing_script(project: Project, db: TestDatabase):
    project.add("1_a", table(db, "a"))
    project.add("2_bad", "SELECT * FROM nowhere;\n")
    failed = project.mend("deploy", "--yes", "--url", db.url)
    assert failed.returncode == 1 and failed.stderr.startswith("Error: P3018"), failed.stderr
    (project.migrations / "1_a" / "migration.sql").unlink()
    deployed = project.mend("deploy", "--yes", "--url", db.url)
    assert deployed.returncode == 1
    assert deployed.stderr.startswith("Error: P3009"), deployed.stderr
    with pytest.raises(MendError) as caught:
        deploy(project.context(), SilentDeploy())
    assert caught.value.code == "P3009"


# -- where a statement failed -------------------------------------------------------------------
def test_a_replay_numbers_statements_in_the_whole_script(db: TestDatabase):
    """A schema-only replay skips data statements; the failing one is still `3 of 3`, not
    `3 of 2` (index from the script, count from the filtered list)."""
    script = (
        "CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);\nALTER TABLE b ADD y INTEGER;\n"
    )
    target = parse_url(db.url, base_dir=Path.cwd())
    with connect(target) as session, pytest.raises(MendError) as caught:
        replay(session, [("1_x", script)])
    assert caught.value.code == "P3006"
    assert "at statement 3 of 3 (line 3)" in caught.value.message, caught.value.message


def test_the_failing_statements_line_is_its_first_line_of_code(project: Project, db: TestDatabase):
    """Comments above a statement belong to it, but its line is where its code starts."""
    project.add(
        "1_bad",
        f"-- a table\n{table(db, 'a')}\n-- the statement that fails,\n-- explained\n"
        "SELECT * FROM nowhere;\n",
    )
    with pytest.raises(MigrationFailed) as caught:
        deploy(project.context(), SilentDeploy())
    record = caught.value.record
    assert (record.statement_index, record.statement_count, record.statement_line) == (2, 2, 6)
    assert "Failed statement: 2 of 2 (line 6): SELECT * FROM nowhere" in caught.value.message
    ((logs,),) = [row[4:] for row in db.history()]
    assert "at statement 2 of 2 (line 6)" in logs
    assert FailureRecord.from_logs(logs).statement_line == 6


def test_prismas_logs_without_an_error_code_print_no_none(project: Project, db: TestDatabase):
    staged = stage(project, db, [("1_a", table(db, "a"))], ("2_bad", "SELECT * FROM nowhere;\n"))
    logs = (
        "relation nowhere does not exist\n"
        "   0: sql_schema_connector::apply_migration::apply_script\n"
        '           with migration_name="2_bad"\n'
    )
    placeholder = "?" if db.dialect == "sqlite" else "%s"
    db.sql(
        f"UPDATE {db.q('_prisma_migrations')} SET logs = {placeholder} "
        "WHERE migration_name = '2_bad'",
        (logs,),
    )
    incident = staged.incident()
    assert incident.failure.source == "prisma" and incident.failure.error_code is None
    summary = incident.summary()
    assert "relation nowhere does not exist" in summary
    assert "None" not in summary, summary


# -- recovery words -----------------------------------------------------------------------------
def test_a_step_failure_counts_its_steps_in_words():
    step = PlanStep(3, "statement 3", "add column `T.c`", ("ALTER TABLE T ADD c INTEGER",))
    error = DbError("42701", 'column "c" of relation "T" already exists')
    one = StepFailure(step, step.sql[0], error, done=(1,), undone=(2,))
    assert "step 1 stays done; step 2 was rolled back." in one.describe(), one.describe()
    two = StepFailure(step, step.sql[0], error, done=(1, 2), undone=(3, 4))
    assert "steps 1, 2 stay done; steps 3, 4 were rolled back." in two.describe()
    none = StepFailure(step, step.sql[0], error, done=(), undone=())
    assert none.describe().endswith("nothing stays.")


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_a_column_that_only_lacks_its_not_null_is_not_called_missing(
    project: Project, db: TestDatabase
):
    """A statement that changes two columns took effect (MySQL commits DDL), then one of them
    lost its NOT NULL by hand; that column is there, so it is not `missing`. (On PostgreSQL the
    failed migration leaves nothing, and a column added by hand is one that existed before.)"""
    q = db.q
    init = f"CREATE TABLE {q('T')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('c')} INTEGER);\n"
    failing = (
        f"ALTER TABLE {q('T')} ADD COLUMN {q('x')} INTEGER, MODIFY {q('c')} INTEGER NOT NULL;\n"
        "SELECT * FROM nowhere;\n"
    )
    staged = stage(project, db, [("1_init", init)], ("2_bad", failing))
    db.sql(f"ALTER TABLE {q('T')} MODIFY {q('c')} INTEGER NULL")  # the NOT NULL undone by hand
    effect = staged.incident().effect_of(1)
    assert effect.effect is Effect.CONFLICTING
    assert "`T.c`" in effect.note, effect.note
    assert "missing" not in effect.note, effect.note


def test_the_roll_back_afterwards_reads_as_one_sentence(project: Project, db: TestDatabase):
    from mend_core.recovery.plan import Direction
    from test_recovery import seed_incident

    staged = seed_incident(project, db)
    afterwards = staged.plan(Direction.ROLL_BACK).afterwards
    assert ".)" not in afterwards and "`User_name_key`), commit it" in afterwards, afterwards
