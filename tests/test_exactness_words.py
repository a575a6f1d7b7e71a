"""Exactness: P3015 and P3009 in the order Prisma's engine gives them, and the words mend uses
about a failure (statement numbers and lines, error codes, steps, notes)."""

from __future__ import annotations

import json

import pytest

from conftest import Project, TestDatabase
from mend_core.deploy import SilentDeploy, deploy
from mend_core.errors import MendError


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
