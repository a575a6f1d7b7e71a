"""The offline runbook is code a DBA runs: hostile names in it stay names.

Table, column, index and migration folder names hold a line break followed by SQL and by the
client's shell command (`\\!` in psql and mariadb, `.shell` in sqlite3), an escape character and
a trailing backslash. The runbook `mend plan --script` writes is run with the real client as its
header says: no shell command runs, no other table is dropped, and the runbook either does the
whole recovery or stops at its guard with nothing changed.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.history.timestamps import now
from mend_core.output.sql_text import comment, literal
from mend_core.recovery.plan import Direction
from mend_core.recovery.runbook import runbook
from recovery_support import Staged, schema_and_history, stage


def hostile(db: TestDatabase, word: str, marker: str) -> str:
    """A name that would end a comment, a literal or the PostgreSQL guard's dollar quote, and
    run a shell command and a DROP TABLE. Short enough for PostgreSQL's 63 bytes and MySQL's 64
    characters."""
    command = f".shell touch {marker}" if db.dialect == "sqlite" else f"\\! touch {marker}"
    return f"{word}$mend_guard$\n{command}\nDROP TABLE keep;\x1b\\"


def quoted(db: TestDatabase, name: str) -> str:
    if db.dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def seed(project: Project, db: TestDatabase, marker: str) -> tuple[Staged, dict[str, str]]:
    """A failed migration whose new table, column and unique index have hostile names, in a
    folder with a hostile name; the unique index fails on two users named 'paul'."""
    q = db.q
    text = "VARCHAR(100)" if db.dialect == "mysql" else "TEXT"
    names = {word: hostile(db, word, marker) for word in ("t", "c", "i")}
    init = (
        f"CREATE TABLE {q('keep')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
        f"CREATE TABLE {q('User')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('name')} {text} NOT NULL);\n"
        f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES (1, 'paul'), (2, 'paul');\n"
    )
    failing = (
        f"CREATE TABLE {quoted(db, names['t'])} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
        f"ALTER TABLE {q('User')} ADD COLUMN {quoted(db, names['c'])} {text};\n"
        f"CREATE UNIQUE INDEX {quoted(db, names['i'])} ON {q('User')}({q('name')});\n"
    )
    folder = "2_" + hostile(db, "m", marker).replace("/", "_")
    staged = stage(project, db, [("1_init", init)], (folder, failing))
    return staged, names


def run_as_header_says(
    db: TestDatabase, script: Path, cwd: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """The runbook through the database's own client. Without the stop-at-error flag: the
    script's own first lines must make the client stop."""
    if db.dialect == "postgresql":
        command = ["psql", "-X", "-q", "-f", str(script), db.url]
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)
    if db.dialect == "mysql":
        command = ["mariadb", "-h127.0.0.1", "-uroot", "--protocol=tcp", *extra, db.name]
    else:
        command = ["sqlite3", db.name]
    with script.open() as source:
        return subprocess.run(
            command, cwd=cwd, stdin=source, capture_output=True, text=True, timeout=60
        )


def clients_installed(db: TestDatabase) -> None:
    client = {"postgresql": "psql", "mysql": "mariadb", "sqlite": "sqlite3"}[db.dialect]
    if shutil.which(client) is None:
        pytest.skip(f"the {client} client is not installed")


def history_row(db: TestDatabase, name: str) -> tuple[object, ...]:
    table = db.q("_prisma_migrations")
    column = "rolled_back_at, finished_at"
    if db.dialect == "sqlite":
        column += ", typeof(rolled_back_at), typeof(finished_at), typeof(started_at)"
    rows = db.sql(
        f"SELECT {column} FROM {table} WHERE migration_name = %s ORDER BY started_at DESC"
        if db.dialect != "sqlite"
        else f"SELECT {column} FROM {table} WHERE migration_name = ? ORDER BY started_at DESC",
        (name,),
    )
    return rows[0]


def as_instant(db: TestDatabase, value: object) -> datetime:
    """A history timestamp as mend's dialects store it."""
    from mend_core.dialects import dialect_for

    decoded = dialect_for(db.dialect).decode_timestamp(value)
    assert decoded is not None
    return decoded


@pytest.mark.parametrize("direction", list(Direction))
def test_hostile_names_run_as_names_with_the_real_client(
    project: Project, db: TestDatabase, direction: Direction, tmp_path: Path
):
    clients_installed(db)
    marker = f"pwned-{uuid.uuid4().hex[:8]}"
    staged, names = seed(project, db, marker)
    flags = ["--roll-back"] if direction is Direction.ROLL_BACK else ["--roll-forward"]
    if direction is Direction.ROLL_FORWARD:
        flags += ["--dedupe", "delete-keep-first"]
    made = project.mend("plan", *flags, "--script", "-o", "runbook.sql", "--url", db.url)
    assert made.returncode == 0, made.stderr
    script = project.root / "runbook.sql"
    workdir = tmp_path / "client"  # where a `touch` would leave its marker
    workdir.mkdir()
    before = now()

    ran = run_as_header_says(db, script, workdir)

    assert not (workdir / marker).exists() and not (project.root / marker).exists()
    assert "keep" in db.tables()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert staged.status_code() == (0 if direction is Direction.ROLL_FORWARD else 3)
    assert staged.drift() == []
    tables = db.tables()
    assert (names["t"] in tables) is (direction is Direction.ROLL_FORWARD)
    # The history change took the time the script ran, in the form `mend resolve` writes.
    row = history_row(db, staged.name)
    moment = row[1] if direction is Direction.ROLL_FORWARD else row[0]
    instant = as_instant(db, moment)
    assert before <= instant <= now() + timedelta(seconds=1)
    assert instant.microsecond % 1000 == 0
    if db.dialect == "sqlite":
        assert row[2 if direction is Direction.ROLL_BACK else 3] == "integer" == row[4]

    # Run again: the guard stops it (the attempt is resolved now) and nothing changes.
    unchanged = schema_and_history(db)
    again = run_as_header_says(db, script, workdir)
    assert again.returncode != 0
    assert schema_and_history(db) == unchanged
    assert not (workdir / marker).exists()
    if db.dialect != "mysql":  # MySQL's guard stops with error 1242, the message is in the SQL
        assert "mend guard" in again.stderr


def test_mysql_runbook_stops_at_its_guard_under_no_backslash_escapes(
    project: Project, db: TestDatabase, tmp_path: Path
):
    """Backslashes in MySQL literals are doubled for the default sql_mode: under
    NO_BACKSLASH_ESCAPES they would name something else, so the guard stops the script."""
    if db.dialect != "mysql":
        pytest.skip("sql_mode is MySQL's")
    clients_installed(db)
    marker = f"pwned-{uuid.uuid4().hex[:8]}"
    staged, _ = seed(project, db, marker)
    made = project.mend("plan", "--roll-back", "--script", "-o", "runbook.sql", "--url", db.url)
    assert made.returncode == 0, made.stderr
    workdir = tmp_path / "client"
    workdir.mkdir()
    unchanged = schema_and_history(db)
    mode = "--init-command=SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"
    stopped = run_as_header_says(db, project.root / "runbook.sql", workdir, mode)
    assert stopped.returncode != 0 and "1242" in stopped.stderr
    assert schema_and_history(db) == unchanged
    assert not (workdir / marker).exists()
    assert staged.status_code() != 0


def test_every_comment_line_is_printable(project: Project, db: TestDatabase):
    """No control, line-break or format character in a comment line: the next line is never
    a name's tail, and `cat runbook.sql` shows what the file holds."""
    marker = f"pwned-{uuid.uuid4().hex[:8]}"
    staged, names = seed(project, db, marker)
    context = staged.context()
    for direction in Direction:
        plan = staged.plan(direction)
        text = runbook(
            plan,
            target_label=context.target.label() + "\n\\! touch x",
            live=staged.incident().live,
            made_at=context.clock(),
            new_id=context.new_id,
        )
        comments = [line for line in text.splitlines() if line.startswith("--")]
        assert comments and all(line.isprintable() for line in comments)
        # The names are in the comments, shown, not left out.
        assert any(comment(names["t"]) in line for line in comments)
        assert "<U+000A>\\! touch x" in text


@pytest.mark.parametrize(
    "text",
    ["plain", "it's", "ends in \\", "\\'; DROP TABLE keep; --", "a\nb\r\x1b[31m\\\\", "$mend$"],
)
def test_literals_read_back_exactly(db: TestDatabase, text: str):
    """What the database reads from each literal is the text itself."""
    assert db.sql(f"SELECT {literal(db.dialect, text)}")[0][0] == text
    if db.dialect == "postgresql":  # E'' strings read the same whatever this setting says
        db.sql("SET standard_conforming_strings = off")
        assert db.sql(f"SELECT {literal(db.dialect, text)}")[0][0] == text


def test_comment_shows_hidden_characters():
    assert comment("a\nb\r\x1b\u2028\u202e\x85\t") == (
        "a<U+000A>b<U+000D><U+001B><U+2028><U+202E><U+0085><U+0009>"
    )
    assert comment("plain `name` \\") == "plain `name` \\"


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_mysql_ddl_comments_keep_their_backslashes(db: TestDatabase):
    """The DDL mend writes (hotfix migration.sql, a runbook's repair) on a comment that ends in
    a backslash: the literal ends where it should and the comment reads back whole."""
    from mend_core.schema.render.mysql import MySQLRenderer

    text = "C:\\path\\ it's \\"
    db.sql("CREATE TABLE t (x INT)")
    for statement in MySQLRenderer().table_comment("t", text):
        db.sql(statement)
    found = db.sql(
        "SELECT table_comment FROM information_schema.tables "
        "WHERE table_schema = DATABASE() AND table_name = 't'"
    )
    assert found[0][0] == text
