"""The shared options (--url, --schema, --migrations-dir, --read-only) work before the command
as after it; given in both places with different values, they are a usage error."""

from __future__ import annotations

from conftest import Project, TestDatabase


def state_of(db: TestDatabase) -> tuple[set[str], list[tuple[object, ...]]]:
    tables = db.tables()
    return tables, (db.history() if "_prisma_migrations" in tables else [])


def test_read_only_before_the_command_refuses_every_write(project: Project, db: TestDatabase):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    (project.root / "w.sql").write_text("CREATE TABLE written (x int);\n")
    before = state_of(db)
    for args in (
        ["--read-only", "execute", "--file", "w.sql", "--yes"],
        ["--read-only", "deploy", "--yes"],
        ["--read-only", "resolve", "--applied", "1_a", "--yes"],
    ):
        completed = project.mend(*args[:1], *args[1:], "--url", db.url)
        assert completed.returncode == 1, (args, completed.stdout, completed.stderr)
        assert completed.stderr.startswith("Error: M1003"), completed.stderr
    assert state_of(db) == before


def test_url_before_the_command_is_the_database_used(project: Project, db: TestDatabase):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    other = "file:./elsewhere.db"
    env = {"DATABASE_URL": other}
    completed = project.mend("--url", db.url, "deploy", "--yes", env=env)
    assert completed.returncode == 0, completed.stderr
    assert "a" in db.tables()
    assert not (project.root / "elsewhere.db").exists()
    status = project.mend("--url", db.url, "status", env=env)
    assert status.returncode == 0, status.stdout + status.stderr


def test_migrations_dir_and_schema_before_the_command(project: Project, db: TestDatabase):
    folder = project.root / "db" / "migrations"
    (folder / "1_a").mkdir(parents=True)
    (folder / "1_a" / "migration.sql").write_text("CREATE TABLE a (x int);\n")
    completed = project.mend(
        "--migrations-dir", "db/migrations", "deploy", "--yes", "--url", db.url
    )
    assert completed.returncode == 0, completed.stderr
    assert "a" in db.tables()
    assert [row[0] for row in db.history()] == ["1_a"]


def test_same_option_twice_with_different_values_is_a_usage_error(
    project: Project, db: TestDatabase
):
    secret_url = "postgresql://someone:hunter2hunter2@127.0.0.1:1/x"
    completed = project.mend("--url", secret_url, "status", "--url", "file:./other.db")
    assert completed.returncode == 2
    assert "--url is given twice with different values" in completed.stderr
    assert "hunter2" not in completed.stderr + completed.stdout
    dirs = project.mend("--migrations-dir", "a", "status", "--migrations-dir", "b", "--url", db.url)
    assert dirs.returncode == 2 and "(a before the command, b after it)" in dirs.stderr
    # The same value in both places is fine.
    same = project.mend("--url", db.url, "status", "--url", db.url)
    assert same.returncode == 0, same.stderr


def test_demo_refuses_read_only_and_database_options(tmp_path):  # type: ignore[no-untyped-def]
    project = Project(tmp_path, "", "sqlite")
    read_only = project.mend("--read-only", "demo", "d1", "--no-tui")
    assert read_only.returncode == 1 and read_only.stderr.startswith("Error: M1003")
    assert not (tmp_path / "d1").exists()
    url = project.mend("--url", "file:./x.db", "demo", "d2", "--no-tui")
    assert url.returncode == 2 and "--url cannot apply" in url.stderr
    assert not (tmp_path / "d2").exists()
