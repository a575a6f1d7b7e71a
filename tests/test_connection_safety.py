"""Connecting safely: no password in any URL error, masks placed by position, every network
step bounded by the connect timeout, and SQLite's leftover journals named for what they are."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.database.session import connect
from mend_core.errors import MendError
from mend_core.output.redaction import _KV_PASSWORD, _URL_PASSWORD, MASK, mask_url, redact
from mend_core.project.target import parse_url


def assert_clean_error(completed: subprocess.CompletedProcess[str], code: str) -> None:
    assert completed.returncode == 1, (completed.stdout, completed.stderr)
    assert completed.stderr.startswith(f"Error: {code}\n"), completed.stderr
    assert "Hint: " in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout


# -- 1. URL errors never show the password ------------------------------------------------------

# The password pieces, split where an unencoded special character cuts them: none may appear.
_PIECES = ("Uv9z", "Qx7k")

MALFORMED_URLS = [
    "user:Uv9zQx7k@host:5432/db",  # no scheme
    ":Uv9zQx7k@host:5432/db",  # no scheme, no user
    "//user:Uv9zQx7k@host:5432/db",  # no scheme, authority only
    "postgresql:/user:Uv9zQx7k@host/db",  # one slash
    "postgresql:user:Uv9zQx7k@host/db",  # no slash
    "postgresql//user:Uv9zQx7k@host/db",  # a .env line that lost its colon
    "mysql//user:Uv9zQx7k@host/db",
    "postgresql://user:Uv9z#Qx7k@host:5432/db",  # the parser would quote 'Uv9z' as the port
    "postgresql://user:Uv9z/Qx7k@host:5432/db",
    "mysql://user:Uv9z?Qx7k@host:3306/db",
    "postgresql://user:1234#Uv9zQx7k@host:5432/db",  # the "port" parses: 1234
    "postgresql://user:Uv9z[Qx7k@host/db",  # the parser's IPv6 error
    "postgresql://user:Uv9zQx7k",  # no host: the password is parsed as the port
    "postgresql://user:Uv9zQx7k@host:notaport/db",
    "postgresql://user:Uv9zQx7k@host/db?connect_timeout=soon",
    "mysql://user:Uv9zQx7k@host:3306",  # no database
    "oracle://user:Uv9zQx7k@host/db",
    "postgres ql://user:Uv9zQx7k@host/db",
]


def _leaks(text: str) -> list[str]:
    return [piece for piece in _PIECES if piece in text]


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_invalid_url_error_hides_the_password(tmp_path: Path, url: str):
    with pytest.raises(MendError) as caught:
        parse_url(url, base_dir=tmp_path)
    error = caught.value
    assert error.code == "P1013"
    assert error.hint
    assert _leaks(str(error)) == [] and _leaks(error.hint) == [], str(error)
    assert "****" in error.message


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_invalid_url_on_the_command_line(bare_project: Project, url: str):
    completed = bare_project.mend("status", "--url", url)
    assert_clean_error(completed, "P1013")
    assert _leaks(completed.stderr + completed.stdout) == [], completed.stderr


def test_special_character_error_explains_itself(tmp_path: Path):
    with pytest.raises(MendError) as caught:
        parse_url("postgresql://user:Uv9z#Qx7k@host:5432/db", base_dir=tmp_path)
    assert "the port is not a number" in caught.value.message
    assert "must be %-encoded" in caught.value.message
    assert "could not be cast" not in caught.value.message  # the parser's own words


def test_env_file_url_missing_its_colon(bare_project: Project):
    (bare_project.root / ".env").write_text("DATABASE_URL=postgresql//user:Uv9zQx7k@host/db\n")
    completed = bare_project.mend("status")
    assert_clean_error(completed, "P1013")
    assert _leaks(completed.stderr) == []
    assert "postgresql//user:****@host/db" in completed.stderr


def test_at_sign_after_the_host_in_a_query_value_is_legitimate(tmp_path: Path):
    target = parse_url(
        "postgresql://db.example:5432/app?sslcert=/certs/a@b/ca.pem", base_dir=tmp_path
    )
    assert (target.host, target.port, target.option("sslcert")) == (
        "db.example",
        5432,
        "/certs/a@b/ca.pem",
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("user:pw@host/db", "user:****@host/db"),
        ("postgresql:/user:pw@host/db", "postgresql:/user:****@host/db"),
        ("postgresql//user:pw@host/db", "postgresql//user:****@host/db"),
        ("postgresql://user:p@ss:w/rd@host/db", "postgresql://user:****@host/db"),
        ("postgresql://user@host:5432/db", "postgresql://user@host:5432/db"),
        ("postgresql://[::1]:5432/db", "postgresql://[::1]:5432/db"),
        ("postgresql://user:pw", "postgresql://user:****"),
        ("mysql://u@h/db?password=pw&x=1", "mysql://u@h/db?password=****&x=1"),
        ("file:./a:b@c.db", "file:./a:b@c.db"),
    ],
)
def test_mask_url_shapes(url: str, shown: str):
    assert mask_url(url) == shown


# -- 2. Masks by position; by value only for long secrets ---------------------------------------


def test_short_password_is_masked_by_position_only():
    url = "postgresql://postgres:gres@127.0.0.1:5432/postgres"
    assert redact(url, ("gres",)) == "postgresql://postgres:****@127.0.0.1:5432/postgres"
    text = 'role "postgres_gres" failed; password=gres; mysql://root:gres@h/db'
    assert (
        redact(text, ("gres",))
        == 'role "postgres_gres" failed; password=****; mysql://root:****@h/db'
    )


def test_long_password_is_masked_wherever_it_occurs():
    secret = "Kx8-long/Secret-42"
    text = f"value {secret!r} and %-encoded Kx8-long%2FSecret-42 and postgresql://u:{secret}@h/d"
    assert redact(text, (secret,)) == "value '****' and %-encoded **** and postgresql://u:****@h/d"


def test_password_equal_to_a_shown_name_is_masked_by_position_only(tmp_path: Path):
    # Masking `postgres` everywhere would show `****ql://****:****@.../****`: the password.
    target = parse_url("postgresql://postgres:postgres@h:5432/postgres", base_dir=tmp_path)
    assert target.secrets == ()
    assert redact(target.display(), target.secrets) == "postgresql://postgres:****@h:5432/postgres"
    assert parse_url("postgresql://u:Kx8-long-Secret-42@h/db", base_dir=tmp_path).secrets == (
        "Kx8-long-Secret-42",
    )


def _journal(project: Project) -> list[dict[str, object]]:
    path = project.root / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_short_password_leaves_names_readable(bare_project: Project, db: TestDatabase):
    role = f"mend_postgres_{uuid.uuid4().hex[:8]}"  # contains the password, `gres`
    db.sql(f"CREATE ROLE {role} LOGIN PASSWORD 'gres'")
    try:
        url = db.url.replace("postgres@", f"{role}:gres@", 1)
        completed = bare_project.mend(
            "execute", "--stdin", "--yes", "--url", url, input="SELECT current_user::int;\n"
        )
        assert completed.returncode == 1, completed.stderr
        assert f'"{role}"' in completed.stderr  # the database's message, intact
        assert "****" not in completed.stderr
        shown = f"postgresql://{role}:****@" + db.url.split("@", 1)[1]
        entries = _journal(bare_project)
        assert entries and all(entry["target"] == shown for entry in entries)
        assert ":gres@" not in (bare_project.root / "journal.jsonl").read_text()
    finally:
        db.sql(f"DROP ROLE IF EXISTS {role}")


def test_long_password_in_a_database_error_is_masked(
    bare_project: Project, server_db: TestDatabase
):
    secret = "Kx8-long-Secret-42"
    if server_db.dialect == "postgresql":
        url = server_db.url.replace("postgres@", f"postgres:{secret}@", 1)  # trust accepts it
        script = "SELECT ('Kx8-long-' || 'Secret-42')::int;\n"
    else:
        user = f"mend_pw_{server_db.name[-6:]}"
        for host in ("%", "localhost"):
            server_db.sql(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{secret}'")
            server_db.sql(f"GRANT ALL ON `{server_db.name}`.* TO '{user}'@'{host}'")
        url = server_db.url.replace("root@", f"{user}:{secret}@", 1)
        script = (
            "SET @m = CONCAT('Kx8-long-', 'Secret-42');\n"
            "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = @m;\n"
        )
    try:
        completed = bare_project.mend("execute", "--stdin", "--yes", "--url", url, input=script)
        assert completed.returncode == 1, completed.stderr
        assert "****" in completed.stderr
        everything = completed.stdout + completed.stderr
        everything += (bare_project.root / "journal.jsonl").read_text()
        assert secret not in everything
    finally:
        if server_db.dialect == "mysql":
            for host in ("%", "localhost"):
                server_db.sql(f"DROP USER IF EXISTS '{user}'@'{host}'")


# -- 3. Every network step has a timeout --------------------------------------------------------


class _SilentServer:
    """A local TCP server that accepts connections and then never sends, or closes at once."""

    def __init__(self, close_at_once: bool) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port: int = self.listener.getsockname()[1]
        self.close_at_once = close_at_once
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed
            if self.close_at_once:
                connection.close()
            else:
                self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[_SilentServer]:
    server = _SilentServer(close_at_once=False)
    yield server
    server.close()


@pytest.fixture
def closing_server() -> Iterator[_SilentServer]:
    server = _SilentServer(close_at_once=True)
    yield server
    server.close()


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_server_that_never_answers_times_out(
    tmp_path: Path, silent_server: _SilentServer, scheme: str
):
    target = parse_url(
        f"{scheme}://u:pw@127.0.0.1:{silent_server.port}/db?connect_timeout=2", base_dir=tmp_path
    )
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            connect(target).close()
        except BaseException as error:  # noqa: BLE001 - examined below
            outcome.append(error)

    # In a thread, so that a hang fails the test instead of stalling the suite (closing the
    # server's sockets afterwards ends the attempt).
    worker = threading.Thread(target=attempt, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), f"still connecting after {time.monotonic() - started:.0f} s"
    assert len(outcome) == 1 and isinstance(outcome[0], MendError), outcome
    assert outcome[0].code == "P1002"
    assert "did not answer within 2 s" in outcome[0].message


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_server_that_never_answers_on_the_command_line(
    bare_project: Project, silent_server: _SilentServer, scheme: str
):
    url = f"{scheme}://u:Kx8-long-Secret-42@127.0.0.1:{silent_server.port}/db?connect_timeout=2"
    started = time.monotonic()
    # A process: a hang is stopped at the timeout, and the time counts starting Python.
    completed = bare_project.mend("status", "--url", url, process=True, timeout=30)
    assert time.monotonic() - started < 10  # 2 s plus starting Python
    assert_clean_error(completed, "P1002")
    assert "Kx8-long-Secret-42" not in completed.stderr


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_server_that_closes_at_once(
    bare_project: Project, closing_server: _SilentServer, scheme: str
):
    url = f"{scheme}://u:pw@127.0.0.1:{closing_server.port}/db?connect_timeout=2"
    completed = bare_project.mend("status", "--url", url, process=True, timeout=30)
    assert_clean_error(completed, "P1017")
    assert "closed the connection before mend could log in" in completed.stderr


def test_statements_have_no_read_timeout(server_db: TestDatabase, tmp_path: Path):
    # The connect timeout bounds the handshake only: a long statement is legitimate.
    separator = "&" if "?" in server_db.url else "?"
    target = parse_url(f"{server_db.url}{separator}connect_timeout=1", base_dir=tmp_path)
    sleep = "SELECT SLEEP(2)" if server_db.dialect == "mysql" else "SELECT pg_sleep(2)"
    with connect(target, read_only=True) as session:
        session.query(sleep)
        assert session.scalar("SELECT 1") == 1


# -- 4. SQLite: a hot journal, a WAL left behind ------------------------------------------------

_JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")

# A writer that stops mid-transaction: enough rows that its changes spill from a one-page cache
# into the database file (the journal then holds the original pages), then it waits to be killed.
_KILLED_WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute(f"PRAGMA journal_mode={sys.argv[2]}")
    con.execute("PRAGMA cache_size=1")
    if sys.argv[2] == "WAL":
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute(sys.argv[3])  # committed, never checkpointed
    con.execute("BEGIN")
    con.execute("UPDATE _prisma_migrations SET finished_at = NULL")
    con.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
        "INSERT INTO filler SELECT hex(randomblob(400)) FROM n"
    )
    print("ready", flush=True)
    time.sleep(60)
    """
)


def _kill_writer_mid_transaction(database: Path, journal_mode: str, committed: str = "") -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(database), journal_mode, committed],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    try:
        ready = writer.stdout.readline().strip()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
        writer.stdout.close()
    assert ready == "ready" and writer.returncode == -signal.SIGKILL


def _digest(*paths: Path) -> list[str]:
    return [hashlib.sha256(path.read_bytes()).hexdigest() for path in paths]


@pytest.fixture
def sqlite_project(bare_project: Project) -> Project:
    """One applied migration that creates a `filler` table, on ./dev.db."""
    bare_project.url = "file:./dev.db"
    bare_project.add("1_init", "CREATE TABLE filler (x TEXT);\n")
    deployed = bare_project.mend("deploy", "--yes", "--url", bare_project.url)
    assert deployed.returncode == 0, deployed.stderr
    return bare_project


def test_hot_journal_in_read_only_mode(sqlite_project: Project):
    database = sqlite_project.root / "dev.db"
    journal = sqlite_project.root / "dev.db-journal"
    before_writer = database.read_bytes()
    _kill_writer_mid_transaction(database, "DELETE")
    assert journal.read_bytes()[:8] == _JOURNAL_MAGIC  # a valid, hot rollback journal
    assert database.read_bytes() != before_writer  # half of the write is in the file
    left_behind = _digest(database, journal)

    completed = sqlite_project.mend("status", "--read-only", "--url", sqlite_project.url)
    assert_clean_error(completed, "M1009")
    assert "dev.db-journal" in completed.stderr and "unfinished write" in completed.stderr
    assert "PRAGMA quick_check" in completed.stderr
    assert _digest(database, journal) == left_behind  # byte for byte

    # A read-write open (mend's own, as deploy and resolve make) rolls the write back.
    target = parse_url(sqlite_project.url, base_dir=sqlite_project.root)
    connect(target, read_only=False).close()
    assert not journal.exists()
    assert database.read_bytes() == before_writer
    again = sqlite_project.mend("status", "--read-only", "--url", sqlite_project.url)
    assert again.returncode == 0, again.stderr


def _history_row(name: str, sql: bytes) -> str:
    checksum = hashlib.sha256(sql).hexdigest()
    return (
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, "
        f"applied_steps_count) VALUES ('{uuid.uuid4()}', '{checksum}', "
        f"current_timestamp, '{name}', current_timestamp, 1)"
    )


def _wal_left_behind(project: Project) -> tuple[Path, Path]:
    """A committed but never checkpointed migration row in dev.db-wal, then a writer killed
    mid-transaction."""
    sql = b"CREATE TABLE second (x int);\n"
    project.add("2_second", sql)
    database = project.root / "dev.db"
    _kill_writer_mid_transaction(database, "WAL", _history_row("2_second", sql))
    wal = project.root / "dev.db-wal"
    assert wal.stat().st_size > 0
    return database, wal


def test_wal_left_behind_is_read_in_read_only_mode(sqlite_project: Project):
    # Unlike a hot journal, a WAL needs no rollback: readers skip uncommitted frames and read
    # the committed ones. Read-only status works and changes neither the file nor the log.
    database, wal = _wal_left_behind(sqlite_project)
    left_behind = _digest(database, wal)
    completed = sqlite_project.mend("status", "--read-only", "--json", "--url", "file:./dev.db")
    # In sync: 2_second is recorded only in the WAL (without it, it would be pending: exit 3).
    assert completed.returncode == 0, completed.stderr
    states = {m["name"]: m["state"] for m in json.loads(completed.stdout)["migrations"]}
    assert states == {"1_init": "applied", "2_second": "applied"}
    assert _digest(database, wal) == left_behind


def _read_only_folder_command(folder: Path, args: list[str]) -> list[str] | None:
    """The command run with `folder` not writable, or None where that cannot be arranged.
    Root ignores permissions, so root gets a read-only bind mount in a private namespace."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return args
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-m", "true"]).returncode != 0:
        return None
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return [unshare, "-m", "sh", "-c", script, str(folder), *args]


def _mend_in_read_only_folder(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mend_tui", *args]
    wrapped = _read_only_folder_command(project.root, command)
    if wrapped is None:
        pytest.skip("cannot make a folder read-only here (root without unshare)")
    env = {**os.environ, "MEND_JOURNAL": str(project.root.parent / "journal.jsonl")}
    try:
        return subprocess.run(
            wrapped, cwd=project.root, capture_output=True, text=True, env=env, timeout=60
        )
    finally:
        project.root.chmod(0o755)


def test_wal_left_behind_in_a_read_only_folder(sqlite_project: Project):
    # Reading a WAL needs its -shm file: without one, and without the right to create it,
    # SQLite cannot open the file (SQLITE_CANTOPEN).
    database, wal = _wal_left_behind(sqlite_project)
    (sqlite_project.root / "dev.db-shm").unlink()
    left_behind = _digest(database, wal)
    completed = _mend_in_read_only_folder(
        sqlite_project, "status", "--read-only", "--url", "file:./dev.db"
    )
    assert_clean_error(completed, "M1009")
    assert "dev.db-wal" in completed.stderr and "wal_checkpoint" in completed.stderr
    assert _digest(database, wal) == left_behind


def test_hot_journal_in_a_read_only_folder_for_a_writing_command(sqlite_project: Project):
    database = sqlite_project.root / "dev.db"
    _kill_writer_mid_transaction(database, "DELETE")
    completed = _mend_in_read_only_folder(
        sqlite_project, "deploy", "--yes", "--url", "file:./dev.db"
    )
    assert_clean_error(completed, "M1009")
    assert re.search(r"not\s+writable", completed.stderr)
    assert (sqlite_project.root / "dev.db-journal").exists()


@pytest.mark.parametrize(
    "text",
    [
        "PaSsWoRd=hunter22 and more",
        "paſſword=hunter22",  # IGNORECASE folds ſ to s: the fast path must too
        "sslPassword = 'a b c'",
        "PWD=x;Server=y",
        "postgresql://u:p@ss@host/db, then mysql:/u:pw@h",
        "no secret here = fine @ all",
        "",
    ],
)
def test_redaction_skips_a_pattern_only_where_it_cannot_match(text: str):
    """The fast paths (no `@`: no URL password; no `=` or no password key: no key=value
    password) give what the two whole-text patterns give."""
    expected = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    expected = _KV_PASSWORD.sub(lambda m: m.group("head") + MASK, expected)
    assert redact(text) == expected
    assert ("hunter22" in redact(text)) is False
