"""Behaviour kept by the speed fixes ("Speed found short"): a given shadow database emptied in a
few statements and truly empty; `status --json` formatting timestamps without decoding each
one; the checksum cache bounded. (The speeds themselves are measured in benchmarks/.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.db import connect
from mend_core.errors import MendError
from mend_core.schema.diff import diff_sources
from mend_core.schema.inspect import inspect_database
from mend_core.schema.shadow import _catalog, empty_database
from mend_core.schema.sources import SchemaSource, ShadowOptions
from mend_core.target import parse_url

# -- a given shadow (--shadow-url) is left truly empty --------------------------------------------
# Objects the schema model does not show (functions, domains, extensions, events...) and
# foreign keys in a cycle: none of these statements would run twice in a row, so a second diff
# through the same shadow proves the first left nothing behind.
SHADOW_HISTORY = {
    "postgresql": [
        'CREATE EXTENSION "citext";\n'
        "CREATE TYPE \"Mood\" AS ENUM ('happy', 'sad');\n"
        "CREATE DOMAIN \"Email\" AS citext CHECK (VALUE LIKE '%@%');\n"
        'CREATE TYPE "Pair" AS ("a" INTEGER, "b" INTEGER);\n'
        'CREATE SEQUENCE "ticket_seq";\n'
        'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" "Email" NOT NULL, '
        '"mood" "Mood", "post_id" INTEGER);\n'
        'CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "author_id" INTEGER NOT NULL '
        'REFERENCES "User"("id"), "body" TEXT);\n',
        'ALTER TABLE "User" ADD CONSTRAINT "User_post_fkey" FOREIGN KEY ("post_id") '
        'REFERENCES "Post"("id");\n'
        'CREATE VIEW "UserPosts" AS SELECT "u"."id", count("p"."id") AS "posts" FROM "User" "u" '
        'LEFT JOIN "Post" "p" ON "p"."author_id" = "u"."id" GROUP BY "u"."id";\n'
        'CREATE MATERIALIZED VIEW "PostCount" AS SELECT count(*) AS "n" FROM "Post";\n'
        'CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; '
        "END $$;\n"
        'CREATE TRIGGER "Post_touch" BEFORE UPDATE ON "Post" FOR EACH ROW EXECUTE FUNCTION '
        '"touch"();\n'
        'CREATE PROCEDURE "noop"() LANGUAGE sql AS $$ SELECT 1 $$;\n'
        'CREATE AGGREGATE "total"(integer) (SFUNC = int4pl, STYPE = integer);\n'
        "CREATE COLLATION \"ci\" (provider = icu, locale = 'und-u-ks-level2', "
        "deterministic = false);\n"
        'CREATE TABLE "Log" ("at" DATE NOT NULL) PARTITION BY RANGE ("at");\n'
        'CREATE TABLE "Log_2026" PARTITION OF "Log" FOR VALUES FROM (\'2026-01-01\') '
        "TO ('2027-01-01');\n",
    ],
    "mysql": [
        "CREATE TABLE `User` (`id` INT NOT NULL PRIMARY KEY, `post_id` INT NULL);\n"
        "CREATE TABLE `Post` (`id` INT NOT NULL PRIMARY KEY, `author_id` INT NULL, "
        "CONSTRAINT `Post_author_fkey` FOREIGN KEY (`author_id`) REFERENCES `User`(`id`));\n",
        "ALTER TABLE `User` ADD CONSTRAINT `User_post_fkey` FOREIGN KEY (`post_id`) "
        "REFERENCES `Post`(`id`);\n"
        "CREATE VIEW `UserIds` AS SELECT `id` FROM `User`;\n"
        "CREATE TRIGGER `User_bi` BEFORE INSERT ON `User` FOR EACH ROW "
        "SET NEW.`post_id` = NEW.`post_id`;\n"
        "CREATE PROCEDURE `noop`() BEGIN SELECT 1; END;\n"
        "CREATE FUNCTION `one`() RETURNS INT DETERMINISTIC RETURN 1;\n"
        "CREATE SEQUENCE `ticket_seq`;\n"
        "CREATE EVENT `tick` ON SCHEDULE EVERY 1 DAY DO SELECT 1;\n",
    ],
}


def _history(project: Project, dialect: str) -> None:
    project.lock(dialect)
    for number, script in enumerate(SHADOW_HISTORY[dialect], start=1):
        project.add(f"{number}_step", script)


def _leftovers(db: TestDatabase) -> set[object]:
    """Everything mend would have to drop; empty when the shadow is truly empty."""
    with connect(parse_url(db.url, base_dir=Path("/"))) as session:
        assert inspect_database(session).is_empty
        return set(_catalog(db.dialect)[0](session))


def _diff_through_shadow(project: Project, db: TestDatabase) -> str:
    completed = project.mend(
        "diff",
        "--from-empty",
        "--to-migrations",
        str(project.migrations),
        "--shadow-url",
        db.url,
        "--script",
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_shadow_url_is_left_truly_empty_and_works_again(project: Project, db: TestDatabase):
    _history(project, db.dialect)
    first = _diff_through_shadow(project, db)
    assert "CREATE TABLE" in first
    assert _leftovers(db) == set()
    # The same history replays again into the same shadow: nothing was left to collide with.
    assert _diff_through_shadow(project, db) == first
    assert _leftovers(db) == set()


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_shadow_url_is_emptied_after_a_failure_mid_replay(project: Project, db: TestDatabase):
    _history(project, db.dialect)
    # A table created by the part of the script that ran, then an error.
    q = db.q
    project.add(
        "3_broken",
        f"CREATE TABLE {q('Half')} ({q('id')} INT);\n"
        f"CREATE INDEX {q('Half_idx')} ON {q('nowhere')}({q('id')});\n",
    )
    options = ShadowOptions(shadow_url=parse_url(db.url, base_dir=project.root))
    with pytest.raises(MendError) as caught:
        diff_sources(
            SchemaSource("empty"),
            SchemaSource("migrations", str(project.migrations)),
            options,
            project.root,
        )
    assert caught.value.code == "P3006" and "3_broken" in caught.value.message
    assert _leftovers(db) == set()
    (project.migrations / "3_broken" / "migration.sql").unlink()
    (project.migrations / "3_broken").rmdir()
    assert "CREATE TABLE" in _diff_through_shadow(project, db)
    assert _leftovers(db) == set()


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_shadow_url_keeps_what_was_there_and_the_schema_as_it_was(
    project: Project, db: TestDatabase
):
    """A function the shadow held before stays; the schema keeps its owner, grants and comment
    (emptying drops objects, not the schema)."""
    db.sql('CREATE FUNCTION "kept"() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$')
    role = f'"mend_reader_{db.name[-8:]}"'
    db.sql(f"CREATE ROLE {role} NOLOGIN")
    try:
        db.sql(f"GRANT USAGE ON SCHEMA public TO {role}")
        facts = (
            "SELECT nspowner::regrole::text, nspacl::text, obj_description(oid, 'pg_namespace') "
            "FROM pg_namespace WHERE nspname = 'public'"
        )
        before = db.sql(facts)
        _history(project, "postgresql")
        _diff_through_shadow(project, db)
        assert db.sql(facts) == before
        with connect(parse_url(db.url, base_dir=Path("/"))) as session:
            assert {o.kind for o in _catalog("postgresql")[0](session)} == {"FUNCTION"}
    finally:
        db.sql(f"DROP OWNED BY {role}")
        db.sql(f"DROP ROLE {role}")


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_tables_dropped_in_batches_within_the_lock_table(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
):
    """Thousands of tables do not fit one transaction's locks (out of shared memory): with a
    tiny lock budget, and a server refusing large batches, every table is dropped all the
    same, a few per transaction."""
    from mend_core.db import Database, DatabaseError
    from mend_core.dialects.base import DbError
    from mend_core.schema import inspect_postgresql

    for n in range(30):
        parent = f"REFERENCES t{n - 1}(id)" if n else ""
        db.sql(f"CREATE TABLE t{n} (id INT PRIMARY KEY, parent INT {parent})")
    monkeypatch.setattr(inspect_postgresql, "LOCK_BUDGET", "SELECT 100")
    drops: list[int] = []
    original = Database.execute

    def limited(self: Database, sql: str, params: object = None) -> None:
        if sql.startswith("DROP TABLE"):
            drops.append(sql.count(","))
            if sql.count(",") >= 4:  # five tables or more: the lock table is full
                raise DatabaseError(DbError("53200", "out of shared memory"), sql)
        original(self, sql, params)  # type: ignore[arg-type]

    monkeypatch.setattr(Database, "execute", limited)
    with connect(parse_url(db.url, base_dir=Path("/"))) as session:
        empty_database(session)
        assert not session.in_transaction
    assert db.tables() == set()
    assert max(drops) >= 4 and len(drops) > 30 // 5  # refused, then smaller batches


def test_sqlite_file_emptied_in_one_transaction(tmp_path: Path):
    """mend's SQLite shadows are in memory, but empty_database empties any SQLite file whole:
    virtual tables, triggers, views, foreign keys in a cycle, AUTOINCREMENT's bookkeeping."""
    path = tmp_path / "shadow.db"
    with connect(parse_url(f"file:{path}", base_dir=tmp_path), create=True) as db:
        db.execute("PRAGMA foreign_keys = ON")
        for statement in (
            'CREATE TABLE "a" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "b_id" INTEGER '
            'REFERENCES "b"("id"))',
            'CREATE TABLE "b" ("id" INTEGER PRIMARY KEY, "a_id" INTEGER REFERENCES "a"("id"))',
            'INSERT INTO "a" ("b_id") VALUES (NULL)',
            'CREATE INDEX "a_b" ON "a"("b_id")',
            'CREATE VIEW "v" AS SELECT "id" FROM "a"',
            'CREATE TRIGGER "t" AFTER INSERT ON "b" BEGIN SELECT 1; END',
            'CREATE VIRTUAL TABLE "search" USING fts5("body")',
        ):
            db.execute(statement)
        statements: list[str] = []
        original = db.execute

        def recording(sql: str, params: object = None) -> None:
            statements.append(sql)
            original(sql, params)  # type: ignore[arg-type]

        db.execute = recording  # type: ignore[method-assign]
        empty_database(db)
        assert inspect_database(db).is_empty
        assert db.query("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") == []
        assert db.scalar("PRAGMA foreign_keys") == 1  # as it was
        drops = [s for s in statements if s.startswith("DROP")]
        begin, commit = statements.index("BEGIN"), statements.index("COMMIT")
        assert all(begin < statements.index(s) < commit for s in drops)
        assert drops[:3] == [  # the virtual table before its own shadow tables
            'DROP TRIGGER IF EXISTS "t"',
            'DROP VIEW IF EXISTS "v"',
            'DROP TABLE IF EXISTS "search"',
        ]
