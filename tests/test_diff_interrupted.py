"""Ctrl-C while `mend diff --to-migrations` replays a statement in its shadow: "Interrupted."
and exit 130, as for any command, not an internal error (M9000)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import Project, TestDatabase
from test_processes import AS_FROM_A_SHELL, slow_statement

# The slow statement running in this process's shadow (named mend_shadow_p<pid>_...).
SLEEPING = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(%%' "
    "AND datname LIKE %s",
    "mysql": "SELECT COUNT(*) FROM information_schema.processlist "
    "WHERE info LIKE '%%SLEEP(%%' AND db LIKE %s",
}


def wait_for_the_slow_statement(db: TestDatabase, process: subprocess.Popen[str]) -> None:
    """Until the replay runs the slow statement (SQLite's runs in mend's process: a while)."""
    if db.dialect == "sqlite":
        time.sleep(3)
        return
    deadline = time.monotonic() + 60
    shadow = f"mend\\_shadow\\_p{process.pid}\\_%"
    while db.sql(SLEEPING[db.dialect], (shadow,))[0][0] == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the slow statement never ran"
        time.sleep(0.1)


def test_ctrl_c_during_a_replay_is_an_interruption(project: Project, db: TestDatabase):
    q = db.q
    project.add("1_table", f"CREATE TABLE {q('t')} (x INTEGER);\n")
    project.add("2_slow", slow_statement(db.dialect, 12))
    env = {**os.environ, "NO_COLOR": "1", "MEND_JOURNAL": str(project.root / "journal.jsonl")}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            AS_FROM_A_SHELL,  # Ctrl-C reaches it even where the suite runs with SIGINT ignored
            "diff",
            "--from-empty",
            "--to-migrations",
            str(project.migrations),
            "--replay-data",
            "--url",
            db.url,
        ],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        wait_for_the_slow_statement(db, process)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "Interrupted." in err, err
    assert "M9000" not in err and "Traceback" not in err, err
