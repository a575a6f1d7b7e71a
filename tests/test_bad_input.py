"""Bad input: a clear one-paragraph error with a code and a hint, a non-zero exit, no traceback,
and the database unchanged."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase


def assert_clean_error(completed, code: str) -> None:  # type: ignore[no-untyped-def]
    assert completed.returncode == 1, (completed.stdout, completed.stderr)
    assert completed.stderr.startswith(f"Error: {code}\n"), completed.stderr
    assert "Hint: " in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout


def state_of(db: TestDatabase) -> tuple[set[str], list[tuple[object, ...]]]:
    tables = db.tables()
    history = db.history() if "_prisma_migrations" in tables else []
    return tables, history


@pytest.mark.parametrize(
    "url",
    [
        "postgresql//missing-colon",
        "postgresql://user:secret@host:notaport/db",
        "oracle://user@host/db",
        "mysql://root@127.0.0.1:3306",
        "sqlite:relative-without-slashes.db",
        "",
    ],
)
def test_malformed_url(bare_project: Project, url: str):
    completed = bare_project.mend("status", "--url", url)
    assert_clean_error(completed, "P1013")
    assert "secret" not in completed.stderr


def test_unknown_migration_name(project: Project, db: TestDatabase):
    project.add("20240101000000_init", "CREATE TABLE a (x int);\n")
    before = state_of(db)
    applied = project.mend("resolve", "--applied", "20240101000000_inti", "--url", db.url, "--yes")
    assert_clean_error(applied, "P3017")
    assert "Did you mean `20240101000000_init`" in applied.stderr
    rolled = project.mend("resolve", "--rolled-back", "nope", "--url", db.url, "--yes")
    assert rolled.returncode == 1 and "Traceback" not in rolled.stderr
    assert state_of(db) == before


# A backslash or a tab is a legal folder name, which deploy applies: resolve takes it too
# (tests/test_limits_and_errors.py).
@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", ".."])
def test_names_with_path_separators_are_refused(project: Project, db: TestDatabase, name: str):
    (project.root / "etc").mkdir()
    before = state_of(db)
    completed = project.mend("resolve", "--applied", name, "--url", db.url, "--yes")
    assert_clean_error(completed, "M2006")
    assert state_of(db) == before


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"CREATE TABLE a (x int);\n-- caf\xe9 in latin-1\n", "M2002"),
        (b"CREATE TABLE a (x int);\n" + b"x" * 100, "M2004"),
    ],
    ids=["not-utf8", "too-large"],
)
def test_unrunnable_migration_leaves_database_unchanged(
    project: Project, db: TestDatabase, content: bytes, code: str
):
    project.add("1_good", "CREATE TABLE good (x int);\n")
    project.add("2_bad", content)
    completed = project.mend(
        "deploy", "--url", db.url, "--yes", env={"MEND_MAX_SCRIPT_MB": "0.00005"}
    )
    assert_clean_error(completed, code)
    # Checked before the first write: not even the good migration or the history table.
    assert state_of(db) == (set(), [])


@pytest.mark.parametrize(
    "content",
    [b"-- This is an empty migration.\n", b"", b"  \n\n\t\n", b"/* nothing */\n-- at all\n"],
    ids=["comment", "zero-bytes", "whitespace", "comments"],
)
def test_empty_or_comment_only_migration_applies_as_a_no_op(
    project: Project, db: TestDatabase, content: bytes
):
    """As Prisma: recorded as applied (one step), nothing runs; mend warns."""
    project.add("1_empty", content)
    project.add("2_next", "CREATE TABLE next_one (x int);\n")
    completed = project.mend("deploy", "--url", db.url, "--yes")
    assert completed.returncode == 0, completed.stderr
    assert "holds no statement" in completed.stdout
    history = db.history()
    assert [row[0] for row in history] == ["1_empty", "2_next"]
    assert history[0][1] is not None and history[0][3] == 1  # finished, one step
    assert "next_one" in db.tables()


def test_fifty_megabyte_migration_is_refused(project: Project, db: TestDatabase):
    row = "INSERT INTO big (x) VALUES ('" + "x" * 1000 + "');\n"
    data = ("CREATE TABLE big (x TEXT);\n" + row * (50 * 1024)).encode()
    assert len(data) > 50_000_000
    project.add("1_big", data)
    completed = project.mend("deploy", "--url", db.url, "--yes")
    assert_clean_error(completed, "M2004")
    assert "MEND_MAX_SCRIPT_MB" in completed.stderr
    assert state_of(db) == (set(), [])
    status = project.mend("status", "--url", db.url)
    assert status.returncode == 3, status.stderr  # listed as pending, not a crash


def test_resolve_needs_exactly_one_flag(project: Project, db: TestDatabase):
    both = project.mend("resolve", "--applied", "a", "--rolled-back", "a", "--url", db.url)
    assert both.returncode == 2
    assert "not both" in both.stderr
    neither = project.mend("resolve", "--url", db.url)
    assert neither.returncode == 2


def test_execute_needs_exactly_one_source(project: Project, db: TestDatabase):
    both = project.mend("execute", "--file", "x.sql", "--stdin", "--url", db.url)
    assert both.returncode == 2 and "cannot be used at the same time" in both.stderr
    neither = project.mend("execute", "--url", db.url)
    assert neither.returncode == 2 and "must be provided" in neither.stderr
    missing = project.mend("execute", "--file", "nope.sql", "--url", db.url, "--yes")
    assert_clean_error(missing, "M2007")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_history_row_with_text_in_applied_steps_count(project: Project, db: TestDatabase):
    """SQLite keeps any value in any column; a row Prisma could not have written is bad input,
    not an internal error. (PostgreSQL and MariaDB refuse text in that INTEGER column.)"""
    project.add("1_a", "CREATE TABLE a (x int);\n")
    assert project.mend("deploy", "--yes", "--url", db.url).returncode == 0
    db.sql("UPDATE _prisma_migrations SET applied_steps_count = 'three'")
    before = state_of(db)
    for args in (["status"], ["deploy", "--yes"], ["status", "--json"]):
        completed = project.mend(*args, "--url", db.url)
        assert completed.returncode == 1, completed.stdout
        if "--json" in args:
            assert '"code": "M3003"' in completed.stdout
            continue
        assert_clean_error(completed, "M3003")
        assert "'three'" in completed.stderr and "applied_steps_count" in completed.stderr
    assert state_of(db) == before


def test_migration_folder_linked_from_outside_is_refused(
    project: Project, db: TestDatabase, tmp_path
):  # type: ignore[no-untyped-def]
    outside = tmp_path / "elsewhere" / "2_outside"
    outside.mkdir(parents=True)
    (outside / "migration.sql").write_text("CREATE TABLE smuggled (x int);\n")
    project.add("1_a", "CREATE TABLE a (x int);\n")
    (project.migrations / "2_outside").symlink_to(outside, target_is_directory=True)
    before = state_of(db)
    for args in (["deploy", "--yes"], ["status"], ["resolve", "--applied", "2_outside", "--yes"]):
        completed = project.mend(*args, "--url", db.url)
        assert_clean_error(completed, "M2006")
        assert "outside the migrations folder" in completed.stderr
    assert state_of(db) == before
    # A link that stays inside the folder is just another name for a migration.
    (project.migrations / "2_outside").unlink()
    inner = project.add("0_real", "CREATE TABLE real_one (x int);\n")
    (project.migrations / "3_alias").symlink_to(inner, target_is_directory=True)
    assert project.mend("status", "--url", db.url).returncode == 3
