"""Deploy's bookkeeping made cheaper (issue 17) without losing what it records: the journal's
entries around every migration and statement, the started and finished rows, and the failed row
of a failure or an interrupt, exactly as before, on every dialect. The next migration's started
row shares the finished row's transaction; on SQLite a deploy's first started row shares the
first statement's transaction and the finished row the last's."""

from __future__ import annotations

import hashlib
import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest

from conftest import Project, TestDatabase
from mend_core.database.journal import Journal, anchor_path, read_anchor, verify_journal
from mend_core.errors import MendError
from mend_core.history.failure import FailureRecord
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.project.target import DatabaseTarget
from test_processes import kill_deploy_during, slow_statement

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def table(db: TestDatabase, name: str) -> str:
    return f"CREATE TABLE {db.q(name)} ({db.q('id')} INTEGER NOT NULL PRIMARY KEY);\n"


def rows_of(db: TestDatabase, name: str) -> list[tuple[Any, ...]]:
    return db.sql(
        "SELECT id, checksum, finished_at, logs, rolled_back_at, started_at, applied_steps_count "
        f"FROM {db.q('_prisma_migrations')} WHERE migration_name = '{name}'"
    )


def assert_failed_row(project: Project, db: TestDatabase, name: str) -> FailureRecord:
    """One row, as Prisma records a failed migration: its id and checksum, started, not
    finished, no step applied, the failure in its logs."""
    ((row_id, checksum, finished, logs, rolled_back, started, steps),) = rows_of(db, name)
    script = (project.migrations / name / "migration.sql").read_bytes()
    assert UUID.match(row_id)
    assert checksum == hashlib.sha256(script).hexdigest()
    assert finished is None and rolled_back is None and started is not None
    assert steps == 0
    return FailureRecord.from_logs(logs)


def test_the_journal_holds_every_migrations_start_statements_and_end(
    project: Project, db: TestDatabase
):
    project.add("1_one", table(db, "a"))
    project.add("2_two", table(db, "b") + table(db, "c"))
    project.add("3_three", table(db, "d") + table(db, "e") + f"DROP TABLE {db.q('e')};\n")
    deploy(project.context(), SilentDeploy())
    path = project.root / "journal.jsonl"
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    run = [e for e in entries if e.get("command") == "deploy"]
    expected: list[tuple[str, str | None, int | None]] = [("migration_started", "1_one", None)]
    migrations = (("1_one", 1), ("2_two", 2), ("3_three", 3))
    for position, (name, count) in enumerate(migrations):
        for index in range(1, count + 1):
            expected += [("statement_started", name, index), ("statement_finished", name, index)]
        # The next migration's started row is written with this one's finished row: its note
        # comes first, this migration's end once that transaction has committed.
        if position + 1 < len(migrations):
            expected.append(("migration_started", migrations[position + 1][0], None))
        expected.append(("migration_finished", name, None))
    seen = [
        (e["event"], e.get("migration"), e.get("statement"))
        for e in run
        if e["event"].startswith(("migration_", "statement_"))
    ]
    assert seen == expected
    # Each migration's end names the row its start named, and that row is finished.
    for name in ("1_one", "2_two", "3_three"):
        ids = {e["row_id"] for e in run if e.get("migration") == name and "row_id" in e}
        ((row_id, _c, finished, _l, _r, _s, steps),) = rows_of(db, name)
        assert ids == {row_id} and finished is not None and steps == 1
    # Anchored as the run ended: nothing of it is left after the anchor.
    check = verify_journal(path)
    assert check.intact and check.after_anchor == 0 and check.anchor == check.head


@pytest.mark.parametrize("where", ["first", "last", "only"])
def test_a_failure_records_the_failed_row_as_before(project: Project, db: TestDatabase, where: str):
    bad = f"INSERT INTO {db.q('nowhere')} VALUES (1);\n"
    script = {"first": bad + table(db, "b"), "last": table(db, "b") + bad, "only": bad}[where]
    project.add("1_ok", table(db, "a"))
    project.add("2_bad", script)
    project.add("3_never", table(db, "c"))
    with pytest.raises(MigrationFailed) as caught:
        deploy(project.context(), SilentDeploy())
    assert caught.value.code == "P3018"
    record = assert_failed_row(project, db, "2_bad")
    total = 1 if where == "only" else 2
    assert record.statement_index == (2 if where == "last" else 1)
    assert record.statement_count == total
    applied = rows_of(db, "1_ok")
    assert len(applied) == 1 and applied[0][2] is not None and applied[0][6] == 1
    assert rows_of(db, "3_never") == []
    tables = db.tables()
    assert "a" in tables and "c" not in tables
    # The statement before a failure stays where statements commit one by one.
    assert ("b" in tables) == (where == "last" and db.dialect != "postgresql")
    if where == "last" and db.dialect != "postgresql":
        assert record.committed == (1,)


def test_stopped_before_the_first_statement_the_row_is_still_recorded(
    project: Project, db: TestDatabase
):
    project.add("1_stopped", table(db, "a"))
    with pytest.raises(MendError) as caught:
        deploy(project.context(), SilentDeploy(), should_stop=lambda: True)
    assert caught.value.code == "M4004"
    record = assert_failed_row(project, db, "1_stopped")
    assert record.interrupted and record.error_code == "M4004"
    assert "a" not in db.tables()


class StopAfterFirst(SilentDeploy):
    """Ctrl-C as the first statement's reply arrives, before anything commits it."""

    def statement_finished(self, statement, total, seconds, result):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt


def test_interrupted_after_a_first_statement_that_shared_the_start(
    project: Project, db: TestDatabase
):
    project.add("1_only", table(db, "a"))
    with pytest.raises(MendError) as caught:
        deploy(project.context(), StopAfterFirst())
    assert caught.value.code == "M4004"
    record = assert_failed_row(project, db, "1_only")
    assert record.interrupted and record.statement_index == 1
    if db.dialect == "mysql":  # DDL commits implicitly: it stays, and is said to
        assert "a" in db.tables() and record.committed == (1,)
    else:  # rolled back, with the started row on SQLite, which is then written alone
        assert "a" not in db.tables() and record.rolled_back == (1,)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_sqlite_a_pragma_runs_on_its_own_not_in_the_bookkeepings_transaction(
    project: Project, db: TestDatabase
):
    """`PRAGMA foreign_keys` is a no-op inside a transaction: had it joined the started row's,
    the insert below would pass."""
    project.add(
        "1_fk",
        "PRAGMA foreign_keys=ON;\n"
        'CREATE TABLE "p" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
        'CREATE TABLE "c" ("pid" INTEGER REFERENCES "p" ("id"));\n'
        'INSERT INTO "c" VALUES (5);\n',
    )
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    record = assert_failed_row(project, db, "1_fk")
    assert record.statement_index == 4 and "FOREIGN KEY" in record.message
    assert {"p", "c"} <= db.tables()


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("first", [True, False], ids=["first-migration", "later-migration"])
def test_killed_during_a_lone_statement(project: Project, db: TestDatabase, first: bool):
    """A later migration's started row is committed with the finished row of the one before,
    so, killed during its first statement, it is failed, as Prisma leaves it. The first
    migration's started row, on SQLite, commits with its first statement: killed during it,
    the migration is simply still pending (neither took effect); elsewhere it was committed
    before it."""
    if not first:
        project.add("1_ok", table(db, "a"))
    project.add("2_killed", slow_statement(db.dialect, 4))
    assert kill_deploy_during(project, "[1/1]") == -signal.SIGKILL
    status = project.mend("status", "--json", "--url", db.url)
    states = {m["name"]: m["state"] for m in json.loads(status.stdout)["migrations"]}
    before = {} if first else {"1_ok": "applied"}
    if db.dialect == "sqlite" and first:
        assert status.returncode == 3, status.stderr
        assert states == {"2_killed": "pending"}
        assert rows_of(db, "2_killed") == []
        again = project.mend("deploy", "--yes", "--url", db.url)
        assert again.returncode == 0, again.stderr
        assert rows_of(db, "2_killed")[0][2] is not None
    else:
        assert status.returncode == 4, status.stderr
        assert states == {**before, "2_killed": "failed"}
        ((_id, _c, finished, logs, _r, started, steps),) = rows_of(db, "2_killed")
        assert finished is None and logs is None and started is not None and steps == 0


def test_a_checkpoint_is_synced_and_anchored_at_most_every_second(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    target = DatabaseTarget(dialect="sqlite", memory=True)
    journal = Journal(path, target, "test").open()
    journal.record("first")
    anchored = read_anchor(path)
    assert anchored is not None and anchored.entries == 1
    journal.note("progress")
    journal.checkpoint("step")  # within the second: synced, not anchored
    assert read_anchor(path) == anchored
    check = verify_journal(path)
    assert check.intact and check.after_anchor == 2
    journal.anchor()
    assert read_anchor(path) == journal.head and journal.head is not None
    assert journal.head.entries == 3
    # Another writer's entry since: its anchor is left as the newer one.
    other = Journal(path, target, "other").open()
    other.record("theirs")
    journal._anchored_at -= 2  # the anchor now more than a second old
    journal.checkpoint("step")
    assert read_anchor(path) == journal.head
    assert verify_journal(path).intact and anchor_path(path).exists()


def test_an_entry_noted_for_later_is_written_with_the_next_or_by_the_anchor(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    target = DatabaseTarget(dialect="sqlite", memory=True)
    journal = Journal(path, target, "test").open()
    journal.record("first")
    size = path.stat().st_size
    journal.note_later("held", n=1)
    assert path.stat().st_size == size  # not written yet
    journal.note("next")
    events = [json.loads(line)["event"] for line in path.read_text().splitlines()]
    assert events == ["first", "held", "next"]
    journal.note_later("held again", n=2)
    journal.anchor()  # as a write session ends, whatever happened
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["event"] for e in entries] == ["first", "held", "next", "held again"]
    assert entries[-1]["n"] == 2
    check = verify_journal(path)
    assert check.intact and check.after_anchor == 0 and check.head == journal.head


def test_a_migration_failing_at_its_commit_leaves_the_next_one_unstarted(
    project: Project, db: TestDatabase
):
    """The next migration's started row is written in the transaction of the finished row: a
    deferred constraint failing at that COMMIT rolls it back with the rest, and the next
    migration has no row (deploy stopped before it). MySQL has no deferred constraints; there
    the finished and started rows commit on their own after the DDL, and a failing last
    statement stops the deploy before either is written."""
    if db.dialect == "mysql":
        last = f"INSERT INTO {db.q('nowhere')} VALUES (1);\n"
        expected_index = 2
        script = table(db, "p") + last
    else:
        enable = "PRAGMA foreign_keys=ON;\n" if db.dialect == "sqlite" else ""
        script = (
            enable
            + table(db, "p")
            + f"CREATE TABLE {db.q('c')} ({db.q('pid')} INTEGER REFERENCES {db.q('p')} "
            f"({db.q('id')}) DEFERRABLE INITIALLY DEFERRED);\n"
            + f"INSERT INTO {db.q('c')} VALUES (5);\n"
        )
        expected_index = 4 if enable else 3
    project.add("1_ok", table(db, "a"))
    project.add("2_fails", script)
    project.add("3_next", table(db, "n"))
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    record = assert_failed_row(project, db, "2_fails")
    assert record.statement_index == expected_index
    assert rows_of(db, "3_next") == []
    ((_i, _c, finished, _l, _r, _s, steps),) = rows_of(db, "1_ok")
    assert finished is not None and steps == 1
    assert "n" not in db.tables()
