"""`mend resolve`: Prisma's exact rules, codes and row shapes; no migration SQL runs."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.errors import MendError
from mend_core.history.checksum import checksum
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.operations.resolve import Resolution, resolve


def rows(db: TestDatabase, name: str) -> list[tuple[object, ...]]:
    return db.sql(
        f"SELECT checksum, logs, applied_steps_count, started_at, finished_at, rolled_back_at "
        f"FROM {db.q('_prisma_migrations')} WHERE migration_name = 'X' ORDER BY started_at".replace(
            "'X'", f"'{name}'"
        )
    )


def test_applied_baselines_a_database_without_history(project: Project, db: TestDatabase):
    db.sql("CREATE TABLE existing (x int)")
    sql = "CREATE TABLE existing (x int);\n"
    project.add("0_init", sql)
    resolve(project.context(), Resolution.APPLIED, "0_init")
    ((stored, logs, steps, started, finished, rolled_back),) = rows(db, "0_init")
    assert stored == checksum(sql.encode())
    assert logs == ""  # Prisma writes an empty string, not NULL
    assert steps == 0  # left at its default
    assert started == finished and rolled_back is None
    # No migration SQL ran: the table would already exist and fail otherwise.
    assert db.tables() == {"existing", "_prisma_migrations"}


def test_applied_twice_is_p3008(project: Project, db: TestDatabase):
    project.add("0_init", "CREATE TABLE a (x int);\n")
    resolve(project.context(), Resolution.APPLIED, "0_init")
    with pytest.raises(MendError) as caught:
        resolve(project.context(), Resolution.APPLIED, "0_init")
    assert caught.value.code == "P3008"
    assert len(rows(db, "0_init")) == 1


def test_applied_rolls_back_failed_rows_and_inserts_a_new_one(project: Project, db: TestDatabase):
    project.add("1_bad", "CREATE TABLE a (x int);\nSELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    resolve(project.context(), Resolution.APPLIED, "1_bad")
    first, second = rows(db, "1_bad")
    assert first[4] is None and first[5] is not None  # failed attempt, now rolled back
    assert second[4] is not None and second[5] is None and second[1] == ""
    completed = project.mend("status", "--url", db.url)
    assert completed.returncode == 0, completed.stdout


def test_applied_for_unknown_folder_is_p3017(project: Project, db: TestDatabase):
    with pytest.raises(MendError) as caught:
        resolve(project.context(), Resolution.APPLIED, "20240101_missing")
    assert caught.value.code == "P3017"
    assert db.tables() == set()


def test_rolled_back_rules(project: Project, db: TestDatabase):
    project.add("1_ok", "CREATE TABLE a (x int);\n")
    project.add("2_bad", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    with pytest.raises(MendError) as never:
        resolve(project.context(), Resolution.ROLLED_BACK, "3_never")
    assert never.value.code == "P3011"
    with pytest.raises(MendError) as not_failed:
        resolve(project.context(), Resolution.ROLLED_BACK, "1_ok")
    assert not_failed.value.code == "P3012"
    resolve(project.context(), Resolution.ROLLED_BACK, "2_bad")
    ((_, _, _, _, finished, rolled_back),) = rows(db, "2_bad")
    assert finished is None and rolled_back is not None
    # Idempotent: a second call changes nothing and succeeds.
    resolve(project.context(), Resolution.ROLLED_BACK, "2_bad")
    assert rows(db, "2_bad")[0][5] == rolled_back


def test_rolled_back_without_history_table(project: Project, db: TestDatabase):
    with pytest.raises(MendError) as caught:
        resolve(project.context(), Resolution.ROLLED_BACK, "1_a")
    assert caught.value.code == "M3002"
    assert db.tables() == set()


def test_cli_resolve_previews_and_confirms(project: Project, db: TestDatabase):
    project.add("0_init", "CREATE TABLE a (x int);\n")
    refused = project.mend("resolve", "--applied", "0_init", "--url", db.url)
    assert refused.returncode == 1 and "Error: M4001" in refused.stderr
    assert "insert a finished row for `0_init`" in refused.stdout
    assert db.tables() == set()
    done = project.mend("resolve", "--applied", "0_init", "--url", db.url, "--yes")
    assert done.returncode == 0, done.stderr
    assert "Migration 0_init marked as applied." in done.stdout
    again = project.mend("resolve", "--applied", "0_init", "--url", db.url, "--yes")
    assert again.returncode == 1 and again.stderr.startswith("Error: P3008\n")


def test_resolve_is_journaled(project: Project, db: TestDatabase):
    from mend_core.database.journal import read_journal

    project.add("0_init", "CREATE TABLE a (x int);\n")
    context = project.context()
    resolve(context, Resolution.APPLIED, "0_init")
    events = [e["event"] for e in read_journal(context.journal_path)]
    assert events == ["history_table_created", "row_marked_applied"]
