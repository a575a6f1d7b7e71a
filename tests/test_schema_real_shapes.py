"""What real PostgreSQL (and MySQL, SQLite) histories contain, end to end: enums retyped under a
default, indexes kept whole (operator classes, INCLUDE, partial, expressions, ordering,
collations, FULLTEXT) and extensions a history creates."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from schema_support import apply_sql, inspect

PLAN_V1 = (
    "CREATE TYPE \"Plan\" AS ENUM ('FREE', 'PRO');\n"
    'CREATE TABLE "U" ("id" TEXT PRIMARY KEY, "plan" "Plan" NOT NULL DEFAULT \'FREE\', '
    '"plans" "Plan"[] NOT NULL DEFAULT \'{FREE}\');\n'
)
PLAN_TEAM = "ALTER TYPE \"Plan\" ADD VALUE 'TEAM';\n"


def _history(folder: Path, *scripts: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
    for number, script in enumerate(scripts, start=1):
        (folder / f"{number}_step").mkdir()
        (folder / f"{number}_step" / "migration.sql").write_text(script)
    return folder


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_enum_value_removed_under_a_default_rolls_back_through_the_cli(
    project: Project, db: TestDatabase
) -> None:
    """The issue's repro: A adds a value to an enum that a column with a DEFAULT uses (and an
    array of it), B does not. The script from A to B drops each default, retypes the column
    and sets the default again; applied to a database at A it works and keeps the rows."""
    a = _history(project.root / "a", PLAN_V1, PLAN_TEAM)
    b = _history(project.root / "b", PLAN_V1)
    apply_sql(db, PLAN_V1)
    apply_sql(db, PLAN_TEAM)
    db.sql("INSERT INTO \"U\" (id, plan, plans) VALUES ('paul', 'PRO', '{PRO,FREE}')")
    args = ["diff", "--from-migrations", str(a), "--to-migrations", str(b), "--url", db.url]
    script = project.mend(*args, "--script")
    assert script.returncode == 0, script.stderr
    assert 'ALTER COLUMN "plan" DROP DEFAULT' in script.stdout
    assert 'ALTER COLUMN "plans" DROP DEFAULT' in script.stdout
    out = project.root / "back.sql"
    out.write_text(script.stdout)
    executed = project.mend("execute", "--file", str(out), "--url", db.url, "--yes")
    assert executed.returncode == 0, executed.stdout + executed.stderr
    db.sql("INSERT INTO \"U\" (id) VALUES ('anna')")  # the defaults are back, on the new type
    assert db.sql('SELECT id, plan::text, plans::text FROM "U" ORDER BY id') == [
        ("anna", "FREE", "{FREE}"),
        ("paul", "PRO", "{PRO,FREE}"),
    ]
    assert db.sql('SELECT enum_range(NULL::"Plan")::text') == [("{FREE,PRO}",)]
    same = project.mend("diff", "--from-url", db.url, "--to-migrations", str(b), "--exit-code")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "No difference detected." in same.stdout
    assert inspect(db).enum("Plan") is not None


# -- extensions ------------------------------------------------------------------------------------
TRGM_HISTORY = (
    'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\n'
    'CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, '
    'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n',
    'CREATE INDEX "User_email_trgm_idx" ON "User" USING GIN ("email" gin_trgm_ops);\n',
)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_history_with_an_extension_renders_from_empty_and_applies(
    project: Project, db: TestDatabase
) -> None:
    """`diff --from-empty --to-migrations` of a history that creates pg_trgm and then a GIN
    trigram index: the extension comes first in the script, which applies to an empty database
    and leaves nothing to do."""
    history = _history(project.root / "history", *TRGM_HISTORY)
    args = ["--to-migrations", str(history), "--url", db.url]
    script = project.mend("diff", "--from-empty", *args, "--script")
    assert script.returncode == 0, script.stderr
    text = script.stdout
    assert text.startswith('-- CreateExtension\nCREATE EXTENSION IF NOT EXISTS "pg_trgm";\n')
    assert 'USING gin("email" gin_trgm_ops)' in text
    out = project.root / "all.sql"
    out.write_text(text)
    executed = project.mend("execute", "--file", str(out), "--url", db.url, "--yes")
    assert executed.returncode == 0, executed.stdout + executed.stderr
    assert db.sql("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'") == [("pg_trgm",)]
    same = project.mend("diff", "--from-url", db.url, *args, "--exit-code")
    assert same.returncode == 0, same.stdout + same.stderr
    # Without the extension in the live database, the diff says it is missing.
    db.sql('DROP INDEX "User_email_trgm_idx"')
    db.sql("DROP EXTENSION pg_trgm")
    summary = project.mend("diff", "--from-url", db.url, *args)
    assert "[+] create extension `pg_trgm`" in summary.stdout, summary.stdout + summary.stderr


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_extensions_are_created_first_and_dropped_last(db: TestDatabase) -> None:
    from mend_core.schema.model import Schema
    from mend_core.schema.plan import plan_migration

    apply_sql(db, "".join(TRGM_HISTORY))
    live = inspect(db)
    assert [e.name for e in live.extensions] == ["pg_trgm"]
    assert live.extensions[0].version  # read, but not compared
    empty = Schema("postgresql")
    forward = plan_migration(empty, live)
    assert forward.steps[0].heading == "CreateExtension"
    backward = plan_migration(live, empty)
    last = backward.steps[-1]
    assert (last.heading, last.sql) == ("DropExtension", ('DROP EXTENSION "pg_trgm"',))
    assert any("drops extension `pg_trgm`" in w for w in backward.data_loss)
    # A server's other version of the same extension is no difference.
    from dataclasses import replace

    from mend_core.schema.model import Extension

    other = replace(live, extensions=(Extension("pg_trgm", "0.1"),))
    assert plan_migration(live, other).is_empty


@pytest.mark.parametrize("db", ["sqlite", "mysql"], indirect=True)
def test_other_dialects_have_no_extensions(db: TestDatabase) -> None:
    assert inspect(db).extensions == ()
