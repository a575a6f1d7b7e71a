"""`mend execute`: a script run outside the history, statement by statement."""

from __future__ import annotations

from conftest import Project, TestDatabase
from mend_core.journal import read_journal


def test_execute_file_runs_without_touching_history(project: Project, db: TestDatabase):
    script = project.root / "fix.sql"
    script.write_text("CREATE TABLE fixed (x int);\nINSERT INTO fixed VALUES (1);\n")
    completed = project.mend("execute", "--file", str(script), "--url", db.url, "--yes")
    assert completed.returncode == 0, completed.stderr
    assert "Script executed successfully." in completed.stdout
    assert "[2/2]" in completed.stdout
    assert db.tables() == {"fixed"}  # no _prisma_migrations
    events = [e["event"] for e in read_journal(project.root / "journal.jsonl")]
    assert events == ["script_started", "script_finished"]


def test_execute_stdin_requires_yes(project: Project, db: TestDatabase):
    script = "CREATE TABLE piped (x int);\n"
    refused = project.mend("execute", "--stdin", "--url", db.url, input=script)
    assert refused.returncode == 1 and "Error: M4001" in refused.stderr
    assert db.tables() == set()
    done = project.mend("execute", "--stdin", "--url", db.url, "--yes", input=script)
    assert done.returncode == 0, done.stderr
    assert db.tables() == {"piped"}


def test_execute_failure_names_the_statement(project: Project, db: TestDatabase):
    script = project.root / "broken.sql"
    script.write_text(
        "CREATE TABLE one (x int);\n\nINSERT INTO missing VALUES (1);\nCREATE TABLE two (x int);\n"
    )
    completed = project.mend("execute", "--file", str(script), "--url", db.url, "--yes")
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: M4002\n")
    assert "statement 2 of 3 (line 3)" in completed.stderr
    assert "two" not in db.tables()
    if db.dialect == "postgresql":
        assert "rolled back" in completed.stderr and "one" not in db.tables()
    else:
        assert "statement 1 committed" in completed.stderr and "one" in db.tables()


def test_execute_dry_run(project: Project, db: TestDatabase):
    script = project.root / "fix.sql"
    script.write_text("CREATE TABLE a (x int);\nCREATE TABLE b (x int);\n")
    completed = project.mend("execute", "--file", str(script), "--url", db.url, "--dry-run")
    assert completed.returncode == 0, completed.stderr
    assert "-- statement 2 (line 2)" in completed.stdout
    assert db.tables() == set()
