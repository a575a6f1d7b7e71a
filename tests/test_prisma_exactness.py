"""Behaviour Prisma's engine has too, matched: order of checks, codes, rows written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.database.locking import migration_lock
from mend_core.database.session import connect
from mend_core.errors import MendError
from mend_core.history.status import get_status
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.operations.resolve import Resolution, resolve
from mend_core.project.target import parse_url


def table_sql(db: TestDatabase, name: str) -> str:
    return f"CREATE TABLE {db.q(name)} ({db.q('id')} INTEGER NOT NULL PRIMARY KEY);\n"


def test_applied_migration_without_its_script_blocks_deploy_with_p3015(
    project: Project, db: TestDatabase
):
    """As Prisma's engine (checked): P3015 for an applied folder too; the CLI and status are
    covered in test_exactness_words.py."""
    project.add("1_a", table_sql(db, "a"))
    deploy(project.context(), SilentDeploy())
    (project.migrations / "1_a" / "migration.sql").unlink()
    project.add("2_b", table_sql(db, "b"))
    with pytest.raises(MendError) as caught:
        deploy(project.context(), SilentDeploy())
    assert caught.value.code == "P3015"
    assert "b" not in db.tables()
    report = get_status(project.context())  # the report (the app's) still lists the folder
    assert "1_a/ has no migration.sql (deploy would stop with P3015)" in report.warnings


def test_failed_migration_is_reported_before_a_missing_script(project: Project, db: TestDatabase):
    project.add("1_bad", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    (project.migrations / "2_no_script").mkdir()
    with pytest.raises(MendError) as caught:
        deploy(project.context(), SilentDeploy())
    assert caught.value.code == "P3009"


def test_missing_script_of_a_pending_migration_is_p3015_before_any_write(
    project: Project, db: TestDatabase
):
    """Prisma applies 1_a and then stops at 2's missing file; mend checks every pending script
    first and writes nothing (a documented, deliberate difference)."""
    project.add("1_a", table_sql(db, "a"))
    (project.migrations / "2_no_script").mkdir()
    with pytest.raises(MendError) as caught:
        deploy(project.context(), SilentDeploy())
    assert caught.value.code == "P3015"
    assert db.tables() == set()


def test_deploy_with_no_migrations_creates_the_empty_history_table(
    project: Project, db: TestDatabase
):
    result = deploy(project.context(), SilentDeploy())
    assert result.applied == ()
    assert db.tables() == {"_prisma_migrations"}
    assert db.history() == []
    # The CLI, on another fresh database: the same, and it says so.
    completed = project.mend("deploy", "--yes", "--url", db.url)
    assert completed.returncode == 0, completed.stderr
    assert "No pending migrations to apply." in completed.stdout


def test_a_database_holding_only_views_is_not_unmanaged(project: Project, db: TestDatabase):
    db.sql("CREATE VIEW just_a_view AS SELECT 1 AS x")
    project.add("1_a", table_sql(db, "a"))
    assert get_status(project.context()).state.value == "behind"
    result = deploy(project.context(), SilentDeploy())
    assert result.applied == ("1_a",)
    # A table is another matter: P3005.
    other = project.root / "other"
    other_project = Project(other, db.url, db.dialect)
    (other_project.migrations).mkdir(parents=True)
    other_project.add("1_x", table_sql(db, "x"))
    db.sql(f"DROP TABLE {db.q('_prisma_migrations')}")
    with pytest.raises(MendError) as caught:
        deploy(other_project.context(), SilentDeploy())
    assert caught.value.code == "P3005"


def test_status_stops_with_p3019_on_another_provider(project: Project, db: TestDatabase):
    project.add("1_a", table_sql(db, "a"))
    project.lock("postgresql" if db.dialect != "postgresql" else "mysql")
    with pytest.raises(MendError) as caught:
        get_status(project.context())
    assert caught.value.code == "P3019"
    completed = project.mend("status", "--url", db.url)
    assert completed.returncode == 1 and completed.stderr.startswith("Error: P3019")


def test_a_failed_migration_fixed_afterwards_is_edited(project: Project, db: TestDatabase):
    project.add("1_bad", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    report = get_status(project.context())
    assert not report.migrations[0].edited
    project.add("1_bad", table_sql(db, "fixed"))
    report = get_status(project.context())
    assert report.migrations[0].state.value == "failed"
    assert report.migrations[0].edited
    # A rolled-back attempt is not compared (Prisma's engine 8 no longer flags it).
    resolve(project.context(), Resolution.ROLLED_BACK, "1_bad")
    assert not get_status(project.context()).migrations[0].edited


@pytest.mark.xdist_group("server-wide-lock")
def test_resolve_takes_the_lock_before_it_validates(
    project: Project, db: TestDatabase, tmp_path: Path
):
    """With the lock held elsewhere, even an unknown name is P1002 (after the lock timeout),
    as Prisma's engine acquires the lock first."""
    # SQLite: the exclusive lock stops the connection itself; still P1002, after its timeout.
    url = db.url + ("?connect_timeout=1" if db.dialect == "sqlite" else "")
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with connect(parse_url(db.url, base_dir=tmp_path)) as session, migration_lock(session, 5):
            ready.set()
            release.wait(20)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        completed = project.mend(
            "resolve",
            "--applied",
            "no_such_migration",
            "--yes",
            "--lock-timeout",
            "1",
            "--url",
            url,
        )
        assert completed.returncode == 1
        assert completed.stderr.startswith("Error: P1002"), completed.stderr
        assert time.monotonic() - started >= 1
    finally:
        release.set()
        holder.join()


def test_rolled_back_on_an_applied_migration_says_nothing_changed(
    project: Project, db: TestDatabase
):
    project.add("1_a", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    resolve(project.context(), Resolution.ROLLED_BACK, "1_a")
    project.add("1_a", table_sql(db, "a"))
    deploy(project.context(), SilentDeploy())
    before = db.history()
    completed = project.mend("resolve", "--rolled-back", "1_a", "--url", db.url)
    assert completed.returncode == 0, completed.stderr
    assert "Nothing changed" in completed.stdout
    assert "marked as rolled back" not in completed.stdout
    assert db.history() == before


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_finished_row_is_written_in_the_migration_transaction(
    project: Project, db: TestDatabase
):
    """The row's last update and the migration's DDL share one transaction id: a crash between
    the COMMIT and the bookkeeping can no longer leave the effects committed and the row
    failed (P3009 on the next deploy)."""
    project.add("1_a", table_sql(db, "a"))
    deploy(project.context(), SilentDeploy())
    ((row_xmin,),) = db.sql("SELECT xmin::text FROM _prisma_migrations")
    ((table_xmin,),) = db.sql("SELECT xmin::text FROM pg_class WHERE relname = 'a'")
    assert row_xmin == table_xmin
