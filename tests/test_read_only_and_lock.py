"""Read-only sessions are enforced by the database; the migration lock is Prisma's own."""

from __future__ import annotations

import threading
import time

import pytest

from conftest import Project, TestDatabase
from mend_core.database.locking import migration_lock
from mend_core.database.session import connect
from mend_core.dialects.errors import DatabaseError
from mend_core.errors import MendError
from mend_core.project.target import parse_url


def test_read_only_session_refuses_writes(db: TestDatabase, tmp_path):  # type: ignore[no-untyped-def]
    target = parse_url(db.url, base_dir=tmp_path)
    with connect(target, read_only=True) as session:
        assert session.scalar("SELECT 1") == 1
        with pytest.raises(DatabaseError) as caught:
            session.execute("CREATE TABLE sneaky (x int)")
    expected = {"postgresql": "25006", "mysql": "1792", "sqlite": "8"}[db.dialect]
    assert caught.value.db_error.code == expected
    assert "sneaky" not in db.tables()


def test_writing_commands_refuse_before_connecting(bare_project: Project):
    # The URL points nowhere: refusing before connecting means M1003, not P1001.
    url = "postgresql://u@127.0.0.1:1/db"
    for args in (["deploy"], ["resolve", "--applied", "x"], ["execute", "--file", "x.sql"]):
        completed = bare_project.mend(*args, "--url", url, "--read-only", "--yes")
        assert completed.returncode == 1
        assert completed.stderr.startswith("Error: M1003\n"), completed.stderr


def test_status_and_dry_run_work_read_only(project: Project, db: TestDatabase):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    status = project.mend("status", "--url", db.url, "--read-only")
    assert status.returncode == 3, status.stderr
    dry = project.mend("deploy", "--dry-run", "--url", db.url, "--read-only")
    assert dry.returncode == 0, dry.stderr
    assert "READ-ONLY" in dry.stdout
    assert db.tables() == set()


def _hold_lock(db: TestDatabase, seconds: float, tmp_path) -> threading.Thread:  # type: ignore[no-untyped-def]
    ready = threading.Event()

    def hold() -> None:
        with connect(parse_url(db.url, base_dir=tmp_path)) as session, migration_lock(session, 5):
            ready.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10)
    return thread


# MySQL's named locks are server-wide: tests that hold one run on one xdist worker.
@pytest.mark.xdist_group("server-wide-lock")
def test_lock_timeout_names_the_holder(db: TestDatabase, tmp_path):  # type: ignore[no-untyped-def]
    holder = _hold_lock(db, 2.5, tmp_path)
    # SQLite: the holder's exclusive lock already stops the connection from reading.
    url = db.url + ("?connect_timeout=1" if db.dialect == "sqlite" else "")
    try:
        started = time.monotonic()
        with (
            pytest.raises(MendError) as caught,
            connect(parse_url(url, base_dir=tmp_path)) as session,
            migration_lock(session, 1),
        ):
            pass
        waited = time.monotonic() - started
    finally:
        holder.join()
    assert caught.value.code == "P1002"
    assert 0.5 < waited < 2.4
    if db.dialect == "postgresql":
        assert "pg_advisory_lock(72707369)" in caught.value.message
        assert "pid " in caught.value.message and "application `mend`" in caught.value.message
    elif db.dialect == "mysql":
        assert "GET_LOCK('prisma_migrate'" in caught.value.message
        assert "connection " in caught.value.message
    else:
        assert "locked by another process" in caught.value.message
    # Once released, the lock is free again.
    with connect(parse_url(db.url, base_dir=tmp_path)) as session, migration_lock(session, 10):
        pass


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_lock_is_the_one_prisma_takes(db: TestDatabase, tmp_path):  # type: ignore[no-untyped-def]
    """Taking the lock the way Prisma does blocks mend, and the reverse."""
    # Other tests' deploys may hold the server-wide MySQL lock for a moment: wait for it.
    prisma_like = db.sql(
        "SELECT pg_try_advisory_lock(72707369)"
        if db.dialect == "postgresql"
        else "SELECT GET_LOCK('prisma_migrate', 20)"
    )
    assert prisma_like[0][0] in (True, 1)
    with connect(parse_url(db.url, base_dir=tmp_path)) as session:
        with pytest.raises(MendError) as caught, migration_lock(session, 1):
            pass
        assert caught.value.code == "P1002"
        db.sql(
            "SELECT pg_advisory_unlock(72707369)"
            if db.dialect == "postgresql"
            else "SELECT RELEASE_LOCK('prisma_migrate')"
        )
        with migration_lock(session, 1):
            taken = db.sql(
                "SELECT pg_try_advisory_lock(72707369)"
                if db.dialect == "postgresql"
                else "SELECT GET_LOCK('prisma_migrate', 0)"
            )
            assert taken[0][0] in (False, 0)
