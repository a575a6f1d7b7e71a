"""`mend execute`: a script run outside the history, statement by statement."""

from __future__ import annotations

from conftest import Project, TestDatabase
from mend_core.database.journal import read_journal


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


def test_execute_shows_statements_data_loss_and_results(project: Project, db: TestDatabase):
    """The confirmation shows every statement and what it destroys, counted live; afterwards
    each statement's affected rows, and a SELECT's rows."""
    q = db.q
    db.sql(f"CREATE TABLE {q('Doomed')} ({q('id')} INTEGER, {q('note')} VARCHAR(20))")
    db.sql(f"INSERT INTO {q('Doomed')} VALUES (1, 'a'), (2, NULL), (3, 'c')")
    db.sql(f"CREATE TABLE {q('Kept')} ({q('id')} INTEGER, {q('extra')} VARCHAR(20))")
    db.sql(f"INSERT INTO {q('Kept')} VALUES (1, 'x'), (2, NULL)")
    script = project.root / "cleanup.sql"
    script.write_text(
        f"UPDATE {q('Kept')} SET {q('extra')} = 'y' WHERE {q('id')} = 2;\n"
        f"SELECT {q('id')}, {q('extra')} FROM {q('Kept')} ORDER BY {q('id')};\n"
        f"ALTER TABLE {q('Kept')} DROP COLUMN {q('extra')};\n"
        f"DROP TABLE {q('Doomed')};\n"
    )
    preview = project.mend("execute", "--file", str(script), "--url", db.url)
    assert preview.returncode == 1 and "Error: M4001" in preview.stderr
    assert "-- statement 4 (line 4)" in preview.stdout and "DROP TABLE" in preview.stdout
    # Counted before anything runs (the UPDATE has not filled the NULL yet).
    assert "statement 3 drops column `Kept.extra` and its 1 non-NULL value\n" in preview.stdout
    assert "statement 4 drops table `Doomed` and its 3 rows" in preview.stdout
    assert "Review the plan with --dry-run" in preview.stderr
    assert "Doomed" in db.tables()  # nothing ran
    done = project.mend("execute", "--file", str(script), "--url", db.url, "--yes")
    assert done.returncode == 0, done.stderr
    assert "[1/4]" in done.stdout and "(1 row(s) affected" in done.stdout
    assert "(2 row(s)," in done.stdout  # the SELECT
    table_lines = [line.strip() for line in done.stdout.splitlines() if "|" in line]
    assert table_lines[:1] == ["id | extra"]
    assert "2  | y" in table_lines
    assert "Doomed" not in db.tables()


def test_destructive_forms_are_recognised_and_others_are_not():
    from mend_core.database.statement_risks import _destructive

    assert _destructive('DROP TABLE IF EXISTS "a", public."B" CASCADE') == [
        ("drop_table", '"a"', None),
        ("drop_table", 'public."B"', None),
    ]
    assert _destructive("ALTER TABLE `t` DROP `a`, DROP COLUMN b, ADD COLUMN c INT") == [
        ("drop_column", "`t`", "`a`"),
        ("drop_column", "`t`", "b"),
    ]
    for harmless in (
        'ALTER TABLE "t" ALTER COLUMN "c" DROP DEFAULT',
        'ALTER TABLE "t" DROP CONSTRAINT "t_pkey"',
        "ALTER TABLE t DROP INDEX i, DROP PRIMARY KEY, DROP FOREIGN KEY f",
        'ALTER TABLE "t" ALTER COLUMN "c" DROP NOT NULL',
        "UPDATE t SET x = 1 WHERE id = 2",
        "CREATE TABLE t (x int)",
    ):
        assert _destructive(harmless) == [], harmless
    assert _destructive("TRUNCATE TABLE a, b") == [("truncate", "a", None), ("truncate", "b", None)]
    assert _destructive("DELETE FROM t WHERE x = 1") == [("delete_some", "t", None)]
    assert _destructive("DELETE FROM t") == [("delete_all", "t", None)]
    assert _destructive("UPDATE t SET x = 1") == [("update_all", "t", None)]
