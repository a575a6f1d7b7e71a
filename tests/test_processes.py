"""Real processes: two deploys at once, and a deploy killed with SIGKILL mid-migration."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from conftest import Project, TestDatabase


def slow_statement(dialect: str, seconds: int) -> str:
    if dialect == "postgresql":
        return f"SELECT pg_sleep({seconds});\n"
    if dialect == "mysql":
        return f"SELECT SLEEP({seconds});\n"
    # SQLite has no sleep: count far enough to take several seconds.
    return (
        f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        f"WHERE x < {seconds * 2_500_000}) SELECT count(*) FROM c;\n"
    )


def spawn_deploy(project: Project) -> subprocess.Popen[str]:
    env = {**os.environ, "MEND_JOURNAL": str(project.root / "journal.jsonl"), "NO_COLOR": "1"}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            AS_FROM_A_SHELL,
            "deploy",
            "--yes",
            "--url",
            project.url,
            "--lock-timeout",
            "60",
        ],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


# `python -m mend_tui`, with Ctrl-C as a shell would leave it to the command (Python's handler,
# not blocked), whatever disposition the test's worker process passed on to its children.
AS_FROM_A_SHELL = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "runpy.run_module('mend_tui', run_name='__main__', alter_sys=True)"
)


@pytest.mark.xdist_group("server-wide-lock")
def test_two_deploys_at_once_apply_each_migration_once(project: Project, db: TestDatabase):
    q = db.q
    project.add("00_log", f"CREATE TABLE {q('applied_log')} ({q('name')} VARCHAR(50));\n")
    for n in range(1, 6):
        project.add(
            f"{n:02d}_step",
            f"CREATE TABLE {q(f't{n}')} (x INTEGER);\n"
            + (slow_statement(db.dialect, 1) if n == 3 else "")
            + f"INSERT INTO {q('applied_log')} VALUES ('{n:02d}_step');\n",
        )
    first, second = spawn_deploy(project), spawn_deploy(project)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    report = "\n\n".join(
        f"exit {p.returncode}\n{out}\n{err}"
        for p, (out, err) in zip((first, second), outputs, strict=True)
    )
    assert (first.returncode, second.returncode) == (0, 0), report
    names = [row[0] for row in db.history()]
    assert sorted(names) == ["00_log"] + [f"{n:02d}_step" for n in range(1, 6)]
    assert len(names) == len(set(names))  # each exactly once
    logged = [row[0] for row in db.sql(f"SELECT {q('name')} FROM {q('applied_log')}")]
    assert sorted(logged) == [f"{n:02d}_step" for n in range(1, 6)]
    both = outputs[0][0] + outputs[1][0]
    assert both.count("Applying migration `03_step`") == 1


def read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """Read the process's stdout until `marker` shows up (lines may be unfinished)."""
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + timeout
    fd = process.stdout.fileno()
    while marker not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{marker!r} never appeared in: {seen!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096).decode()
            assert chunk, f"process ended before {marker!r}: {seen!r}"
            seen += chunk
    return seen


def kill_deploy_during(project: Project, marker: str, settle: float = 0.3) -> int:
    """Start `mend deploy`, SIGKILL it `settle` s after `marker` shows; its exit status."""
    process = spawn_deploy(project)
    try:
        read_until(process, marker, timeout=60)
        time.sleep(settle)  # the slow statement is now running on the server
        process.send_signal(signal.SIGKILL)
        code = process.wait(timeout=10)
        wait_for_the_server(project)
        return code
    finally:
        if process.poll() is None:
            process.kill()


def wait_for_the_server(project: Project, timeout: float = 60) -> None:
    """The killed client's statement runs on in its server session, which holds the migration
    lock till it ends: until then a recovery refuses (M4006, a deploy in progress)."""
    from mend_core.database.locking import lock_taken_elsewhere
    from mend_core.database.session import connect

    target = project.context().target
    if target.dialect == "sqlite":
        return  # the file's lock went with the process
    deadline = time.monotonic() + timeout
    with connect(target, read_only=True) as db:
        while lock_taken_elsewhere(db) is not None and time.monotonic() < deadline:
            time.sleep(0.2)


@pytest.mark.xdist_group("server-wide-lock")
def test_kill_9_mid_migration_reports_failed(project: Project, db: TestDatabase):
    q = db.q
    project.add("1_ok", f"CREATE TABLE {q('before')} (x INTEGER);\n")
    project.add(
        "2_killed",
        f"CREATE TABLE {q('during')} (x INTEGER);\n"
        + slow_statement(db.dialect, 4)
        + f"CREATE TABLE {q('after')} (x INTEGER);\n",
    )
    assert kill_deploy_during(project, "[2/3]") == -signal.SIGKILL
    status = project.mend("status", "--json", "--url", db.url)
    assert status.returncode == 4, (status.stdout, status.stderr)
    data = json.loads(status.stdout)
    states = {m["name"]: m["state"] for m in data["migrations"]}
    assert states == {"1_ok": "applied", "2_killed": "failed"}
    killed = data["migrations"][1]
    assert killed["logs"] is None and killed["finished_at"] is None
    text = project.mend("status", "--url", db.url)
    assert "the run was interrupted" in text.stdout
    assert "after" not in db.tables()
    if db.dialect != "postgresql":
        # Without transactional DDL the first statement stays: exactly what status must flag.
        assert "during" in db.tables()


@pytest.mark.xdist_group("server-wide-lock")
def test_ctrl_c_mid_statement_is_m4004_with_logs(project: Project, db: TestDatabase):
    """SIGINT while the server runs a statement: M4004, the logs written (on MySQL too, where
    the driver is left half-way through the reply), and the history says so."""
    from mend_core.history.failure import FailureRecord

    q = db.q
    project.add("1_ok", f"CREATE TABLE {q('before')} (x INTEGER);\n")
    project.add(
        "2_stopped",
        f"CREATE TABLE {q('during')} (x INTEGER);\n"
        + slow_statement(db.dialect, 6)
        + f"CREATE TABLE {q('after')} (x INTEGER);\n",
    )
    process = spawn_deploy(project)
    try:
        read_until(process, "[2/3]", timeout=60)
        time.sleep(0.5)  # the slow statement is now running on the server
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, err
    assert err.startswith("Error: M4004"), err
    assert "Traceback" not in err
    if db.dialect != "sqlite":  # SQLite finishes the running statement before it stops
        assert time.monotonic() - started < 5
    ((name, finished, rolled_back, _steps, logs),) = [r for r in db.history() if r[0] != "1_ok"]
    assert name == "2_stopped" and finished is None and rolled_back is None
    record = FailureRecord.from_logs(logs)
    assert record.source == "mend" and record.interrupted and record.error_code == "M4004"
    assert record.statement_index == 2
    status = project.mend("status", "--url", db.url)
    assert status.returncode == 4
    assert "after" not in db.tables()
