"""A schema-only replay (data statements skipped) must not fail where Prisma's replay succeeds:
when it fails, the history is replayed again with its data statements and the output says so.
`--replay-data` asks for that replay from the start, on every command that replays."""

from __future__ import annotations

import json

import pytest

from conftest import Project, TestDatabase

FALLBACK = "schema-only replay failed at `20240103000000_fix`"


def deploy(project: Project, db: TestDatabase) -> int:
    return project.mend("deploy", "--yes", "--url", db.url).returncode


def seeded_history(project: Project, db: TestDatabase) -> None:
    """Rows made by DDL (CREATE TABLE AS SELECT), fixed by a data statement, then a unique
    index that needs the fix: schema-only, the UPDATE is skipped and the index fails."""
    project.lock()
    project.add(
        "20240101000000_seed",
        "CREATE TABLE seed AS SELECT 1 AS id, 1 AS k UNION ALL SELECT 2 AS id, 1 AS k;\n",
    )
    project.add("20240102000000_other", "CREATE TABLE other (id INTEGER PRIMARY KEY);\n")
    project.add(
        "20240103000000_fix",
        "UPDATE seed SET k = id;\nCREATE UNIQUE INDEX seed_k_key ON seed (k);\n",
    )
    assert deploy(project, db) == 0


def do_block_history(project: Project, db: TestDatabase) -> None:
    """The issue's repro: a DO block (run, as it may do DDL) inserts a NULL that a skipped
    UPDATE would fix before SET NOT NULL."""
    project.lock()
    project.add("20240101000000_init", 'CREATE TABLE "T" (id INT PRIMARY KEY, url TEXT);\n')
    project.add("20240102000000_do", 'DO $$ BEGIN INSERT INTO "T" VALUES (1, NULL); END $$;\n')
    project.add(
        "20240103000000_fix",
        "UPDATE \"T\" SET url = 'x' WHERE url IS NULL;\n"
        'ALTER TABLE "T" ALTER COLUMN url SET NOT NULL;\n',
    )
    assert deploy(project, db) == 0


def columns_of(db: TestDatabase, table: str) -> set[str]:
    if db.dialect == "sqlite":
        return {row[1] for row in db.sql(f"PRAGMA table_info({table})")}
    return {
        row[0]
        for row in db.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = " + ("'public'" if db.dialect == "postgresql" else "DATABASE()"),
            (table,),
        )
    }


def check_drift(project: Project, db: TestDatabase) -> None:
    automatic = project.mend("drift", "--url", db.url)
    assert automatic.returncode == 0, automatic.stdout + automatic.stderr
    assert FALLBACK in automatic.stdout and "replayed with its data statements" in automatic.stdout
    assert "No drift" in automatic.stdout
    as_json = project.mend("drift", "--json", "--url", db.url)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["data_replayed"] is True and not report["drifted"]
    assert any(FALLBACK in note for note in report["notes"])
    forced = project.mend("drift", "--replay-data", "--url", db.url)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "with their data statements" in forced.stdout
    assert "schema-only" not in forced.stdout


def check_recovery_after_a_failure(
    project: Project, db: TestDatabase, failing: str, applied: list[str]
) -> None:
    """A later migration fails: inspect, plan and recover work on top of that history."""
    project.add(
        failing,
        "ALTER TABLE other ADD COLUMN c INTEGER;\nINSERT INTO other (id, c) VALUES (1, 7);\n"
        "INSERT INTO other (id, c) VALUES (2, 7);\nCREATE UNIQUE INDEX other_c_key ON other (c);\n",
    )
    assert deploy(project, db) == 1
    inspected = project.mend("inspect", "--url", db.url)
    assert inspected.returncode == 0, inspected.stdout + inspected.stderr
    assert FALLBACK in inspected.stdout and failing in inspected.stdout
    as_json = project.mend("inspect", "--json", "--url", db.url)
    assert as_json.returncode == 0, as_json.stderr
    replay = json.loads(as_json.stdout)["replay"]
    assert replay["data_replayed"] is True and FALLBACK in replay["schema_only_failure"]
    assert replay["applied_migrations"] == applied
    forced = project.mend("inspect", "--json", "--replay-data", "--url", db.url)
    assert forced.returncode == 0, forced.stderr
    forced_replay = json.loads(forced.stdout)["replay"]
    assert forced_replay["data_replayed"] is True and forced_replay["schema_only_failure"] is None
    planned = project.mend("plan", "--roll-back", "--url", db.url)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert FALLBACK in planned.stderr
    planned_json = project.mend("plan", "--roll-back", "--json", "--replay-data", "--url", db.url)
    assert planned_json.returncode == 0, planned_json.stderr
    json.loads(planned_json.stdout)  # stdout stays pure JSON
    recovered = project.mend("recover", "--roll-back", "--yes", "--url", db.url)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    (row,) = [row for row in db.history() if row[0] == failing]
    assert row[2] is not None  # rolled back
    assert "c" not in {c for c in columns_of(db, "other")}
    status = project.mend("status", "--url", db.url)
    assert status.returncode == 3, status.stdout + status.stderr  # pending again


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_do_block_repro_replays_with_data(project: Project, db: TestDatabase):
    do_block_history(project, db)
    check_drift(project, db)
    project.add("20240104000000_other", "CREATE TABLE other (id INTEGER PRIMARY KEY);\n")
    assert deploy(project, db) == 0
    check_recovery_after_a_failure(
        project,
        db,
        "20240105000000_fail",
        ["20240101000000_init", "20240102000000_do", "20240103000000_fix", "20240104000000_other"],
    )


def test_rows_made_by_ddl_replay_with_data(project: Project, db: TestDatabase):
    seeded_history(project, db)
    check_drift(project, db)
    check_recovery_after_a_failure(
        project,
        db,
        "20240104000000_fail",
        ["20240101000000_seed", "20240102000000_other", "20240103000000_fix"],
    )


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_do_block_that_only_makes_ddl_runs_in_a_schema_only_replay(
    project: Project, db: TestDatabase
):
    project.lock()
    project.add("1_do", "DO $$ BEGIN CREATE TABLE made (id INT PRIMARY KEY); END $$;\n")
    project.add("2_rows", "INSERT INTO made VALUES (1);\n")
    assert deploy(project, db) == 0
    completed = project.mend("drift", "--json", "--url", db.url)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert report["data_replayed"] is False and not report["drifted"]
    assert len(report["skipped_data_statements"]) == 1


def test_hotfix_and_diff_fall_back_too(project: Project, db: TestDatabase):
    seeded_history(project, db)
    db.sql("CREATE INDEX by_hand ON other (id)")
    listed = project.mend("hotfix", "--list", "--json", "--url", db.url)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    drift = json.loads(listed.stdout)
    assert len(drift["items"]) == 1 and "by_hand" in json.dumps(drift["items"])
    assert any(FALLBACK in warning for warning in drift["warnings"])
    forced = project.mend("hotfix", "--list", "--replay-data", "--json", "--url", db.url)
    assert forced.returncode == 0, forced.stderr
    assert not any("schema-only" in w for w in json.loads(forced.stdout)["warnings"])
    recorded = project.mend("hotfix", "--yes", "--url", db.url)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    diff = project.mend(
        "diff", "--from-empty", "--to-migrations", "prisma/migrations", "--url", db.url
    )
    assert diff.returncode == 0, diff.stderr
    assert FALLBACK in diff.stderr


def test_a_history_that_fails_both_ways_says_so(project: Project, db: TestDatabase):
    project.lock()
    project.add("1_a", "CREATE TABLE a (id INTEGER);\n")
    project.add("2_b", "CREATE TABLE a (id INTEGER);\n")
    completed = project.mend(
        "diff", "--from-empty", "--to-migrations", "prisma/migrations", "--url", db.url
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P3006")
    assert "Replayed again with its data statements, the history failed too, at `2_b`" in (
        completed.stderr
    )
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_the_failed_migration_runs_on_the_schema_not_on_the_replayed_rows(
    project: Project, db: TestDatabase
):
    """The history needed its rows to replay, but the failed migration's statements are judged
    on its schema: ADD COLUMN ... NOT NULL fails here because of a row, not in itself."""
    do_block_history(project, db)
    project.add("20240104000000_fail", 'ALTER TABLE "T" ADD COLUMN n INTEGER NOT NULL;\n')
    assert deploy(project, db) == 1
    for _ in range(2):  # the second time from the cache
        inspected = project.mend("inspect", "--json", "--url", db.url)
        assert inspected.returncode == 0, inspected.stderr
        assert "fails even on the replayed schema" not in inspected.stdout
        (statement,) = json.loads(inspected.stdout)["statements"]
        assert statement["effect"] == "failed", statement
    planned = project.mend("plan", "--roll-forward", "--json", "--url", db.url)
    assert planned.returncode == 0, planned.stderr
    assert "fails even on the replayed schema" not in (json.loads(planned.stdout)["blocked"] or "")
