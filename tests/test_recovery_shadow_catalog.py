"""SQLite: the shadow's catalog kept with the expected states (read against the live one, see
test_recovery_live_catalog.py) is the catalog as the migration's statements that ran left it,
whatever follows the last of them: one that fails even in the shadow, a data statement (not
replayed). PostgreSQL and MariaDB keep none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import TestDatabase
from mend_core.dialects import dialect_for
from mend_core.history.folder import list_migrations
from mend_core.project.target import DatabaseTarget, parse_url
from mend_core.schema.states import expected_states

HISTORY = (
    'CREATE TABLE "Parent" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT);\n'
    'CREATE INDEX "Parent_name_idx" ON "Parent"("name");\n'
)
RAN = [
    'CREATE TABLE "Late" ("id" INTEGER NOT NULL PRIMARY KEY)',
    'ALTER TABLE "Parent" ADD COLUMN "extra" INTEGER',
]
AFTER = {
    "a statement that fails in the shadow too": 'CREATE INDEX "broken" ON "nowhere"("x")',
    "a data statement": 'UPDATE "Parent" SET "name" = \'x\'',
    "nothing": "",
}


@pytest.mark.parametrize("after", list(AFTER), ids=list(AFTER))
def test_the_catalog_is_the_one_the_statements_that_ran_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: str
) -> None:
    monkeypatch.setenv("MEND_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "migrations" / "1_init").mkdir(parents=True)
    (tmp_path / "migrations" / "1_init" / "migration.sql").write_text(HISTORY)
    applied = list_migrations(tmp_path / "migrations")
    script = "".join(f"{sql};\n" for sql in [*RAN, AFTER[after]] if sql)
    statements = dialect_for("sqlite").split(script)
    target = DatabaseTarget(dialect="sqlite", path=tmp_path / "live.db")
    states = expected_states("sqlite", target, applied, statements, "checksum")
    expected = sqlite3.connect(tmp_path / "expected.db")
    expected.executescript(HISTORY + "".join(f"{sql};\n" for sql in RAN))
    rows = frozenset(expected.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    expected.close()
    assert states.catalog == rows
    assert any(row[1] == "Late" for row in rows)  # the statements that ran are in it


def test_the_servers_keep_no_catalog(
    db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_CACHE_DIR", str(tmp_path / "cache"))
    quote = "`" if db.dialect == "mysql" else '"'
    history = f"CREATE TABLE {quote}Parent{quote} ({quote}id{quote} INTEGER PRIMARY KEY);\n"
    (tmp_path / "migrations" / "1_init").mkdir(parents=True)
    (tmp_path / "migrations" / "1_init" / "migration.sql").write_text(history)
    applied = list_migrations(tmp_path / "migrations")
    target = parse_url(db.url, base_dir=tmp_path)
    family = dialect_for(db.dialect)
    script = f"CREATE TABLE {quote}Late{quote} ({quote}id{quote} INTEGER PRIMARY KEY);\n"
    states = expected_states(db.dialect, target, applied, family.split(script), "checksum")
    assert states.after.table("Late") is not None
    assert (states.catalog is None) is (not family.keeps_ddl_catalog)
