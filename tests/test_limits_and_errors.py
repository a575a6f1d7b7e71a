"""Limits and errors (issue 16 §6): a data fix read only up to the size limit, connection
errors that name their cause, a session sql_mode that migrations cannot change under mend's
inspection, a connection killed mid-recovery, shadow databases left by a killed run, and
folder names with odd characters."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from typing import Any

import pytest

from conftest import POSTGRES_URL, Project, TestDatabase
from recovery_support import schema_and_history
from test_recovery import seed_incident


def _limit_memory() -> None:
    # Without the limit a read of /dev/zero would take the machine's memory before failing.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def mend_capped(
    project: Project, *args: str, stdin: Any = None
) -> subprocess.CompletedProcess[str]:
    """`mend ARGS` as a real process with 1 GB of address space and a 1 MB script limit."""
    return subprocess.run(
        [sys.executable, "-m", "mend_tui", *args],
        cwd=project.root,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "MEND_MAX_SCRIPT_MB": "1"},
        preexec_fn=_limit_memory,
    )


# -- a data fix is read up to the limit, not whole ----------------------------------------------


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("command", ["plan", "recover"])
def test_a_data_fix_that_never_ends_is_refused_at_the_limit(
    project: Project, db: TestDatabase, command: str
):
    seed_incident(project, db)
    before = schema_and_history(db)
    args = [command, "--roll-forward", "--data-fix", "/dev/zero", "--url", db.url]
    if command == "recover":
        args.append("--rehearse-only")
    completed = mend_capped(project, *args)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.startswith("Error: M2004"), completed.stderr
    assert "/dev/zero" in completed.stderr and "1 MB" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert schema_and_history(db) == before


@pytest.mark.parametrize("db", ["sqlite", "postgresql", "mysql"], indirect=True)
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_script_that_never_ends_is_refused_at_the_limit(
    project: Project, db: TestDatabase, source: str
):
    """`mend execute` reads a script as a data fix is read: one byte past the limit at most."""
    seed_incident(project, db)
    before = schema_and_history(db)
    given = ["--file", "/dev/zero"] if source == "file" else ["--stdin"]
    with open("/dev/zero", "rb") as zeros:
        completed = mend_capped(project, "execute", *given, "--yes", "--url", db.url, stdin=zeros)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.startswith("Error: M2004"), completed.stderr
    named = "/dev/zero" if source == "file" else "standard input"
    assert f"`{named}` is larger than mend's limit of 1 MB" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert schema_and_history(db) == before


@pytest.mark.parametrize("db", ["sqlite", "postgresql", "mysql"], indirect=True)
def test_a_diff_of_a_sql_file_that_never_ends_is_refused_at_the_limit(
    project: Project, db: TestDatabase
):
    completed = mend_capped(
        project, "diff", "--from-empty", "--to-sql", "/dev/zero", "--url", db.url
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.startswith("Error: M2004"), completed.stderr
    assert "`/dev/zero` is larger than mend's limit of 1 MB" in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_big_script_file_is_refused_with_its_size(project: Project, db: TestDatabase):
    big = project.root / "big.sql"
    big.write_bytes(b"SELECT 1;\n" * 250_000)  # 2.4 MB
    completed = project.mend(
        "execute", "--file", str(big), "--yes", "--url", db.url, env={"MEND_MAX_SCRIPT_MB": "1"}
    )
    assert completed.returncode == 1
    assert f"`{big}` is 2.4 MB, over mend's limit of 1 MB" in completed.stderr, completed.stderr


# -- connection errors name their cause ---------------------------------------------------------


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
# MariaDB answers an unknown user with 1045 or 1698 depending on the fake authentication plugin
# it picks from a hash of the name (so that users cannot be enumerated): both names are needed.
@pytest.mark.parametrize("user", ["nosuchuser", "ghost"])
def test_an_unknown_mysql_user_is_an_authentication_failure(
    project: Project, db: TestDatabase, user: str
):
    url = db.url.replace("://root@", f"://{user}@", 1)
    assert url != db.url
    completed = project.mend("status", "--url", url)
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P1000"), completed.stderr
    assert user in completed.stderr
    assert "Can't reach" not in completed.stderr


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "query", ["sslmode=bogus", "sslmode=REQUIRE", "target_session_attrs=bogus"]
)
def test_a_bogus_url_parameter_is_an_invalid_url(project: Project, db: TestDatabase, query: str):
    completed = project.mend("status", "--url", f"{db.url}?{query}")
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P1013"), completed.stderr
    assert query.split("=")[0] in completed.stderr
    assert "Can't reach" not in completed.stderr


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_valid_sslmode_still_connects(project: Project, db: TestDatabase):
    completed = project.mend("status", "--url", f"{db.url}?sslmode=prefer")
    assert "Error" not in completed.stderr, completed.stderr


# -- a migration's sql_mode does not reach mend's own queries ----------------------------------


def _incident_after_a_mode(project: Project, db: TestDatabase, mode: str) -> None:
    """A history whose first migration sets the session's sql_mode, then a failed migration."""
    q = db.q
    init = (
        f"SET sql_mode = '{mode}';\n"
        f"CREATE TABLE {q('User')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('name')} VARCHAR(191) NOT NULL DEFAULT 'it''s');\n"
        f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES (1, 'paul'), (2, 'paul');\n"
    )
    unique = f"CREATE UNIQUE INDEX {q('User_name_key')} ON {q('User')}({q('name')});\n"
    from recovery_support import stage

    stage(project, db, [("1_init", init)], ("2_unique", unique))


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
@pytest.mark.parametrize("mode", ["STRICT_ALL_TABLES", "STRICT_ALL_TABLES,ANSI_QUOTES"])
def test_a_migration_that_sets_sql_mode_does_not_break_inspection(
    project: Project, db: TestDatabase, mode: str
):
    _incident_after_a_mode(project, db, mode)
    before = schema_and_history(db)
    for args in (
        ["drift"],
        ["inspect"],
        ["plan", "--roll-back"],
        ["recover", "--roll-back", "--rehearse-only"],
        ["diff", "--from-migrations", "prisma/migrations", "--to-url", db.url],
    ):
        completed = project.mend(*args, "--url", db.url)
        assert "M1007" not in completed.stderr, (args, completed.stderr)
        assert "Traceback" not in completed.stderr, (args, completed.stderr)
        assert not completed.stderr.startswith("Error"), (args, completed.stderr)
    assert schema_and_history(db) == before


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_the_session_mode_is_put_back_after_inspection(db: TestDatabase):
    from pathlib import Path

    from mend_core.database.session import connect
    from mend_core.project.target import parse_url
    from mend_core.schema.inspect import inspect_database

    with connect(parse_url(db.url, base_dir=Path.cwd())) as session:
        session.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,ANSI_QUOTES'")
        assert inspect_database(session).tables == ()
        mode = session.scalar("SELECT @@SESSION.sql_mode")
        assert set(mode.split(",")) == {"STRICT_ALL_TABLES", "ANSI_QUOTES"}


# -- shadows left by a killed run are dropped by the next -----------------------------------------


def _shadows(db: TestDatabase) -> set[str]:
    if db.dialect == "postgresql":
        rows = db.sql("SELECT datname FROM pg_database WHERE datname LIKE 'mend_shadow%'")
    else:
        rows = db.sql("SHOW DATABASES LIKE 'mend\\_shadow%'")
    return {r[0] for r in rows}


def _drop_databases(db: TestDatabase, names: set[str]) -> None:
    for name in names:
        if db.dialect == "postgresql":
            db.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            db.sql(f"DROP DATABASE IF EXISTS `{name}`")


def _owned_by(db: TestDatabase, pid: int) -> set[str]:
    """The shadows named for process `pid` (other runs on the server may make their own)."""
    return {name for name in _shadows(db) if name.startswith(f"mend_shadow_p{pid}_")}


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_a_shadow_left_by_a_killed_run_is_dropped_by_the_next(project: Project, db: TestDatabase):
    import signal
    import time

    q = db.q
    sleep = "pg_sleep(6)" if db.dialect == "postgresql" else "(SELECT SLEEP(6)) AS s"
    project.add("1_slow", f"CREATE TABLE {q('slow')} AS SELECT 1 AS x FROM {sleep};\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mend_tui",
            "diff",
            "--from-migrations",
            "prisma/migrations",
            "--to-url",
            db.url,
            "--url",
            db.url,
        ],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        deadline = time.monotonic() + 20
        while not _owned_by(db, proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _owned_by(db, proc.pid)
        assert left, "the shadow never appeared"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.5)
        # kill -9: the run could not drop it. On a shared server another mend of this host may
        # have dropped it already, as the next run would (what this test checks): then done.
        if not _owned_by(db, proc.pid):
            return
        assert _owned_by(db, proc.pid) == left
        (project.migrations / "1_slow").joinpath("migration.sql").unlink()
        (project.migrations / "1_slow").rmdir()
        completed = project.mend("drift", "--url", db.url, process=True, timeout=60)
        assert completed.returncode == 0, completed.stderr
        # Dropped (the message is checked below: on a shared server another mend of this host
        # may be the one that drops it first).
        assert not (_shadows(db) & left), "the leftover shadow is still there"
    finally:
        proc.kill()
        # Only the killed run's own: other tests on this server make shadows meanwhile.
        _drop_databases(db, _owned_by(db, proc.pid))


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_only_shadows_of_gone_processes_of_this_host_are_dropped(
    project: Project, db: TestDatabase
):
    from mend_core.schema.shadow import shadow_name

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = shadow_name(gone.pid)
    alive = shadow_name(os.getpid())  # this test's process: alive
    elsewhere = dead[: -len("_12345678_abcdef12")] + "_00000000_abcdef12"  # another host
    old_style = "mend_shadow_0123456789abcdef"  # not in the owned pattern: never touched
    names = {dead, alive, elsewhere, old_style}
    try:
        for name in names:
            quoted = f'"{name}"' if db.dialect == "postgresql" else f"`{name}`"
            db.sql(f"CREATE DATABASE {quoted}")
        completed = project.mend("drift", "--url", db.url)
        assert completed.returncode == 0, completed.stderr
        assert names & _shadows(db) == {alive, elsewhere, old_style}
        assert alive not in completed.stderr and elsewhere not in completed.stderr
    finally:
        _drop_databases(db, names)


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_dropping_a_leftover_shadow_is_said(db: TestDatabase, caplog: pytest.LogCaptureFixture):
    from pathlib import Path

    from mend_core.database.session import connect
    from mend_core.project.target import parse_url
    from mend_core.schema.shadow import drop_orphaned_shadows, shadow_name

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = shadow_name(gone.pid)
    quoted = f'"{dead}"' if db.dialect == "postgresql" else f"`{dead}`"
    try:
        with connect(parse_url(db.url, base_dir=Path.cwd())) as admin:
            db.sql(f"CREATE DATABASE {quoted}")
            with caplog.at_level("WARNING"):
                dropped = drop_orphaned_shadows(admin)
        assert dead in dropped and dead not in _shadows(db)
        said = [r.getMessage() for r in caplog.records if dead in r.getMessage()]
        assert said and f"process {gone.pid} of this host, which is gone" in said[0], said
    finally:
        _drop_databases(db, {dead})


# -- folder names that deploy applies are taken by recover and resolve, and quoted ---------------

_ODD_NAMES = ["2_back\\slash", "2_tab\tname", "2_it's a name"]


@pytest.mark.parametrize(
    "name", ["a\\b", "tab\tx", "it's", "new\nline", "esc\x1b[31m", "zw\u200bsp", "$(rm -rf ~)", ""]
)
def test_a_shell_word_is_the_name_itself_to_bash(name: str):
    from mend_core.history.folder import shell_word

    word = shell_word(name)
    assert word.isprintable()
    echoed = subprocess.run(
        ["bash", "-c", f"printf %s {word}"], capture_output=True, text=True, check=True
    )
    assert echoed.stdout == name


def _stage_odd(project: Project, db: TestDatabase, name: str) -> None:
    from recovery_support import stage
    from test_recovery import text_type

    q = db.q
    init = (
        f"CREATE TABLE {q('User')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('name')} {text_type(db)} NOT NULL);\n"
        f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES (1, 'paul');\n"
        f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES (2, 'paul');\n"
    )
    unique = f"CREATE UNIQUE INDEX {q('User_name_key')} ON {q('User')}({q('name')});\n"
    stage(project, db, [("1_init", init)], (name, unique))


def _run_suggested(project: Project, line: str) -> subprocess.CompletedProcess[str]:
    """A suggested command line, run by bash as an operator pasting it would."""
    command = line.strip()
    assert command.startswith("mend "), command
    return subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m mend_tui {command.removeprefix("mend ")}'],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "MEND_JOURNAL": str(project.root / "j.jsonl")},
    )


@pytest.mark.parametrize("name", _ODD_NAMES)
def test_a_folder_deploy_applies_is_one_recover_and_resolve_take(
    project: Project, db: TestDatabase, name: str
):
    from mend_core.history.folder import shell_word

    _stage_odd(project, db, name)
    word = shell_word(name)
    status = project.mend("status", "--url", db.url)
    assert f"mend resolve --rolled-back {word}" in status.stdout, status.stdout
    inspected = project.mend("inspect", "--url", db.url)
    assert inspected.returncode == 0, inspected.stderr
    suggested = [line for line in inspected.stdout.splitlines() if line.strip().startswith("mend ")]
    assert f"  mend plan {word} --roll-back" in suggested, inspected.stdout
    planned = _run_suggested(project, f"mend plan {word} --roll-back --url {shlex_quote(db.url)}")
    assert planned.returncode == 0, planned.stderr
    recovered = project.mend("recover", name, "--roll-back", "--yes", "--url", db.url)
    assert recovered.returncode == 0, recovered.stderr
    history = db.history()
    assert history[-1][0] == name and history[-1][2] is not None  # rolled back


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", _ODD_NAMES[:2])  # a quote or a space was always taken
def test_resolve_takes_an_odd_folder_name(project: Project, db: TestDatabase, name: str):
    _stage_odd(project, db, name)
    db.sql('DELETE FROM "User" WHERE "id" = 2')
    resolved = project.mend("resolve", "--rolled-back", name, "--yes", "--url", db.url)
    assert resolved.returncode == 0, resolved.stderr
    assert db.history()[-1][2] is not None


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


# -- a connection killed mid-recovery is P1017 ---------------------------------------------------


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
@pytest.mark.parametrize("phase", ["rehearsal", "run"])
def test_a_connection_killed_mid_recovery_is_p1017(project: Project, db: TestDatabase, phase: str):
    import time

    import psycopg

    seed_incident(project, db)
    (project.root / "fix.sql").write_text(
        "DO $$ BEGIN PERFORM pg_sleep(2); END $$;\n"
        f"DELETE FROM {db.q('User')} WHERE {db.q('id')} = 2;\n",
        encoding="utf-8",
    )
    before = schema_and_history(db)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mend_tui",
            "recover",
            "--roll-forward",
            "--data-fix",
            "fix.sql",
            "--yes",
            "--url",
            db.url,
        ],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "MEND_JOURNAL": str(project.root / "j.jsonl")},
    )
    # The data fix runs twice: rehearsed (rolled back), then for real. Kill the session running
    # it the first or the second time.
    wanted = 1 if phase == "rehearsal" else 2
    seen: list[int] = []
    with psycopg.connect(POSTGRES_URL, autocommit=True) as watcher:
        deadline = time.monotonic() + 30
        while len(seen) < wanted and time.monotonic() < deadline and proc.poll() is None:
            rows = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                "AND application_name = 'mend' AND state = 'active' AND query LIKE 'DO %%'",
                (db.name,),
            ).fetchall()
            for (pid,) in rows:
                if pid not in seen:
                    seen.append(pid)
            time.sleep(0.05)
        assert len(seen) == wanted, seen
        time.sleep(0.3)
        watcher.execute("SELECT pg_terminate_backend(%s)", (seen[-1],))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    assert re.findall(r"Error: (\w+)", err) == ["P1017"], err  # after the progress lines
    assert "M9000" not in err and "bug in mend" not in err and "Traceback" not in err
    assert schema_and_history(db) == before
