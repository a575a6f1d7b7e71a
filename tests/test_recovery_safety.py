"""The recovery engine's safety: the guard, rehearsals that catch a failing repair, a failed
repair that leaves everything as it was, read-only mode, kill -9, the offline runbook, and the
commands end to end."""

from __future__ import annotations

import json
import random
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.errors import MendError
from mend_core.recovery.effects import Effect
from mend_core.recovery.execute import execute_plan
from mend_core.recovery.plan import Direction
from recovery_support import schema_and_history
from test_processes import kill_deploy_during, slow_statement
from test_recovery import seed_incident


def test_guard_refuses_after_a_concurrent_schema_change(project: Project, db: TestDatabase):
    staged = seed_incident(project, db)
    plan = staged.plan(Direction.ROLL_BACK)
    db.sql(f"CREATE TABLE {db.q('Meanwhile')} ({db.q('id')} INTEGER)")
    before = schema_and_history(db)
    with pytest.raises(MendError) as caught:
        execute_plan(staged.context(), plan)
    assert caught.value.code == "M4008"
    assert "the schema" in caught.value.message
    assert schema_and_history(db) == before
    # The history rows count too: a resolve made elsewhere meanwhile.
    fresh = staged.plan(Direction.ROLL_BACK)
    from mend_core.operations.resolve import Resolution, resolve

    resolve(staged.context(), Resolution.ROLLED_BACK, staged.name)
    with pytest.raises(MendError) as again:
        execute_plan(staged.context(), fresh)
    assert again.value.code == "M4008" and "history rows" in again.value.message


def test_rehearsal_catches_a_failing_repair_and_changes_nothing(project: Project, db: TestDatabase):
    staged = seed_incident(project, db)
    useless_fix = f"UPDATE {db.q('User')} SET {db.q('name')} = 'paul' WHERE {db.q('id')} = 3;"
    failing_step: int | None = None  # the last: the unique index, after the data fix
    if db.dialect == "mysql":  # the clone has no rows: a repair that fails without them
        useless_fix = "UPDATE `Nowhere` SET `x` = 1;"
        failing_step = 1
    plan = staged.plan(Direction.ROLL_FORWARD, useless_fix)
    before = schema_and_history(db)
    result = staged.rehearse(plan)
    assert not result.ok
    assert result.failed_step == (failing_step or len(plan.steps))
    assert result.error is not None
    assert result.method == ("shadow clone" if db.dialect == "mysql" else "transaction")
    if db.dialect != "mysql":
        assert schema_and_history(db) == before


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_rehearsal_on_mysql_cannot_see_the_data(project: Project, db: TestDatabase):
    staged = seed_incident(project, db)
    plan = staged.plan(Direction.ROLL_FORWARD, "UPDATE `User` SET `name` = 'paul';")
    result = staged.rehearse(plan)
    assert result.ok and "cannot show there" in result.describe()


@pytest.mark.parametrize("db", ["postgresql", "sqlite"], indirect=True)
def test_a_repair_failing_at_its_last_step_leaves_everything_as_it_was(
    project: Project, db: TestDatabase
):
    """PostgreSQL and SQLite: the repair and the history change are one transaction."""
    staged = seed_incident(project, db)
    useless_fix = f"UPDATE {db.q('User')} SET {db.q('name')} = 'x' WHERE {db.q('id')} = 3;"
    plan = staged.plan(Direction.ROLL_FORWARD, useless_fix)
    before = schema_and_history(db)
    with pytest.raises(MendError) as caught:
        execute_plan(staged.context(), plan)
    assert caught.value.code == "M7005"
    assert f"Step {len(plan.steps)}" in caught.value.message
    assert "The history was not changed." in caught.value.message
    assert schema_and_history(db) == before
    names = [r[0] for r in db.sql(f"SELECT {db.q('name')} FROM {db.q('User')} ORDER BY 1")]
    assert names == ["anna", "paul", "paul"]  # the data fix was rolled back too


def test_read_only_allows_inspect_and_plan_and_refuses_rehearse_and_recover(
    project: Project, db: TestDatabase
):
    seed_incident(project, db)
    before = schema_and_history(db)
    for args in (["inspect"], ["plan", "--roll-back"], ["plan", "--roll-forward", "--json"]):
        completed = project.mend("--read-only", *args, "--url", db.url)
        assert completed.returncode == 0, (args, completed.stderr)
    for args in (
        ["recover", "--roll-back", "--yes"],
        ["recover", "--roll-forward", "--dedupe", "delete-keep-first", "--rehearse-only"],
    ):
        completed = project.mend(*args, "--read-only", "--url", db.url)
        assert completed.returncode == 1 and completed.stderr.startswith("Error: M1003")
    assert schema_and_history(db) == before


@pytest.mark.parametrize("direction", list(Direction))
def test_recover_end_to_end_on_the_command_line(
    project: Project, db: TestDatabase, direction: Direction
):
    seed_incident(project, db)
    inspected = project.mend("inspect", "--json", "--url", db.url)
    assert inspected.returncode == 0, inspected.stderr
    data = json.loads(inspected.stdout)
    assert data["failing_statement"] == 3 and data["cause"]["kind"] == "duplicates"
    assert data["diagnostics"][0]["query"].startswith("SELECT")
    flags = (
        ["--roll-back"]
        if direction is Direction.ROLL_BACK
        else [
            "--roll-forward",
            "--dedupe",
            "delete-keep-first",
        ]
    )
    refused = project.mend("recover", *flags, "--url", db.url)
    assert refused.returncode == 1 and "Error: M4001" in refused.stderr
    # Refused before any database work: nothing inspected, planned or rehearsed (issue 14 §2).
    assert "mend plan" in refused.stderr and "--yes" in refused.stderr
    assert "Rehearsing" not in refused.stderr and refused.stdout == ""
    done = project.mend("recover", *flags, "--yes", "--url", db.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verified:" in done.stdout
    assert "== Rehearsing" in done.stderr  # progress on stderr
    nothing_to_undo = db.dialect == "postgresql" and direction is Direction.ROLL_BACK
    assert "[1/" in done.stderr or nothing_to_undo
    status = project.mend("status", "--url", db.url)
    assert status.returncode == (0 if direction is Direction.ROLL_FORWARD else 3)
    report = project.mend("report", "3_unique", "--url", db.url)
    assert report.returncode == 0, report.stderr
    sections = ["## Timeline", "## Statements and their effects", "## Decision"]
    sections += ["## Verification", "## History now"]
    sections += [] if nothing_to_undo else ["## SQL run"]
    for section in sections:
        assert section in report.stdout, section
    assert project.mend("journal", "--verify").returncode == 0


def test_inspect_names_the_choices_when_several_failed(project: Project, db: TestDatabase):
    seed_incident(project, db)
    from mend_core.operations.resolve import Resolution, resolve

    # A second failed migration: the first is marked applied by hand, the next one fails.
    resolve(project.context(), Resolution.APPLIED, "3_unique")
    project.add("4_bad", "CREATE TABLE broken (x int);\nCREATE INDEX i ON nowhere (x);\n")
    from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy

    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    table = db.q("_prisma_migrations")
    db.sql(f"UPDATE {table} SET finished_at = NULL WHERE migration_name = '3_unique'")
    several = project.mend("inspect", "--url", db.url)
    assert several.returncode == 2 and "3_unique, 4_bad" in several.stderr
    named = project.mend("inspect", "4_bad", "--url", db.url)
    assert named.returncode == 0, named.stderr
    none = project.mend("inspect", "1_init", "--url", db.url)
    assert none.returncode == 1 and none.stderr.startswith("Error: M7002")


def run_runbook(db: TestDatabase, script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The runbook through the database's own client, as a DBA would run it."""
    path = tmp_path / "runbook.sql"
    path.write_text(script)
    if db.dialect == "postgresql":
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path), db.url]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)
    if db.dialect == "mysql":
        command = ["mariadb", "-h127.0.0.1", "-uroot", "--protocol=tcp", db.name]
        return subprocess.run(command, input=script, capture_output=True, text=True, timeout=60)
    import shutil

    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 client is not installed (the runbook holds its `.bail on`)")
    command = ["sqlite3", "-bail", db.name]
    return subprocess.run(command, input=script, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("direction", list(Direction))
def test_offline_runbook_runs_with_the_database_client(
    project: Project, db: TestDatabase, direction: Direction, tmp_path: Path
):
    staged = seed_incident(project, db)
    flags = (
        ["--roll-back"]
        if direction is Direction.ROLL_BACK
        else [
            "--roll-forward",
            "--dedupe",
            "delete-keep-first",
        ]
    )
    made = project.mend("plan", *flags, "--script", "-o", "runbook.sql", "--url", db.url)
    assert made.returncode == 0, made.stderr
    script = (project.root / "runbook.sql").read_text()
    assert "Guard" in script and "-- 4. Verification" in script
    # The guard stops the script when the database is not as the plan found it.
    db.sql(
        f"CREATE TABLE {db.q('Post')} ({db.q('x')} INTEGER)"
    ) if db.dialect == "postgresql" else None
    if db.dialect == "postgresql":
        stopped = run_runbook(db, script, tmp_path)
        assert stopped.returncode != 0 and "mend guard" in stopped.stderr
        db.sql(f"DROP TABLE {db.q('Post')}")
    ran = run_runbook(db, script, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert staged.status_code() == (0 if direction is Direction.ROLL_FORWARD else 3)
    assert staged.drift() == []
    # Run again: the guard stops it (the failed attempt is resolved now).
    again = run_runbook(db, script, tmp_path)
    assert again.returncode != 0


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("direction", list(Direction))
def test_kill_9_mid_migration_then_recover(
    project: Project, db: TestDatabase, direction: Direction
):
    """No logs at all: the catalog alone says what took effect."""
    q = db.q
    project.add("1_ok", f"CREATE TABLE {q('before')} (x INTEGER);\n")
    project.add(
        "2_killed",
        f"CREATE TABLE {q('during')} (x INTEGER);\n"
        + slow_statement(db.dialect, 6)
        + f"CREATE TABLE {q('after')} (x INTEGER);\n",
    )
    assert kill_deploy_during(project, "[2/3]") == -signal.SIGKILL
    from recovery_support import Staged

    staged = Staged(project, db, "2_killed")
    incident = staged.incident()
    assert incident.failure.process_died and incident.failing_index is None
    effects = [e.effect for e in incident.effects]
    expected_first = Effect.NOT_RUN if db.dialect == "postgresql" else Effect.TOOK_EFFECT
    assert effects[0] is expected_first and effects[2] is Effect.NOT_RUN
    result = staged.recover(direction)
    assert result.verification.ok, result.verification.describe()
    assert staged.drift() == []
    assert staged.status_code() == (0 if direction is Direction.ROLL_FORWARD else 3)


@pytest.mark.xdist_group("server-wide-lock")
def test_kill_9_at_a_random_statement_then_recover(project: Project, db: TestDatabase):
    """A few random trials here; benchmarks/recovery_soak.py runs 20 per dialect."""
    from recovery_support import Staged

    rng = random.Random(7)
    q = db.q
    statements = [f"CREATE TABLE {q(f't{i}')} (x INTEGER);\n" for i in range(6)]
    slow = rng.randrange(1, 5)
    statements.insert(slow, slow_statement(db.dialect, 3))
    project.add("1_many", "".join(statements))
    kill_deploy_during(project, f"[{slow + 1}/7]", rng.uniform(0.1, 0.5))
    staged = Staged(project, db, "1_many")
    direction = rng.choice(list(Direction))
    result = staged.recover(direction)
    assert result.verification.ok, result.verification.describe()
    assert staged.drift() == []
