"""`mend deploy` on every dialect: order, bookkeeping, failures, atomicity, dry runs."""

from __future__ import annotations

import re

import pytest

from conftest import Project, TestDatabase
from mend_core.errors import MendError
from mend_core.history.failure import FailureRecord
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy, preview_deploy

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class Recorder(SilentDeploy):
    def __init__(self) -> None:
        self.events: list[str] = []

    def migration_started(self, planned, position, count):  # type: ignore[no-untyped-def]
        self.events.append(f"start {planned.name}")

    def migration_finished(self, planned, seconds):  # type: ignore[no-untyped-def]
        self.events.append(f"done {planned.name}")

    def statement_started(self, statement, total):  # type: ignore[no-untyped-def]
        self.events.append(f"stmt {statement.index}/{total}")


def table_sql(name: str, dialect: str, extra: str = "") -> str:
    q = (lambda s: f"`{s}`") if dialect == "mysql" else (lambda s: f'"{s}"')
    return f"CREATE TABLE {q(name)} ({q('id')} INTEGER NOT NULL PRIMARY KEY{extra});\n"


def test_applies_pending_in_name_order_and_records_like_prisma(project: Project, db: TestDatabase):
    project.add("20240102000000_second", table_sql("B", db.dialect))
    project.add("20240101000000_first", table_sql("A", db.dialect))
    recorder = Recorder()
    result = deploy(project.context(), recorder)
    assert result.applied == ("20240101000000_first", "20240102000000_second")
    assert recorder.events[0] == "start 20240101000000_first"
    assert {"A", "B", "_prisma_migrations"} <= db.tables()
    rows = db.sql(
        f"SELECT id, checksum, migration_name, logs, applied_steps_count, finished_at, "
        f"rolled_back_at FROM {db.q('_prisma_migrations')} ORDER BY migration_name"
    )
    assert [r[2] for r in rows] == ["20240101000000_first", "20240102000000_second"]
    for row_id, checksum, _name, logs, steps, finished, rolled_back in rows:
        assert UUID.match(row_id)
        assert re.fullmatch(r"[0-9a-f]{64}", checksum)
        assert logs is None
        assert steps == 1
        assert finished is not None
        assert rolled_back is None
    if db.dialect == "sqlite":
        # The native engine stores DATETIME as integer milliseconds.
        assert isinstance(rows[0][5], int) and rows[0][5] > 1_600_000_000_000


def test_second_deploy_has_nothing_to_do(project: Project, db: TestDatabase):
    project.add("1_a", table_sql("A", db.dialect))
    deploy(project.context(), Recorder())
    result = deploy(project.context(), Recorder())
    assert result.applied == ()
    assert len(db.history()) == 1


def test_failure_records_logs_and_stops(project: Project, db: TestDatabase):
    project.add("1_ok", table_sql("A", db.dialect))
    project.add(
        "2_bad",
        table_sql("B", db.dialect)
        + table_sql("C", db.dialect)
        + "INSERT INTO nowhere VALUES (1);\n",
    )
    project.add("3_never", table_sql("D", db.dialect))
    with pytest.raises(MigrationFailed) as caught:
        deploy(project.context(), Recorder())
    error = caught.value
    assert error.code == "P3018"
    assert error.record.statement_index == 3
    assert "Migration name: 2_bad" in error.message
    history = db.history()
    assert [h[0] for h in history] == ["1_ok", "2_bad"]
    failed = history[1]
    assert failed[1] is None and failed[2] is None and failed[3] == 0
    parsed = FailureRecord.from_logs(failed[4])
    assert parsed is not None and parsed.source == "mend"
    assert parsed.statement_index == 3 and parsed.statement_count == 3
    assert parsed.statement_sql is not None and "nowhere" in parsed.statement_sql
    expected_code = {"postgresql": "42P01", "mysql": "1146", "sqlite": "1"}[db.dialect]
    assert parsed.error_code == expected_code
    assert "D" not in db.tables()
    if db.dialect == "postgresql":
        # One transaction: the two CREATE TABLEs were rolled back with the failure.
        assert not {"B", "C"} & db.tables()
        assert "rolled back" in parsed.effect()
    else:
        # MySQL and SQLite: statements before the failure stay applied, as with Prisma.
        assert {"B", "C"} <= db.tables()
        assert "statements 1-2 committed" in parsed.effect()


def test_failed_migration_blocks_deploy_with_p3009(project: Project, db: TestDatabase):
    project.add("1_bad", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), Recorder())
    project.add("2_next", table_sql("N", db.dialect))
    with pytest.raises(MendError) as caught:
        deploy(project.context(), Recorder())
    assert caught.value.code == "P3009"
    assert "The `1_bad` migration started at" in caught.value.message
    assert "N" not in db.tables()


def test_non_empty_unmanaged_database_is_p3005(project: Project, db: TestDatabase):
    db.sql(table_sql("existing", db.dialect))
    project.add("1_a", table_sql("A", db.dialect))
    with pytest.raises(MendError) as caught:
        deploy(project.context(), Recorder())
    assert caught.value.code == "P3005"
    assert db.tables() == {"existing"}


def test_lock_file_provider_mismatch_is_p3019(project: Project, db: TestDatabase):
    other = "mysql" if db.dialect != "mysql" else "postgresql"
    project.lock(other)
    project.add("1_a", table_sql("A", db.dialect))
    with pytest.raises(MendError) as caught:
        deploy(project.context(), Recorder())
    assert caught.value.code == "P3019"
    assert db.tables() == set()


def test_folder_without_script_is_p3015(project: Project, db: TestDatabase):
    project.add("1_a", table_sql("A", db.dialect))
    (project.migrations / "2_empty_folder").mkdir()
    (project.migrations / "README.txt").write_text("not a migration")
    with pytest.raises(MendError) as caught:
        deploy(project.context(), Recorder())
    assert caught.value.code == "P3015"
    assert "2_empty_folder" in caught.value.message
    assert db.tables() == set()


def test_rolled_back_migration_is_applied_again(project: Project, db: TestDatabase):
    from mend_core.operations.resolve import Resolution, resolve

    project.add("1_a", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), Recorder())
    resolve(project.context(), Resolution.ROLLED_BACK, "1_a")
    project.add("1_a", table_sql("A", db.dialect))
    result = deploy(project.context(), Recorder())
    assert result.applied == ("1_a",)
    history = db.history()
    assert len(history) == 2
    assert history[0][2] is not None  # the failed attempt, rolled back
    assert history[1][1] is not None and history[1][2] is None


def test_dry_run_preview_changes_nothing(project: Project, db: TestDatabase):
    project.add("1_a", table_sql("A", db.dialect) + table_sql("B", db.dialect))
    plan = preview_deploy(project.context(read_only=True))
    assert plan.names == ("1_a",)
    assert plan.creates_history_table
    assert [s.index for s in plan.pending[0].statements] == [1, 2]
    completed = project.mend("deploy", "--dry-run", "--url", db.url)
    assert completed.returncode == 0, completed.stderr
    assert "statement 2" in completed.stdout and "Dry run: nothing was changed." in completed.stdout
    assert db.tables() == set()


def test_cli_deploy_requires_confirmation_off_a_terminal(project: Project, db: TestDatabase):
    project.add("1_a", table_sql("A", db.dialect))
    refused = project.mend("deploy", "--url", db.url)
    assert refused.returncode == 1
    assert "Error: M4001" in refused.stderr and "--yes" in refused.stderr
    assert db.tables() == set()
    applied = project.mend("deploy", "--url", db.url, "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "All migrations have been successfully applied." in applied.stdout
    assert "[1/1]" in applied.stdout
    assert "A" in db.tables()


def test_cli_failure_prints_p3018_without_traceback(project: Project, db: TestDatabase):
    project.add("1_bad", "SELECT * FROM nowhere;\n")
    completed = project.mend("deploy", "--url", db.url, "--yes")
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P3018")
    assert "Traceback" not in completed.stderr + completed.stdout
    assert "Failed statement: 1 of 1" in completed.stderr
    assert "Hint:" in completed.stderr


def test_names_with_quotes_and_spaces_are_safe(project: Project, db: TestDatabase):
    name = '20240101000000_it\'s a "name"; DROP TABLE x'
    project.add(name, table_sql("A", db.dialect))
    result = deploy(project.context(), Recorder())
    assert result.applied == (name,)
    assert db.history()[0][0] == name


def test_extra_history_column_is_tolerated(project: Project, db: TestDatabase):
    project.add("1_a", table_sql("A", db.dialect))
    deploy(project.context(), Recorder())
    db.sql(f"ALTER TABLE {db.q('_prisma_migrations')} ADD COLUMN {db.q('note')} TEXT")
    project.add("2_b", table_sql("B", db.dialect))
    result = deploy(project.context(), Recorder())
    assert result.applied == ("2_b",)
    from mend_core.history.status import get_status

    report = get_status(project.context())
    assert any("extra column(s) note" in w for w in report.warnings)


def test_history_table_missing_a_column_is_refused(project: Project, db: TestDatabase):
    db.sql(f"CREATE TABLE {db.q('_prisma_migrations')} ({db.q('id')} VARCHAR(36))")
    project.add("1_a", table_sql("A", db.dialect))
    with pytest.raises(MendError) as caught:
        deploy(project.context(), Recorder())
    assert caught.value.code == "M3001"
    assert "A" not in db.tables()


def test_statements_are_split_with_the_dialects_rules(project: Project, db: TestDatabase):
    if db.dialect == "postgresql":
        body = (
            "CREATE TABLE t (x int);\n"
            "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END; $$ "
            "LANGUAGE plpgsql;\n"
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
            "INSERT INTO t VALUES (5); -- ; in a comment\n"
            "SELECT 'a;b';\n"
        )
    elif db.dialect == "mysql":
        body = (
            "CREATE TABLE t (x int);\n"
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN\n"
            "  IF NEW.x > 0 THEN SET NEW.x = 1; END IF;\nEND;\n"
            "INSERT INTO t VALUES (5); -- ; in a comment\n"
            "SELECT 'a;b';\n"
        )
    else:
        body = (
            "CREATE TABLE t (x int);\n"
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
            "  UPDATE t SET x = CASE WHEN new.x > 0 THEN 1 ELSE 0 END; SELECT 1;\nEND;\n"
            "INSERT INTO t VALUES (5); -- ; in a comment\n"
            "SELECT 'a;b';\n"
        )
    project.add("1_split", body)
    plan = preview_deploy(project.context())
    count = 5 if db.dialect == "postgresql" else 4
    assert len(plan.pending[0].statements) == count
    deploy(project.context(), Recorder())
    assert db.sql("SELECT x FROM t") == [(1,)]


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_mysql_delimiter_is_a_clear_error(project: Project, db: TestDatabase):
    project.add("1_delim", "DELIMITER $$\nCREATE TABLE t (x int)$$\nDELIMITER ;\n")
    with pytest.raises(MendError) as caught:
        deploy(project.context(), Recorder())
    assert caught.value.code == "M2005"
    assert "Line 1" in caught.value.message
    assert db.tables() == set()


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_concurrently_runs_outside_the_transaction(project: Project, db: TestDatabase):
    project.add(
        "1_hotfix",
        "CREATE TABLE t (x int);\nCREATE INDEX CONCURRENTLY t_x_idx ON t (x);\n"
        "INSERT INTO t VALUES (1);\n",
    )
    plan = preview_deploy(project.context())
    assert [s.autocommit for s in plan.pending[0].statements] == [False, True, False]
    assert "cannot run in a transaction" in plan.pending[0].mode.description
    deploy(project.context(), Recorder())
    assert db.sql("SELECT indexname FROM pg_indexes WHERE tablename = 't'") == [("t_x_idx",)]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_script_with_its_own_transaction(project: Project, db: TestDatabase):
    project.add(
        "1_tx",
        "BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);\n"
        "BEGIN;\nCREATE TABLE c (x int);\nSELECT 1/0;\nCOMMIT;\n",
    )
    with pytest.raises(MigrationFailed) as caught:
        deploy(project.context(), Recorder())
    # As PostgreSQL runs the script Prisma sends in one message: the stretch after a COMMIT is
    # one transaction (the later BEGIN only makes it explicit), rolled back whole on failure.
    assert caught.value.record.committed == (1, 2, 3)
    assert caught.value.record.rolled_back == (4, 5, 6)
    assert "a" in db.tables() and not {"b", "c"} & db.tables()


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("script", "tables", "committed"),
    [
        # Before the BEGIN: part of the explicit transaction, committed with it.
        (
            "CREATE TABLE a (x int);\nBEGIN;\nCREATE TABLE b (x int);\nCOMMIT;\n"
            "CREATE TABLE c (x int);\nSELECT 1/0;\n",
            {"a", "b"},
            (1, 2, 3, 4),
        ),
        # A bare COMMIT ends the implicit transaction; what follows is the next one.
        ("CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);\nSELECT 1/0;\n", {"a"}, (1, 2)),
    ],
)
def test_postgres_script_transactions_match_a_multi_statement_message(
    project: Project, db: TestDatabase, script: str, tables: set[str], committed: tuple[int, ...]
):
    project.add("1_tx", script)
    with pytest.raises(MigrationFailed) as caught:
        deploy(project.context(), Recorder())
    assert caught.value.record.committed == committed
    assert db.tables() - {"_prisma_migrations"} == tables


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_script_rollback_discards_the_stretch_before_it(
    project: Project, db: TestDatabase
):
    project.add("1_tx", "CREATE TABLE a (x int);\nROLLBACK;\nCREATE TABLE b (x int);\n")
    deploy(project.context(), Recorder())
    assert db.tables() - {"_prisma_migrations"} == {"b"}
    assert db.history()[0][1] is not None  # finished


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_preview_during_another_deploy_says_so(project: Project, db: TestDatabase):
    """An unfinished row while another session holds the lock is a deploy in progress."""
    from mend_core.database.locking import migration_lock
    from mend_core.database.session import connect
    from mend_core.history.table import HistoryTable
    from mend_core.project.target import parse_url

    project.add("1_a", table_sql("A", db.dialect))
    with connect(parse_url(db.url, base_dir=project.root)) as other, migration_lock(other, 20):
        table = HistoryTable(other)
        table.create()
        table.record_started("1_a", "0" * 64)  # running, not finished
        with pytest.raises(MendError) as caught:
            preview_deploy(project.context())
        assert caught.value.code == "M4006"
        assert "held by" in caught.value.message
