"""Behaviour kept by the speed fixes ("Speed found short"): a given shadow database emptied in a
few statements and truly empty; `status --json` formatting timestamps without decoding each
one; the checksum cache bounded. (The speeds themselves are measured in benchmarks/.)"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import DIALECTS, Project, TestDatabase
from mend_core.database.session import connect
from mend_core.errors import MendError
from mend_core.history.status import StatusReport, TimestampText, _iso, get_status
from mend_core.project.target import parse_url
from mend_core.schema.diff import diff_sources
from mend_core.schema.inspect import inspect_database
from mend_core.schema.shadow import _catalog, empty_database
from mend_core.schema.sources import SchemaSource, ShadowOptions
from schema_support import inspect

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
    from mend_core.database.session import Database
    from mend_core.dialects.errors import DatabaseError, DbError
    from mend_core.schema import inspect_postgresql

    for n in range(30):
        parent = f"REFERENCES t{n - 1}(id)" if n else ""
        db.sql(f"CREATE TABLE t{n} (id INT PRIMARY KEY, parent INT {parent})")
    # Foreign tables (their own DROP), and more other objects than a batch holds.
    db.sql("CREATE EXTENSION file_fdw")
    db.sql("CREATE SERVER files FOREIGN DATA WRAPPER file_fdw")
    for n in range(3):
        db.sql(f"CREATE FOREIGN TABLE f{n} (x INT) SERVER files OPTIONS (filename '/dev/null')")
    for n in range(12):
        db.sql(f"CREATE SEQUENCE s{n}")
        db.sql(f"CREATE VIEW v{n} AS SELECT id FROM t{n}")
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
        assert _catalog("postgresql")[0](session) == set()
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


# -- `status --json`: timestamps formatted from the raw values, the same text -------------------
def _decoders() -> dict[str, Callable[[object], datetime | None]]:
    from mend_core.dialects import dialect_for
    from mend_core.history.table import HistoryRow

    decoders = {name: dialect_for(name).decode_timestamp for name in DIALECTS}
    decoders["none"] = HistoryRow._field_defaults["decode"]  # rows built without a dialect
    return decoders


RAW_TIMESTAMPS: list[object] = [
    # integer milliseconds (SQLite), on the boundaries of milliseconds, minutes, days, years
    0,
    1,
    999,
    1000,
    59_999,
    60_000,
    86_399_999,
    1_700_000_000_005,
    1_704_067_199_999,
    1_704_067_200_000,
    2**32 * 1000 - 1,  # the last the fast path formats
    2**32 * 1000,
    -1,
    -86_400_001,
    # float milliseconds, digits as text
    1_700_000_000_005.7,
    0.5,
    -0.5,
    "1700000000005",
    " 1700000000005 ",
    "-1000",
    # ISO text: space or T, fractions, Z, offsets, UTC
    "2023-11-14 22:13:20",
    "2023-11-14 22:13:20.005",
    "2023-11-14T22:13:20.005",
    "2023-11-14T22:13:20.005Z",
    "2023-11-14T22:13:20Z",
    "2023-11-14T22:13:20z",
    "2023-11-14 22:13:20.005+00:00",
    "2023-11-14 22:13:20 UTC",
    "2023-11-14T23:13:20.005+01:00",
    "2023-11-14T22:13:20.1",
    "2023-11-14T22:13:20.123456",
    "2023-11-14T22:13:20.1234567",
    " 2023-11-14 22:13:20 ",
    "2024-02-29 00:00:00",
    "2023-02-29 00:00:00",  # not a date
    "2023-11-14 24:00:00",
    "2023-11-14 23:59:60",
    "0000-01-01 00:00:00",
    "9999-12-31 23:59:59.999",
    # RFC 2822, and what is no timestamp at all
    "Tue, 14 Nov 2023 22:13:20 +0000",
    "Tue, 14 Nov 2023 23:13:20 +0100",
    "Tue, 14 Nov 2023 22:13:20 GMT",
    "yesterday",
    "",
    True,
    None,
    # datetimes, as PostgreSQL (aware) and MySQL (naive) drivers return them
    datetime(2023, 11, 14, 22, 13, 20, 5000),
    datetime(2023, 11, 14, 22, 13, 20, 999_999),
    datetime(2023, 11, 14, 22, 13, 20, 5000, tzinfo=UTC),
    datetime(2023, 11, 14, 23, 13, 20, 5000, tzinfo=timezone(timedelta(hours=1))),
    datetime(2023, 11, 14, 22, 13, 20, tzinfo=ZoneInfo("America/New_York")),
    datetime(2023, 3, 12, 2, 30, tzinfo=ZoneInfo("America/New_York")),  # in a DST gap
    datetime(1, 1, 1, 0, 0),
    datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
]


def _straightforward(raw: object, decode: Callable[[object], datetime | None]) -> object:
    """What status wrote before: decode to a datetime, then isoformat (or the error raised)."""
    try:
        return _iso(decode(raw))
    except Exception as error:  # noqa: BLE001 - compared, not hidden
        return type(error)


def _fast(text: TimestampText, raw: object, decode: Callable[[object], datetime | None]) -> object:
    try:
        return text(raw, decode)
    except Exception as error:  # noqa: BLE001 - compared, not hidden
        return type(error)


@pytest.mark.parametrize("decoder", ["sqlite", "postgresql", "mysql", "none"])
def test_timestamp_text_is_the_straightforward_text_for_every_raw_form(decoder: str):
    decode = _decoders()[decoder]
    text = TimestampText()
    for raw in RAW_TIMESTAMPS:
        assert _fast(text, raw, decode) == _straightforward(raw, decode), raw
    # Integer milliseconds across the whole range the fast path takes, twice (cached minutes).
    generator = random.Random(20261130)
    samples = [generator.randrange(0, 2**32 * 1000) for _ in range(20_000)]
    samples += [generator.randrange(1_600_000_000_000, 1_800_000_000_000) for _ in range(5_000)]
    for raw in samples + samples[:1000]:
        assert _fast(text, raw, decode) == _straightforward(raw, decode), raw


def _status_before(report: StatusReport) -> dict[str, Any]:
    """`status --json` as it was written before the fast path: every timestamp decoded into a
    datetime and formatted, from the classified migrations' own properties."""
    migrations = [
        {
            "name": m.name,
            "state": m.state.value,
            "edited": m.edited,
            "started_at": _iso(m.started_at),
            "finished_at": _iso(m.finished_at),
            "applied_steps_count": m.applied_steps_count,
            "logs": m.logs,
            "local": m.local is not None,
            "missing_script": m.missing_script,
            "rolled_back_attempts": m.rolled_back_attempts,
            "attempts": [
                {
                    "id": r.id,
                    "checksum": r.checksum,
                    "started_at": _iso(r.started_at),
                    "finished_at": _iso(r.finished_at),
                    "rolled_back_at": _iso(r.rolled_back_at),
                    "applied_steps_count": r.applied_steps_count,
                }
                for r in m.rows
            ],
        }
        for m in report.migrations
    ]
    summary = {
        "state": report.state.value,
        "exit_code": report.exit_code,
        "message": report.message,
        "next_step": report.next_step,
        "counts": report.counts(),
        "target": report.target,
        "url_source": report.url_source,
        "migrations_dir": str(report.migrations_dir),
        "history_table": report.history_table,
        "lock_holder": report.lock_holder,
        "running": list(report.running),
        "warnings": list(report.warnings),
    }
    removed = list(report.rolled_back_removed)
    return {"summary": summary, "migrations": migrations, "rolled_back_removed": removed}


def _history_of_every_kind(project: Project, db: TestDatabase) -> None:
    """Applied, failed (with logs), rolled back and applied again, edited, pending, missing
    locally, a name and logs that need escaping; rows by hand in each timestamp form the
    database can hold."""
    from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
    from mend_core.operations.resolve import Resolution, resolve

    q = db.q
    project.add("1_a", f"CREATE TABLE {q('a')} (x INT);\n")
    project.add('2_ünï "quoted"', f"CREATE TABLE {q('b')} (x INT);\n")
    project.add("3_bad", f"CREATE TABLE {q('c')} (x INT);\nCREATE INDEX i ON nowhere (x);\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    resolve(project.context(), Resolution.ROLLED_BACK, "3_bad")
    (project.migrations / "3_bad" / "migration.sql").write_text(f"CREATE TABLE {q('d')} (x INT);\n")
    project.add("4_fails", "CREATE INDEX j ON nowhere_\u00e9 (x);\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    (project.migrations / "1_a" / "migration.sql").write_text("-- edited\n")
    project.add("5_pending", f"CREATE TABLE {q('e')} (x INT);\n")
    table = q("_prisma_migrations")
    forms = ["'2024-01-02 03:04:05'", "'2024-01-02 03:04:05.678'"]
    if db.dialect == "sqlite":
        forms += [
            "'2024-01-02T03:04:05.123+00:00'",
            "'2024-01-02T04:04:05.123+01:00'",
            "'2024-01-02T03:04:05Z'",
            "'Tue, 02 Jan 2024 03:04:05 +0000'",
            "1704164645123",
            "1704164645123.9",
            "'1704164645123'",
        ]
    for position, started in enumerate(forms):
        db.sql(
            f"INSERT INTO {table} (id, checksum, migration_name, logs, started_at, finished_at, "
            f"applied_steps_count) VALUES ('id-{position}', 'x', 'hand_{position}', "
            f"'tab\there \"q\" \u00e9', {started}, {started}, 1)"
        )


def test_status_json_has_the_values_it_had_on_every_dialect(project: Project, db: TestDatabase):
    _history_of_every_kind(project, db)
    completed = project.mend("status", "--json", "--url", db.url)
    assert completed.returncode == 4, completed.stderr  # the failed migration
    shown = json.loads(completed.stdout)
    report = get_status(project.context())
    assert shown == _status_before(report)
    states = {m["name"]: m["state"] for m in shown["migrations"]}
    assert states["4_fails"] == "failed" and states["5_pending"] == "pending"
    assert states["hand_0"] == "missing_locally"
    assert all(
        m["started_at"] is None or m["started_at"].endswith("+00:00") for m in shown["migrations"]
    )
    # The text form, written without building dicts, is json.dumps' text to the byte.
    assert report.to_json_text() == json.dumps(report.to_json())
    assert completed.stdout == json.dumps(report.to_json()) + "\n"


# -- the checksum cache stays bounded -------------------------------------------------------------
def _sqlite_project(root: Path, migrations: int) -> Project:
    from mend_core.operations.deploy import SilentDeploy, deploy

    project = Project(root, f"file:{root / 'dev.db'}", "sqlite")
    project.lock("sqlite")
    for n in range(migrations):
        project.add(f"{n}_m", f'CREATE TABLE "t{n}" ("id" INTEGER);\n')
    deploy(project.context(), SilentDeploy())
    return project


def _cache_files(tmp_path: Path) -> set[Path]:
    return set((tmp_path / "cache" / "checksums").glob("*.marshal"))


def test_checksum_cache_keeps_the_most_recently_used_files_and_stays_correct(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import marshal
    import os
    import time

    from mend_core.history import checksum_cache
    from mend_core.history.checksum_cache import cache_path

    monkeypatch.setattr(checksum_cache, "MAX_FILES", 4)
    monkeypatch.setattr(checksum_cache, "MAX_ENTRIES", 3)
    monkeypatch.setattr(checksum_cache, "_SETTLE_NS", 0)  # scripts written just now are cached
    stale = tmp_path / "cache" / "checksums" / "gone.py311.123.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a write that crashed")
    os.utime(stale, (0, 0))
    projects = []
    for n in range(10):  # ten project folders, one after the other
        project = _sqlite_project(tmp_path / f"p{n}", migrations=5)
        assert get_status(project.context()).state.value == "in_sync"
        assert len(_cache_files(tmp_path)) <= 4
        projects.append(project)
    assert not stale.exists()

    def cache_of(project: Project) -> Path:
        path = cache_path(project.migrations)
        assert path is not None
        return path

    assert _cache_files(tmp_path) == {cache_of(p) for p in projects[-4:]}
    for path in _cache_files(tmp_path):  # at most MAX_ENTRIES checksums each
        assert len(marshal.loads(path.read_bytes())["entries"]) == 3
    # Last used an hour, two, three and four ago (the clock's tick is too coarse to tell
    # apart the uses of a test), then the oldest is used again: its file outlives newer ones.
    for age, project in enumerate(reversed(projects[-4:]), start=1):
        os.utime(cache_of(project), (time.time() - 3600 * age,) * 2)
    get_status(projects[6].context())
    newest = _sqlite_project(tmp_path / "p10", migrations=5)
    get_status(newest.context())
    kept = {cache_of(p) for p in (projects[6], projects[8], projects[9], newest)}
    assert _cache_files(tmp_path) == kept
    # Status stays right, whether a folder's checksums come from the cache or not.
    for project in (projects[0], projects[9], newest):
        (project.migrations / "4_m" / "migration.sql").write_text("-- edited after deploy\n")
        report = get_status(project.context())
        assert [m.name for m in report.migrations if m.edited] == ["4_m"]
        assert report.state.value == "diverged"
    assert len(_cache_files(tmp_path)) <= 4


def test_checksum_cache_default_bound_through_the_command(tmp_path: Path):
    """The real command with the real bounds: many folders, a bounded cache directory."""
    from mend_core.history import checksum_cache

    assert 8 <= checksum_cache.MAX_FILES <= 256 and checksum_cache.MAX_ENTRIES >= 10_000
    root = tmp_path / "many"
    for n in range(3):
        project = _sqlite_project(root / f"p{n}", migrations=2)
        completed = project.mend("status", "--json", "--url", project.url)
        assert completed.returncode == 0, completed.stderr
        assert json.loads(completed.stdout)["summary"]["counts"]["applied"] == 2
    assert len(_cache_files(tmp_path)) <= checksum_cache.MAX_FILES


# -- the faster inspectors read what they read before --------------------------------------------
@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_mariadb_columns_text_form_falls_back_when_a_value_holds_a_separator(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
):
    """COLUMNS is read as separator-joined text; a comment holding a separator must not shift
    the fields: the JSON form is read instead, and both forms give the same model."""
    from mend_core.schema import inspect_mysql

    db.sql(
        "CREATE TABLE `t` (`a` VARCHAR(10) DEFAULT '' COMMENT 'rows\x1eand\x1ffields', "
        "`b` INT NOT NULL, `c` TEXT, `d` INT AS (`b` + 1) VIRTUAL, `e` JSON, "
        "`f` VARCHAR(5) DEFAULT 'NULL', `g` INT AUTO_INCREMENT PRIMARY KEY)"
    )
    db.sql("CREATE TABLE `u` (`x` VARCHAR(3) DEFAULT 'a\x1fb' COMMENT '\x1e')")
    db.sql("CREATE TABLE `v` (`y` INT DEFAULT 0 COMMENT 'plain', `z` DATETIME(3) NULL)")
    with connect(parse_url(db.url, base_dir=Path("/"))) as session:
        assert inspect_mysql._column_text_rows(session) is None  # separators: not trusted
        fast = inspect_database(session)
        monkeypatch.setattr(inspect_mysql, "_column_text_rows", lambda _: None)
        assert inspect_database(session) == fast
        column = fast.table("t").column("a")  # type: ignore[union-attr]
        assert column is not None and column.comment == "rows\x1eand\x1ffields"
        db.sql("DROP TABLE `t`, `u`")
        monkeypatch.undo()
        assert inspect_mysql._column_text_rows(session) is not None  # the text form is used
        text_form = inspect_database(session)
        monkeypatch.setattr(inspect_mysql, "_column_text_rows", lambda _: None)
        assert inspect_database(session) == text_form
        assert [c.default for c in text_form.tables[0].columns] == ["0", None]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgres_inspection_of_the_shapes_the_faster_queries_special_case(db: TestDatabase):
    """Referenced columns of another schema's table, index keys mixing columns and
    expressions (with INCLUDE columns), table comments, defaults and generated columns."""
    db.sql("CREATE SCHEMA other")
    db.sql('CREATE TABLE other."Ref" ("k1" INT, "k2" TEXT, PRIMARY KEY ("k1", "k2"))')
    db.sql(
        'CREATE TABLE "Local" ("id" SERIAL PRIMARY KEY, "gone" INT, "code" TEXT UNIQUE, '
        '"made" TIMESTAMP(3) DEFAULT now(), "n" NUMERIC DEFAULT 1.5, "label" TEXT DEFAULT \'x\')'
    )
    db.sql('ALTER TABLE "Local" DROP COLUMN "gone"')  # a gap in the column numbers
    db.sql(
        'CREATE TABLE "T" ("a" INT, "b" TEXT, "c" INT GENERATED ALWAYS AS ("a" * 2) STORED, '
        '"local_id" INT REFERENCES "Local"("id") ON DELETE CASCADE, "code" TEXT, '
        '"r1" INT, "r2" TEXT, FOREIGN KEY ("r2", "r1") REFERENCES other."Ref"("k2", "k1"), '
        'FOREIGN KEY ("code") REFERENCES "Local"("code") ON UPDATE SET NULL)'
    )
    db.sql('CREATE INDEX "T_mixed" ON "T" ("b" DESC, lower("b"), "a") INCLUDE ("code")')
    db.sql("COMMENT ON TABLE \"T\" IS 'the table'")
    schema = inspect(db)
    table = schema.table("T")
    assert table is not None and table.comment == "the table"
    assert {(f.columns, f.referenced_table, f.referenced_columns) for f in table.foreign_keys} == {
        (("local_id",), "Local", ("id",)),
        (("r2", "r1"), "Ref", ("k2", "k1")),
        (("code",), "Local", ("code",)),
    }
    (index,) = table.indexes
    assert [(c.expression, c.descending, c.is_expression) for c in index.columns] == [
        ("b", True, False),
        ("lower(b)", False, True),
        ("a", False, False),
    ]
    generated = table.column("c")
    assert generated is not None and generated.generated == "(a * 2)" and generated.default is None
    local = schema.table("Local")
    assert local is not None
    assert [(c.name, c.default, c.autoincrement) for c in local.columns] == [
        ("id", None, True),
        ("code", None, False),
        ("made", "now()", False),
        ("n", "1.5", False),
        ("label", "'x'::text", False),
    ]
