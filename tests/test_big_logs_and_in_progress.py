"""Issue 16 §6: megabytes of logs, and a migration still running under a deploy's lock.

A failed row whose `logs` hold 10 MB (written by hand, as an engine that echoes a big statement
leaves them): `inspect` shows the head and says how to see the rest, `inspect --full-logs`
prints all of it, a recovery's journal lines stay small, and the app's logs tab shows at once.
A started, unfinished row while another session holds Prisma's migration lock is a deploy in
progress: `inspect` says so (not "the process died"), `recover` refuses with M4006 and changes
nothing; once the lock is free, the old words return.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.database.session import connect
from mend_core.history.failure import FailureRecord
from mend_core.history.table import HistoryTable
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.project.target import parse_url

BAD = "2_bad"


def big_logs(size: int) -> str:
    """Prisma's P3018 text around an error that goes on for `size` bytes."""
    head = (
        f"Migration name: {BAD}\n\nDatabase error code: 42P01\n\nDatabase error:\n"
        'ERROR: relation "nowhere" does not exist\n'
    )
    tail = '\n\nDbError { severity: "ERROR", code: SqlState(E42P01) }\n'
    line = "DETAIL: " + "x" * 71 + "\n"
    return head + line * ((size - len(head) - len(tail)) // len(line)) + tail


def stage_failed(project: Project, db: TestDatabase) -> None:
    project.add("1_ok", "CREATE TABLE a (x int);\n")
    project.add(BAD, "CREATE TABLE b (x int);\nSELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())


def logs_for(db: TestDatabase) -> str:
    # Prisma's MySQL table keeps logs in a TEXT: 64 KB is the most a failed row can hold there.
    return big_logs(65_535 if db.dialect == "mysql" else 10_000_000)


def write_logs(db: TestDatabase, logs: str) -> None:
    mark = "?" if db.dialect == "sqlite" else "%s"
    db.sql(
        f"UPDATE _prisma_migrations SET logs = {mark} WHERE migration_name = {mark}", (logs, BAD)
    )


def longest_journal_line(project: Project) -> int:
    journal = project.root / "journal.jsonl"
    return max(len(line) for line in journal.read_bytes().splitlines())


def timed(project: Project, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = project.mend(*args, process=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return time.perf_counter() - started, done.stdout


def test_parsing_ten_megabytes_is_linear() -> None:
    """Blank-line runs and an unclosed quote once made the regexes quadratic: seconds per MB."""
    blank_lines = "\n \n" * 3_000_000 + "x"
    unclosed = 'detail: Some("' + "a\\" * 5_000_000
    for text in (big_logs(10_000_000), blank_lines, unclosed):
        started = time.perf_counter()
        FailureRecord.from_logs(text)
        assert time.perf_counter() - started < 5


def test_ten_megabytes_of_logs(project: Project, db: TestDatabase) -> None:
    stage_failed(project, db)
    small, small_out = timed(project, "inspect", BAD, "--url", db.url)
    logs = logs_for(db)
    write_logs(db, logs)

    big, shown = timed(project, "inspect", BAD, "--url", db.url)
    assert len(shown.encode()) < 100_000
    assert "more bytes: `mend inspect 2_bad --full-logs`" in shown
    assert 'relation "nowhere" does not exist' in shown  # the head is there
    assert len(shown) < len(small_out) + 8_000  # the head, not the logs
    # About as long as on small logs (a margin for a loaded machine).
    assert big < small * 2 + 3, (small, big)

    whole = project.mend("inspect", BAD, "--full-logs", "--url", db.url, process=True, timeout=300)
    assert whole.returncode == 0, whole.stderr
    assert whole.stdout == logs

    recovered = project.mend(
        "recover", BAD, "--roll-back", "--yes", "--url", db.url, process=True, timeout=300
    )
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert longest_journal_line(project) < 64_000
    journal = (project.root / "journal.jsonl").read_text()
    # The journal names the whole logs by length and hash: they can be checked against the table.
    assert hashlib.sha256(logs.encode()).hexdigest() in journal


async def test_the_logs_tab_shows_ten_megabytes_at_once(project: Project, db: TestDatabase) -> None:
    from textual.widgets import Log, Static

    from mend_tui.app import MendApp
    from mend_tui.screens.history import HistoryScreen
    from scenes import settle

    stage_failed(project, db)
    logs = logs_for(db)
    write_logs(db, logs)
    app = MendApp(project.context(read_only=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("h", "end")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        started = time.perf_counter()
        await pilot.press("o")
        await settle(pilot)
        shown = str(app.screen.query_one("#logs-text", Static).content)
        assert time.perf_counter() - started < 1.5
        assert 'relation "nowhere" does not exist' in shown
        assert len(shown) < 20_000 and "press l to show them all" in shown

        started = time.perf_counter()
        await pilot.press("l")
        full = app.screen.query_one("#logs-full", Log)
        while full.line_count < logs.count("\n") and time.perf_counter() - started < 20:
            await pilot.pause(0.05)
        assert full.line_count == logs.count("\n")
        print(f"all logs shown in {time.perf_counter() - started:.2f} s")
        assert full.lines[-1].startswith("DbError {")
        # Back to the head with the tab's key.
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.query_one("#detail").current == "logs"  # type: ignore[attr-defined]


# -- a deploy in progress --------------------------------------------------------------------
def hold_lock(db: TestDatabase, root: Path) -> object:
    """A session that holds Prisma's lock and has started `1_a`, as a running deploy has."""
    other = connect(parse_url(db.url, base_dir=root))
    if db.dialect == "postgresql":
        other.query("SELECT pg_advisory_lock(72707369)")
    else:
        assert other.scalar("SELECT GET_LOCK('prisma_migrate', 10)") == 1
    table = HistoryTable(other)
    table.create()
    table.record_started("1_a", "0" * 64)
    return other


def release_lock(db: TestDatabase, other: object) -> None:
    from mend_core.database.session import Database

    assert isinstance(other, Database)
    if db.dialect == "postgresql":
        other.query("SELECT pg_advisory_unlock(72707369)")
    else:
        other.query("SELECT RELEASE_LOCK('prisma_migrate')")
    other.close()


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_a_deploy_in_progress_is_not_a_dead_process(project: Project, db: TestDatabase) -> None:
    project.add("1_a", "CREATE TABLE a (x int);\n")
    other = hold_lock(db, project.root)
    try:
        inspected = project.mend("inspect", "--url", db.url)
        assert inspected.returncode == 0, inspected.stderr
        assert "is in progress: a deploy holds the migration lock (holder: " in inspected.stdout
        assert "process died" not in inspected.stdout
        assert "mend status" in inspected.stdout

        history = db.history()
        refused = project.mend("recover", "1_a", "--roll-back", "--yes", "--url", db.url)
        assert refused.returncode == 1
        assert "M4006" in refused.stderr and "Traceback" not in refused.stderr
        assert "M7004" not in refused.stdout + refused.stderr
        assert "Rehears" not in refused.stdout  # refused before any rehearsal
        assert db.history() == history
        assert not (project.root / "journal.jsonl").exists()

        planned = project.mend("plan", "1_a", "--roll-back", "--url", db.url)
        assert planned.returncode == 1 and "M4006" in planned.stderr
    finally:
        release_lock(db, other)
    inspected = project.mend("inspect", "--url", db.url)
    assert inspected.returncode == 0, inspected.stderr
    assert "no logs: the process died" in inspected.stdout
    assert "in progress" not in inspected.stdout


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_sqlite_locked_by_a_writer_is_a_deploy_in_progress(
    project: Project, db: TestDatabase
) -> None:
    """SQLite cannot be read at all while a deploy holds it: M4006 after the connect timeout,
    nothing changed; once the writer is gone, the analysis runs."""
    stage_failed(project, db)
    path = Path(db.name)
    url = f"file:{path}?connect_timeout=1"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA locking_mode=EXCLUSIVE")
    writer.execute("BEGIN EXCLUSIVE")  # held, as a deploy's write holds it
    try:
        for args in (("inspect", BAD), ("recover", BAD, "--roll-back", "--yes")):
            refused = project.mend(*args, "--url", url)
            assert refused.returncode == 1, refused.stdout
            assert "M4006" in refused.stderr and "deploy is in progress" in refused.stderr
            assert "Traceback" not in refused.stderr
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    finally:
        writer.close()
    inspected = project.mend("inspect", BAD, "--url", url)
    assert inspected.returncode == 0, inspected.stderr
    assert "Incident: `2_bad` failed at statement 2 of 2" in inspected.stdout


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_another_databases_deploy_is_not_this_ones(project: Project, db: TestDatabase) -> None:
    """MySQL's named lock is server-wide: a deploy to another database on the same server
    holds it too, and leaves this database's dead row a dead row."""
    from conftest import MYSQL_URL

    project.add("1_a", "CREATE TABLE a (x int);\n")
    with connect(parse_url(db.url, base_dir=project.root)) as ours:
        table = HistoryTable(ours)
        table.create()
        table.record_started("1_a", "0" * 64)  # a run that died
    with connect(parse_url(MYSQL_URL, base_dir=project.root)) as elsewhere:
        assert elsewhere.scalar("SELECT GET_LOCK('prisma_migrate', 10)") == 1
        try:
            inspected = project.mend("inspect", "--url", db.url)
        finally:
            elsewhere.query("SELECT RELEASE_LOCK('prisma_migrate')")
    assert inspected.returncode == 0, inspected.stderr
    assert "no logs: the process died" in inspected.stdout
    assert "in progress" not in inspected.stdout


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_status_calls_a_running_migration_running(project: Project, db: TestDatabase) -> None:
    """`mend status` while a deploy runs `1_a`: in progress (exit 7), the row `running`, and
    no advice to resolve it; once the lock is free, the same row is a failure again (exit 4)."""
    project.add("1_a", "CREATE TABLE a (x int);\n")
    other = hold_lock(db, project.root)
    try:
        shown = project.mend("status", "--url", db.url)
        as_json = project.mend("status", "--json", "--url", db.url)
    finally:
        release_lock(db, other)
    assert shown.returncode == 7, shown.stdout + shown.stderr
    assert "State: in progress. A deploy is in progress: 1_a has started" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if "1_a" in line)
    assert "running" in row and "failed" not in row and "interrupted" not in row
    assert "resolve --rolled-back" not in shown.stdout and "P3009" not in shown.stdout
    summary = json.loads(as_json.stdout)["summary"]
    assert (summary["state"], summary["exit_code"], summary["running"]) == (
        "in_progress",
        7,
        ["1_a"],
    )
    after = project.mend("status", "--url", db.url)
    assert after.returncode == 4, after.stdout
    assert "State: failed." in after.stdout
    row = next(line for line in after.stdout.splitlines() if "1_a" in line)
    assert "failed" in row and "running" not in row


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_status_of_an_unfinished_row_without_a_lock_is_a_failure(
    project: Project, db: TestDatabase
) -> None:
    """SQLite has no lock a reader could see held (a deploy's write blocks readers instead): an
    unfinished row without logs is a run that died, exit 4, never `running`."""
    project.add("1_a", "CREATE TABLE a (x int);\n")
    with connect(parse_url(db.url, base_dir=project.root)) as session:
        table = HistoryTable(session)
        table.create()
        table.record_started("1_a", "0" * 64)
    shown = project.mend("status", "--url", db.url)
    assert shown.returncode == 4, shown.stdout + shown.stderr
    row = next(line for line in shown.stdout.splitlines() if "1_a " in line)
    assert "failed" in row and "running" not in row and "in progress" not in shown.stdout
    assert (
        json.loads(project.mend("status", "--json", "--url", db.url).stdout)["summary"]["running"]
        == []
    )


@pytest.mark.xdist_group("server-wide-lock")
@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_status_ignores_another_databases_deploy(project: Project, db: TestDatabase) -> None:
    """MySQL's named lock is server-wide: another database's deploy leaves this one's dead row
    a failure in `mend status` too."""
    from conftest import MYSQL_URL

    project.add("1_a", "CREATE TABLE a (x int);\n")
    with connect(parse_url(db.url, base_dir=project.root)) as ours:
        table = HistoryTable(ours)
        table.create()
        table.record_started("1_a", "0" * 64)
    with connect(parse_url(MYSQL_URL, base_dir=project.root)) as elsewhere:
        assert elsewhere.scalar("SELECT GET_LOCK('prisma_migrate', 10)") == 1
        try:
            shown = project.mend("status", "--url", db.url)
        finally:
            elsewhere.query("SELECT RELEASE_LOCK('prisma_migrate')")
    assert shown.returncode == 4, shown.stdout
    assert "State: failed." in shown.stdout and "in progress" not in shown.stdout
