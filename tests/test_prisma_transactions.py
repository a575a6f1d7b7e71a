"""PostgreSQL: a migration's statements share one transaction, as Prisma's engine sends them,
`ALTER TYPE ... ADD VALUE` included (PostgreSQL 12 and later accept it in a transaction block).

Run alone, a failed migration left the enum label behind, and Prisma's documented recovery
(fix, `resolve --rolled-back`, `deploy`) then failed with 42710 "enum label already exists".
"""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.database.splitting import split_script

POSTGRES_ONLY = pytest.mark.parametrize("db", ["postgresql"], indirect=True)

ADD_VALUE_MIGRATION = (
    """ALTER TYPE "Role" ADD VALUE 'B';\nALTER TABLE "R" ADD COLUMN "expiresAt" TIMESTAMP;\n"""
)


def labels(db: TestDatabase, enum: str) -> list[str]:
    return [
        row[0]
        for row in db.sql(
            "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
            "WHERE t.typname = %s ORDER BY e.enumsortorder",
            (enum,),
        )
    ]


def enum_exists(db: TestDatabase, enum: str) -> bool:
    return bool(db.sql("SELECT 1 FROM pg_type WHERE typname = %s", (enum,)))


@POSTGRES_ONLY
def test_add_value_shares_the_migration_transaction(project: Project, db: TestDatabase):
    """The issue's repro, through the CLI: the failure leaves no label, and Prisma's recovery
    (fix the database, `resolve --rolled-back`, `deploy`) then succeeds."""
    project.add(
        "1_init", 'CREATE TYPE "Role" AS ENUM (\'A\');\nCREATE TABLE "R" (id INT PRIMARY KEY);\n'
    )
    first = project.mend("deploy", "--yes", "--url", db.url)
    assert first.returncode == 0, first.stdout + first.stderr
    db.sql('ALTER TABLE "R" ADD COLUMN "expiresAt" TIMESTAMP')  # the hand-made hotfix
    project.add("2_role_b", ADD_VALUE_MIGRATION)

    failed = project.mend("deploy", "--yes", "--url", db.url)
    assert failed.returncode != 0
    assert "P3018" in failed.stderr and "42701" in failed.stderr, failed.stderr
    assert labels(db, "Role") == ["A"]  # rolled back with the transaction

    db.sql('ALTER TABLE "R" DROP COLUMN "expiresAt"')
    resolved = project.mend("resolve", "--rolled-back", "2_role_b", "--url", db.url, "--yes")
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    again = project.mend("deploy", "--yes", "--url", db.url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert labels(db, "Role") == ["A", "B"]
    columns = db.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'R' "
        "AND column_name = 'expiresAt'"
    )
    assert columns == [("expiresAt",)]


@POSTGRES_ONLY
def test_create_type_and_add_value_in_a_failing_migration_leave_nothing(
    project: Project, db: TestDatabase
):
    project.add(
        "1_mood",
        "CREATE TYPE \"Mood\" AS ENUM ('sad');\n"
        "ALTER TYPE \"Mood\" ADD VALUE 'happy';\n"
        "SELECT * FROM nowhere;\n",
    )
    failed = project.mend("deploy", "--yes", "--url", db.url)
    assert failed.returncode != 0 and "P3018" in failed.stderr, failed.stderr
    assert not enum_exists(db, "Mood")
    assert "rolled back" in failed.stderr and "committed" not in failed.stderr, failed.stderr


@POSTGRES_ONLY
def test_using_the_new_label_in_the_same_migration_fails_as_with_prisma(
    project: Project, db: TestDatabase
):
    """PostgreSQL refuses a label added in the same, still open, transaction (55P04); Prisma's
    engine sends the script as one transaction and fails the same way."""
    project.add("1_init", "CREATE TYPE \"Role\" AS ENUM ('A');\n")
    project.add(
        "2_use",
        "ALTER TYPE \"Role\" ADD VALUE 'B';\nSELECT 'B'::\"Role\";\n",
    )
    failed = project.mend("deploy", "--yes", "--url", db.url)
    assert failed.returncode != 0 and "55P04" in failed.stderr, failed.stderr
    assert labels(db, "Role") == ["A"]


def test_only_statements_refused_in_a_transaction_run_alone():
    statements = split_script(
        "postgresql",
        "ALTER TYPE mood ADD VALUE 'x';\n"
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'y' BEFORE 'x';\n"
        "CREATE INDEX CONCURRENTLY i ON t (x);\n",
    )
    assert [s.autocommit for s in statements] == [False, False, True]
