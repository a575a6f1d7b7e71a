"""A corpus of realistic incidents, the shapes of public Prisma histories (issue 13): each is
recovered in both directions where that makes sense, the rest of the history is deployed, and
the end is checked as an operator would: `mend status` 0, `mend drift` 0, the schema equal to
a fresh deploy of the same history, and every row the migration's own semantics keep still
there.

SQL is written once, PostgreSQL-style; `_dialect_sql` turns it into MySQL's (backticks,
VARCHAR for indexed text) where a case runs there too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import Project, TestDatabase, make_database
from mend_core.database.session import connect
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.project.target import parse_url
from mend_core.recovery.plan import Direction
from mend_core.schema.inspect import inspect_database
from mend_core.schema.plan import plan_migration
from recovery_support import Staged

ROLL_BACK, ROLL_FORWARD = Direction.ROLL_BACK, Direction.ROLL_FORWARD
ALL = ("sqlite", "postgresql", "mysql")


@dataclass(frozen=True)
class Case:
    """One incident: the history before, what was done by hand, the failing migration, how an
    operator fixes it each way, a later migration, and the rows that must stay."""

    name: str
    dialects: tuple[str, ...]
    applied: tuple[str, ...]
    failing: str
    fixed: str  # the migration as the operator corrects it after a roll back
    kept_query: str  # ids, ordered
    kept: dict[Direction, list[int]]
    data_fix: str | None = None  # for a roll forward
    by_hand: str = ""  # before the failing migration runs
    after_failure: str = ""  # by hand after it failed (a hotfix on what it left)
    later: str = 'CREATE TABLE "Later" ("id" INTEGER PRIMARY KEY);'
    directions: tuple[Direction, ...] = (ROLL_BACK, ROLL_FORWARD)
    # Directions after which the hand-made objects are still unrecorded drift: the operator
    # records them with `mend hotfix` (a roll back leaves a hand-made column alone; a roll
    # forward leaves a hand-made index on the migration's column).
    record_hand_made: tuple[Direction, ...] = ()


CASES = [
    Case(
        "hand-made column the migration adds again",
        ALL,
        ('CREATE TABLE "Result" ("id" INTEGER PRIMARY KEY);',),
        'CREATE TABLE "X" ("id" INTEGER);\nALTER TABLE "Result" ADD COLUMN "hasStarted" BOOLEAN;',
        'CREATE TABLE "X" ("id" INTEGER);',
        'SELECT "id" FROM "Result" WHERE "hasStarted" IS NOT NULL ORDER BY 1',
        {ROLL_BACK: [1, 2, 3], ROLL_FORWARD: [1, 2, 3]},
        by_hand=(
            'ALTER TABLE "Result" ADD COLUMN "hasStarted" BOOLEAN;\n'
            'INSERT INTO "Result" VALUES (1, TRUE), (2, FALSE), (3, TRUE);'
        ),
        record_hand_made=(ROLL_BACK,),
    ),
    Case(
        "enum grown with ADD VALUE, then a collision",
        ("postgresql",),
        ('CREATE TYPE "Role" AS ENUM (\'A\');\nCREATE TABLE "R" ("id" INTEGER PRIMARY KEY);',),
        'ALTER TYPE "Role" ADD VALUE \'B\';\nALTER TABLE "R" ADD COLUMN "expiresAt" TIMESTAMP;',
        "ALTER TYPE \"Role\" ADD VALUE 'B';",
        'SELECT "id" FROM "R" WHERE "expiresAt" IS NOT NULL ORDER BY 1',
        {ROLL_BACK: [1], ROLL_FORWARD: [1]},
        by_hand=(
            'ALTER TABLE "R" ADD COLUMN "expiresAt" TIMESTAMP;\n'
            "INSERT INTO \"R\" VALUES (1, '2024-01-01');"
        ),
        record_hand_made=(ROLL_BACK,),
    ),
    Case(
        "a DO block's data, then a unique index on duplicates",
        ("postgresql",),
        (
            'CREATE TABLE "T" ("id" INTEGER PRIMARY KEY, "url" TEXT);',
            'DO $$ BEGIN INSERT INTO "T" VALUES (1, NULL); END $$;',
            'UPDATE "T" SET "url" = \'x\' WHERE "url" IS NULL;\n'
            'ALTER TABLE "T" ALTER COLUMN "url" SET NOT NULL;',
        ),
        'ALTER TABLE "T" ADD COLUMN "slug" TEXT;\nCREATE UNIQUE INDEX "T_url_key" ON "T"("url");',
        'ALTER TABLE "T" ADD COLUMN "slug" TEXT;',
        'SELECT "id" FROM "T" ORDER BY 1',
        {ROLL_BACK: [1, 2], ROLL_FORWARD: [1]},
        data_fix='DELETE FROM "T" WHERE "id" = 2;',
        by_hand="INSERT INTO \"T\" VALUES (2, 'x');",
    ),
    Case(
        "CREATE EXTENSION and a GIN trigram index, then duplicates",
        ("postgresql",),
        ('CREATE TABLE "U" ("id" INTEGER PRIMARY KEY, "email" TEXT NOT NULL);',),
        'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\n'
        'CREATE INDEX "U_email_trgm" ON "U" USING GIN ("email" gin_trgm_ops);\n'
        'CREATE UNIQUE INDEX "U_email_key" ON "U"("email");',
        'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\n'
        'CREATE INDEX "U_email_trgm" ON "U" USING GIN ("email" gin_trgm_ops);',
        'SELECT "id" FROM "U" ORDER BY 1',
        {ROLL_BACK: [1, 2, 3], ROLL_FORWARD: [1, 3]},
        data_fix='DELETE FROM "U" WHERE "id" = 2;',
        by_hand="INSERT INTO \"U\" VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x');",
    ),
    Case(
        "a cleanup before NOT NULL and a unique index (Subscription)",
        ("postgresql",),
        (
            'CREATE TABLE "Subscription" ("id" INTEGER PRIMARY KEY, "userId" INTEGER NOT NULL, '
            '"customerId" TEXT);',
        ),
        'DELETE FROM "Subscription" WHERE "customerId" IS NULL;\n'
        'ALTER TABLE "Subscription" ALTER COLUMN "customerId" SET NOT NULL;\n'
        'CREATE UNIQUE INDEX "Subscription_userId_key" ON "Subscription"("userId");',
        'DELETE FROM "Subscription" WHERE "customerId" IS NULL;\n'
        'ALTER TABLE "Subscription" ALTER COLUMN "customerId" SET NOT NULL;',
        'SELECT "id" FROM "Subscription" ORDER BY 1',
        {ROLL_BACK: [1, 2, 3, 5], ROLL_FORWARD: [1, 2, 5]},
        data_fix=(
            'DELETE FROM "Subscription" WHERE "id" IN (SELECT s."id" FROM "Subscription" s '
            'JOIN "Subscription" t ON t."userId" = s."userId" AND t."id" < s."id");'
        ),
        by_hand=(
            "INSERT INTO \"Subscription\" VALUES (1, 101, 'c'), (2, 102, 'a'), (3, 102, 'b'), "
            "(4, 103, NULL), (5, 103, 'c1'), (6, 104, NULL);"
        ),
    ),
    Case(
        "NOT NULL and a foreign key in one migration",
        ("postgresql",),
        (
            'CREATE TABLE "Parent" ("id" INTEGER PRIMARY KEY);\n'
            'CREATE TABLE "Child" ("id" INTEGER PRIMARY KEY, "parentId" INTEGER);',
        ),
        'ALTER TABLE "Child" ALTER COLUMN "parentId" SET NOT NULL;\n'
        'ALTER TABLE "Child" ADD CONSTRAINT "Child_parentId_fkey" FOREIGN KEY ("parentId") '
        'REFERENCES "Parent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;',
        'CREATE INDEX "Child_parentId_idx" ON "Child"("parentId");',
        'SELECT "id" FROM "Child" ORDER BY 1',
        {ROLL_BACK: [1, 2, 3], ROLL_FORWARD: [1]},
        # One fix for both blockers: the analysis lists them in one round.
        data_fix='DELETE FROM "Child" WHERE "parentId" IS NULL OR "parentId" NOT IN (1);',
        by_hand=(
            'INSERT INTO "Parent" VALUES (1);\n'
            'INSERT INTO "Child" VALUES (1, 1), (2, NULL), (3, 9);'
        ),
    ),
    Case(
        "a hand-made index on a column the failed migration added",
        ("sqlite", "mysql"),
        ('CREATE TABLE "User" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);',),
        'ALTER TABLE "User" ADD COLUMN "email" TEXT;\n'
        'CREATE UNIQUE INDEX "User_name_key" ON "User"("name");',
        'ALTER TABLE "User" ADD COLUMN "email" TEXT;',
        'SELECT "id" FROM "User" ORDER BY 1',
        {ROLL_BACK: [1, 2, 3], ROLL_FORWARD: [1, 3]},
        data_fix='DELETE FROM "User" WHERE "id" = 2;',
        by_hand="INSERT INTO \"User\" VALUES (1, 'paul'), (2, 'paul'), (3, 'anna');",
        after_failure='CREATE INDEX "User_email_idx" ON "User"("email");',
        record_hand_made=(ROLL_FORWARD,),
    ),
    Case(
        "MySQL: statements before the failure committed",
        ("mysql",),
        (
            'CREATE TABLE "User" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);\n'
            "INSERT INTO \"User\" VALUES (1, 'paul'), (2, 'paul');",
        ),
        'CREATE TABLE "Post" ("id" INTEGER PRIMARY KEY, "title" TEXT NOT NULL);\n'
        'ALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'
        'CREATE UNIQUE INDEX "User_name_key" ON "User"("name");',
        'CREATE TABLE "Post" ("id" INTEGER PRIMARY KEY, "title" TEXT NOT NULL);\n'
        'ALTER TABLE "User" ADD COLUMN "bio" TEXT;',
        'SELECT "id" FROM "User" ORDER BY 1',
        {ROLL_BACK: [1, 2], ROLL_FORWARD: [1]},
        data_fix='DELETE FROM "User" WHERE "id" = 2;',
    ),
    Case(
        "the migration's own BEGIN/COMMIT",
        ("sqlite", "postgresql"),
        (
            'CREATE TABLE "User" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);\n'
            "INSERT INTO \"User\" VALUES (1, 'paul'), (2, 'paul');",
        ),
        'BEGIN;\nCREATE TABLE "Post" ("id" INTEGER PRIMARY KEY);\nCOMMIT;\n'
        'BEGIN;\nALTER TABLE "User" ADD COLUMN "email" TEXT;\n'
        'CREATE UNIQUE INDEX "User_name_key" ON "User"("name");\nCOMMIT;',
        'BEGIN;\nCREATE TABLE "Post" ("id" INTEGER PRIMARY KEY);\nCOMMIT;\n'
        'ALTER TABLE "User" ADD COLUMN "email" TEXT;',
        'SELECT "id" FROM "User" ORDER BY 1',
        {ROLL_BACK: [1, 2], ROLL_FORWARD: [1]},
        data_fix='DELETE FROM "User" WHERE "id" = 2;',
    ),
    Case(
        "NULLs in two columns before SET NOT NULL",
        ("postgresql",),
        (
            'CREATE TABLE "G" ("id" INTEGER PRIMARY KEY, "groups" TEXT, "edges" TEXT);\n'
            "INSERT INTO \"G\" VALUES (1, NULL, 'e'), (2, 'g', NULL), (3, 'g', 'e');",
        ),
        'ALTER TABLE "G" ALTER COLUMN "groups" SET NOT NULL;\n'
        'ALTER TABLE "G" ALTER COLUMN "edges" SET NOT NULL;',
        'ALTER TABLE "G" ADD COLUMN "weight" INTEGER;',
        'SELECT "id" FROM "G" ORDER BY 1',
        {ROLL_BACK: [1, 2, 3], ROLL_FORWARD: [1, 2, 3]},
        data_fix=(
            'UPDATE "G" SET "groups" = \'\' WHERE "groups" IS NULL;\n'
            'UPDATE "G" SET "edges" = \'\' WHERE "edges" IS NULL;'
        ),
    ),
    Case(
        "a data UPDATE between DDL statements",
        ALL,
        (
            'CREATE TABLE "Item" ("id" INTEGER PRIMARY KEY, "price" INTEGER);\n'
            'INSERT INTO "Item" VALUES (1, 10), (2, 10);',
        ),
        'ALTER TABLE "Item" ADD COLUMN "cents" INTEGER;\n'
        'UPDATE "Item" SET "cents" = "price" * 100;\n'
        'CREATE UNIQUE INDEX "Item_price_key" ON "Item"("price");',
        'ALTER TABLE "Item" ADD COLUMN "cents" INTEGER;\n'
        'UPDATE "Item" SET "cents" = "price" * 100;',
        'SELECT "id" FROM "Item" WHERE "cents" = 1000 ORDER BY 1',
        {ROLL_BACK: [1, 2], ROLL_FORWARD: [1, 2]},
        data_fix='UPDATE "Item" SET "price" = 11 WHERE "id" = 2;',
    ),
    Case(
        "SQLite: Prisma's table redefinition stopped at the unique index",
        ("sqlite",),
        (
            'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT);\n'
            "INSERT INTO \"User\" VALUES (1, 'paul'), (2, 'paul'), (3, 'anna');",
        ),
        "PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n"
        'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL);\n'
        'INSERT INTO "new_User" ("id", "name") SELECT "id", "name" FROM "User";\n'
        'DROP TABLE "User";\nALTER TABLE "new_User" RENAME TO "User";\n'
        'CREATE UNIQUE INDEX "User_name_key" ON "User"("name");\n'
        "PRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF;",
        "PRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n"
        'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL);\n'
        'INSERT INTO "new_User" ("id", "name") SELECT "id", "name" FROM "User";\n'
        'DROP TABLE "User";\nALTER TABLE "new_User" RENAME TO "User";\n'
        "PRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF;",
        'SELECT "id" FROM "User" ORDER BY 1',
        {ROLL_BACK: [1, 2, 3], ROLL_FORWARD: [1, 3]},
        data_fix='DELETE FROM "User" WHERE "id" = 2;',
    ),
]


def _dialect_sql(db: TestDatabase, sql: str) -> str:
    if db.dialect != "mysql":
        return sql
    sql = re.sub(r"\bTEXT\b", "VARCHAR(191)", sql)
    sql = re.sub(r"\bBOOLEAN\b", "TINYINT(1)", sql)
    return sql.replace('"', "`").replace("TRUE", "1").replace("FALSE", "0")


def _run_by_hand(db: TestDatabase, sql: str) -> None:
    for statement in _dialect_sql(db, sql).split(";\n"):
        if statement.strip().rstrip(";"):
            db.sql(statement.strip().rstrip(";"))


def _stage(project: Project, db: TestDatabase, case: Case) -> Staged:
    # Production rows come from production, not from the history: plain INSERTs of the
    # applied migrations run by hand (a fresh deploy of the history then builds no bad rows).
    rows = []
    for number, sql in enumerate(case.applied, start=1):
        lines = sql.split("\n")
        rows += [line for line in lines if line.startswith("INSERT INTO")]
        kept = "\n".join(line for line in lines if not line.startswith("INSERT INTO"))
        project.add(f"2024010100000{number}_applied", _dialect_sql(db, kept) + "\n")
    deploy(project.context(), SilentDeploy())
    _run_by_hand(db, "\n".join(rows))
    _run_by_hand(db, case.by_hand)
    name = "20240102000000_failing"  # timestamped as Prisma names them: a hotfix sorts after
    project.add(name, _dialect_sql(db, case.failing) + "\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    _run_by_hand(db, case.after_failure)
    return Staged(project, db, name)


def _schema(url: str) -> object:
    with connect(parse_url(url, base_dir=Path.cwd()), read_only=True) as session:
        return inspect_database(session)


@pytest.fixture
def fresh(db: TestDatabase, tmp_path: Path) -> Iterator[TestDatabase]:
    """A second empty database of the same kind: the history deployed from scratch."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    yield from make_database(db.dialect, folder)


def _cases() -> Iterator[object]:
    for case in CASES:
        for direction in case.directions:
            for dialect in case.dialects:
                yield pytest.param(
                    case,
                    direction,
                    dialect,
                    id=f"{case.name}-{direction.value}-{dialect}",
                )


@pytest.mark.parametrize(("case", "direction", "db"), list(_cases()), indirect=["db"])
def test_recover_then_deploy_the_rest(
    project: Project,
    db: TestDatabase,
    fresh: TestDatabase,
    case: Case,
    direction: Direction,
):
    staged = _stage(project, db, case)
    fix = _dialect_sql(db, case.data_fix) if direction is ROLL_FORWARD and case.data_fix else None
    result = staged.recover(direction, fix)
    assert result.verification.ok, result.verification.describe()
    if direction is ROLL_BACK:
        (project.migrations / staged.name / "migration.sql").write_text(
            _dialect_sql(db, case.fixed) + "\n", encoding="utf-8"
        )
    project.add("20240103000000_later", _dialect_sql(db, case.later) + "\n")
    deployed = project.mend("deploy", "--yes", "--url", db.url)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    if direction in case.record_hand_made:
        recorded = project.mend("hotfix", "--yes", "--name", "hand_made", "--url", db.url)
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert project.mend("status", "--url", db.url).returncode == 0
    drift = project.mend("drift", "--url", db.url)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    # The same history on an empty database builds the same schema.
    again = Project(project.root, fresh.url, fresh.dialect)
    made = again.mend("deploy", "--yes", "--url", fresh.url)
    assert made.returncode == 0, made.stdout + made.stderr
    live, clean = _schema(db.url), _schema(fresh.url)
    difference = plan_migration(clean, live)  # type: ignore[arg-type]
    assert difference.is_empty, [step.summary for step in difference.steps]
    rows = [r[0] for r in db.sql(_dialect_sql(db, case.kept_query))]
    assert rows == case.kept[direction]
