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
):
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
