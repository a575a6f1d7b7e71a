"""SQLite: `mend inspect` reads the live schema only where its catalog (sqlite_master) differs
from the shadow's last state (states.live_schema); the result must be the whole inspection's,
whatever was done by hand to the live database since. SQLite only: the servers' live schema is
inspected whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mend_core.database.session import connect
from mend_core.dialects import dialect_for
from mend_core.history.folder import list_migrations
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.states import expected_states, live_schema

HISTORY = [
    (
        "1_init",
        'CREATE TABLE "Parent" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT);\n'
        'CREATE TABLE "Child" ("id" INTEGER NOT NULL PRIMARY KEY, "parentId" INTEGER,\n'
        '    CONSTRAINT "Child_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Parent");\n'
        'CREATE TABLE "Zed" ("id" INTEGER NOT NULL PRIMARY KEY, "parentId" INTEGER,\n'
        '    FOREIGN KEY ("parentId") REFERENCES "Parent");\n'
        'CREATE INDEX "Child_parentId_idx" ON "Child"("parentId");\n',
    ),
    (
        "2_more",
        'CREATE TABLE "Other" ("id" INTEGER NOT NULL PRIMARY KEY, "note" TEXT);\n'
        'CREATE VIEW "Names" AS SELECT "name" FROM "Parent";\n',
    ),
]
# The failed migration: the first two statements ran, the third failed (live, not shadow).
FAILED = (
    'ALTER TABLE "Other" ADD COLUMN "extra" INTEGER;\n'
    'CREATE TABLE "Late" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
    'CREATE UNIQUE INDEX "Other_note_key" ON "Other"("note");\n'
)

DRIFT = {
    "none": [],
    "a table made by hand": ['CREATE TABLE "hand" ("id" INTEGER PRIMARY KEY, "x" TEXT)'],
    "an index made by hand": ['CREATE INDEX "hand_idx" ON "Other"("note")'],
    "a table dropped by hand": ['DROP TABLE "Zed"'],
    "a referenced table's key changed": [
        'DROP TABLE "Parent"',
        'CREATE TABLE "Parent" ("code" TEXT NOT NULL PRIMARY KEY, "name" TEXT)',
    ],
    "a column added by hand": ['ALTER TABLE "Parent" ADD COLUMN "hand" TEXT'],
    "a table renamed by hand": ['ALTER TABLE "Other" RENAME TO "other2"'],
    "a view and a trigger made by hand": [
        'CREATE VIEW "hand_view" AS SELECT 1 AS one',
        'CREATE TRIGGER "hand_trigger" AFTER INSERT ON "Other" BEGIN SELECT 1; END',
    ],
    "a name in another case": [
        'DROP TABLE "Late"',
        'CREATE TABLE "LATE" ("id" INTEGER PRIMARY KEY, "y" TEXT)',
    ],
    "the failing statement made by hand": [
        'CREATE UNIQUE INDEX "Other_note_key" ON "Other"("note")'
    ],
}


def _live(path: Path, drift: list[str]) -> None:
    connection = sqlite3.connect(path)
    for _, script in HISTORY:
        connection.executescript(script)
    for statement in [s for s in FAILED.split(";\n") if s.strip()][:2]:
        connection.execute(statement)
    for statement in drift:
        connection.execute(statement)
    connection.commit()
    connection.close()


@pytest.mark.parametrize("cached", [False, True], ids=["replayed", "from the cache"])
@pytest.mark.parametrize("drift", list(DRIFT), ids=list(DRIFT))
def test_live_schema_is_the_whole_inspection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drift: str, cached: bool
):
    monkeypatch.setenv("MEND_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "live.db"
    _live(path, DRIFT[drift])
    target = DatabaseTarget(dialect="sqlite", path=path)
    for name, script in HISTORY:
        (tmp_path / "migrations" / name).mkdir(parents=True)
        (tmp_path / "migrations" / name / "migration.sql").write_text(script)
    applied = list_migrations(tmp_path / "migrations")
    statements = dialect_for("sqlite").split(FAILED)
    for _ in range(2 if cached else 1):
        states = expected_states("sqlite", target, applied, statements, "checksum")
    assert states.cached is cached
    assert states.catalog is not None
    with connect(target, read_only=True) as db:
        whole = inspect_database(db)
        assert live_schema(db, states) == whole
        # And not by reading everything: with no drift, the live tables are the shadow's.
        if drift == "none":
            assert all(
                table is states.after.table(table.name)
                for table in live_schema(db, states).tables
                if table.name != "Other"  # the failed statement's index is not live
            )
