"""Failure causes, read-only data diagnostics and generated data fixes, on real servers.

Each case makes a migration statement fail on the data, classifies the real failure record,
diagnoses it (every diagnostic's query run again must give the same rows), then applies a
generated data fix and shows that the failing statement then succeeds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import TestDatabase
from mend_core.database.runner import ScriptFailed, run_statements
from mend_core.database.session import Database, connect
from mend_core.errors import M7001, MendError
from mend_core.history.failure import FailureRecord
from mend_core.project.target import parse_url
from mend_core.recovery.cause import FailureCause, classify_cause
from mend_core.recovery.data_fix import DataFixTemplate, dedupe, template, templates
from mend_core.recovery.diagnostics import Diagnostic, diagnose
from mend_core.schema.changes import (
    CheckAdded,
    ColumnAdded,
    ColumnAltered,
    ForeignKeyAdded,
    IndexCreated,
    UniqueAdded,
)
from mend_core.schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    UniqueConstraint,
)
from test_formats import PRISMA_MYSQL_LOGS, PRISMA_POSTGRES_LOGS


# -- helpers ------------------------------------------------------------------------------------
def quote(db: TestDatabase, name: str) -> str:
    if db.dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def session(db: TestDatabase) -> Iterator[Database]:
    with connect(parse_url(db.url, base_dir=Path("/"))) as s:
        yield s


def run(s: Database, sql: str) -> None:
    run_statements(s, s.dialect.split(sql))


def failure(s: Database, sql: str) -> FailureRecord:
    with pytest.raises(ScriptFailed) as caught:
        run(s, sql)
    return caught.value.record


def normalised(rows: Any) -> list[tuple[Any, ...]]:
    return [tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows]


def assert_runnable(s: Database, diagnostics: list[Diagnostic]) -> None:
    """Each query, run again as shown, gives the rows the diagnostic shows."""
    for diagnostic in diagnostics:
        assert list(diagnostic.sample) == normalised(s.query(diagnostic.query))
        if diagnostic.total_query:
            assert int(s.query(diagnostic.total_query)[0][0]) == diagnostic.count
        json.dumps(diagnostic.to_json())


def key_list(value: Any) -> set[int]:
    """A group's row keys: a PostgreSQL array, or MySQL's/SQLite's comma-separated text."""
    if isinstance(value, str):
        return {int(v) for v in value.split(",")}
    return {int(v) for v in value}


def apply_fix(s: Database, fix: DataFixTemplate, **values: str) -> None:
    sql = fix.sql
    for placeholder, value in zip(fix.placeholders, values.values(), strict=True):
        sql = sql.replace(placeholder, value)
    run(s, sql)


def unique_index(table: str, name: str, *columns: str) -> IndexCreated:
    return IndexCreated(table, Index(name, tuple(IndexColumn(c) for c in columns), unique=True))


def seed_users(db: TestDatabase) -> None:
    q = db.q
    db.sql(f"CREATE TABLE {q('User')} (id INTEGER PRIMARY KEY, name VARCHAR(50))")
    db.sql(
        f"INSERT INTO {q('User')} (id, name) VALUES "
        "(1, 'paul'), (2, 'paul'), (3, 'anna'), (4, NULL), (5, NULL)"
    )


def create_name_index(db: TestDatabase) -> str:
    return f"CREATE UNIQUE INDEX {db.q('User_name_key')} ON {db.q('User')}(name);"


SEED_CHANGES = [unique_index("User", "User_name_key", "name")]


# -- the seed's case ----------------------------------------------------------------------------
def test_seed_case_classified_and_diagnosed_from_a_real_failure(db: TestDatabase):
    seed_users(db)
    with session(db) as s:
        record = failure(s, create_name_index(db))
        cause = classify_cause(record, db.dialect, SEED_CHANGES)
        assert (cause.kind, cause.table, cause.columns) == ("duplicates", "User", ("name",))
        assert cause.index_or_constraint == "User_name_key" and cause.data_caused
        assert "User_name_key" in cause.describe()
        found = diagnose(s, cause)
        assert_runnable(s, found)
    [diagnostic] = found
    assert diagnostic.kind == "duplicates" and diagnostic.count == 1
    assert diagnostic.headers == ("name", "rows", "id")
    [(value, rows, ids)] = diagnostic.sample
    assert (value, rows, key_list(ids)) == ("paul", 2, {1, 2})
    assert diagnostic.summary == (
        "1 value of `User.name` is shared by 2 rows, blocking unique index `User_name_key`."
    )
    assert "LIMIT 20" in diagnostic.query and diagnostic.total_query is not None
    assert "count(*)" in diagnostic.total_query.lower()


@pytest.mark.parametrize("strategy", ["delete-keep-first", "suffix"])
def test_dedupe_strategies_let_the_unique_index_be_built(db: TestDatabase, strategy: str):
    seed_users(db)
    with session(db) as s:
        cause = classify_cause(failure(s, create_name_index(db)), db.dialect, SEED_CHANGES)
        fix = dedupe(s, cause, strategy)  # type: ignore[arg-type]
        assert fix.rows_affected_now == 1 and not fix.needs_editing
        assert fix.sql.startswith(f"-- mend data fix `{strategy}`")
        assert "1 row now" in fix.sql and fix.sql.rstrip().endswith(";")
        apply_fix(s, fix)
        run(s, create_name_index(db))
    names = sorted(
        (r[0], r[1]) for r in db.sql(f"SELECT id, name FROM {db.q('User')}") if r[1] is not None
    )
    if strategy == "suffix":
        assert names == [(1, "paul"), (2, "paul_2"), (3, "anna")]
    else:
        assert names == [(1, "paul"), (3, "anna")]
    assert len(db.sql(f"SELECT id FROM {db.q('User')} WHERE name IS NULL")) == 2


def test_templates_offer_both_dedupe_strategies(db: TestDatabase):
    seed_users(db)
    with session(db) as s:
        cause = classify_cause(failure(s, create_name_index(db)), db.dialect, SEED_CHANGES)
        offered = templates(s, cause)
        assert [t.name for t in offered] == ["delete-keep-first", "suffix"]
        assert all(t.rows_affected_now == 1 for t in offered)
        assert template(s, cause, "suffix").sql == offered[1].sql
        with pytest.raises(MendError) as caught:
            template(s, cause, "set-value")
        assert caught.value.code == M7001
        assert all(json.dumps(t.to_json()) for t in offered)


# -- classification from logs -------------------------------------------------------------------
PRISMA_SQLITE_LOGS = """SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: User.name
   0: sql_schema_connector::apply_migration::apply_script
           with migration_name="20240103000000_unique"
             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113
"""

PRISMA_LOGS = {
    "postgresql": PRISMA_POSTGRES_LOGS,
    "mysql": PRISMA_MYSQL_LOGS,
    "sqlite": PRISMA_SQLITE_LOGS,
}


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_classifies_prismas_logs(dialect: str):
    record = FailureRecord.from_logs(PRISMA_LOGS[dialect])
    assert record.source == "prisma"
    cause = classify_cause(record, dialect, SEED_CHANGES)
    assert (cause.kind, cause.table, cause.columns) == ("duplicates", "User", ("name",))
    assert cause.index_or_constraint == "User_name_key"
    alone = classify_cause(record, dialect, [])
    assert alone.kind == "duplicates" and alone.data_caused
    if dialect == "sqlite":  # SQLite names the table and column, not the index
        assert (alone.table, alone.columns) == ("User", ("name",))
    else:  # the servers name the index, not the table
        assert alone.index_or_constraint == "User_name_key"
    if dialect == "postgresql":
        assert (alone.columns, alone.key_values) == (("name",), "paul")


def test_the_message_names_which_of_several_changes_failed():
    changes = [
        unique_index("User", "User_email_key", "email"),
        UniqueAdded("User", UniqueConstraint("User_name_key", ("name",))),
    ]
    record = FailureRecord.from_logs(PRISMA_MYSQL_LOGS)
    assert classify_cause(record, "mysql", changes).columns == ("name",)
    sqlite = FailureRecord(
        "mend", "SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: User.name", "2067"
    )
    assert classify_cause(sqlite, "sqlite", changes).index_or_constraint == "User_name_key"


def test_a_killed_run_and_schema_errors_are_not_data_causes():
    killed = classify_cause(FailureRecord.from_logs(None), "postgresql", SEED_CHANGES)
    assert (killed.kind, killed.table, killed.data_caused) == ("other", "User", False)
    assert "killed" in killed.describe()
    cases = [
        ("postgresql", "42601", 'ERROR: syntax error at or near "THIS"', "syntax"),
        ("postgresql", "42P07", 'ERROR: relation "User" already exists', "exists"),
        ("mysql", "1146", "Table 'db.Nope' doesn't exist", "missing_object"),
        ("mysql", "1215", "Cannot add foreign key constraint", "other"),
        ("sqlite", "1", 'SQLITE_ERROR: near "THIS": syntax error', "syntax"),
        ("sqlite", "SQLITE_ERROR", "SQLITE_ERROR: no such table: Nope", "missing_object"),
        ("sqlite", None, "table User already exists", "exists"),
    ]
    for dialect, code, message, kind in cases:
        cause = classify_cause(FailureRecord("mend", message, code), dialect, [])
        assert (cause.kind, cause.data_caused) == (kind, False), (dialect, code)
        assert message in cause.describe()


def test_codes_and_messages_per_dialect():
    altered = ColumnAltered(
        "User", Column("name", "varchar(50)"), Column("name", "varchar(50)", False)
    )
    narrowed = ColumnAltered("User", Column("name", "varchar(50)"), Column("name", "varchar(2)"))
    truncated = FailureRecord("mend", "Data truncated for column 'name' at row 1", "1265")
    # MariaDB says 1265 for NULLs met by MODIFY ... NOT NULL and for values too long alike.
    assert classify_cause(truncated, "mysql", [altered]).kind == "nulls"
    too_long = classify_cause(truncated, "mysql", [narrowed])
    assert (too_long.kind, too_long.target_type) == ("type", "varchar(2)")
    foreign = FailureRecord(
        "mend",
        "Cannot add or update a child row: a foreign key constraint fails (`db`.`#sql-alter-1`, "
        "CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `User` (`id`))",
        "1452",
    )
    orphans = classify_cause(foreign, "mysql", [])
    assert (orphans.kind, orphans.table, orphans.columns) == ("orphans", None, ("authorId",))
    assert (orphans.referenced_table, orphans.referenced_columns) == ("User", ("id",))
    assert orphans.index_or_constraint == "Post_authorId_fkey"
    check = FailureRecord("mend", "CONSTRAINT `age_check` failed for `db`.`User`", "4025")
    assert classify_cause(check, "mysql", []).table == "User"
    quoted = FailureRecord(
        "mend",
        'ERROR: could not create unique index "k"',
        "23505",
        detail='Key ("First Name", b)=(x, 1) is duplicated.',
    )
    assert classify_cause(quoted, "postgresql", []).columns == ("First Name", "b")
    no_code = FailureRecord("prisma", "ERROR: canceling statement due to lock timeout")
    assert classify_cause(no_code, "postgresql", [altered]).kind == "lock"
    assert classify_cause(no_code, "postgresql", [altered]).table == "User"
    busy = FailureRecord("mend", "SQLITE_BUSY: database is locked", "5")
    assert classify_cause(busy, "sqlite", []).kind == "lock"


# -- duplicates: composite keys, NULLs, keys, expressions ---------------------------------------
def test_each_family_reads_its_own_failures(db: TestDatabase):
    """The dialect answers what its database's error says: the kind from its code (its message
    only without a code) and the table and columns its message names (MySQL's names no table)."""
    q = db.q
    db.sql(f"CREATE TABLE {q('Pet')} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)")
    with session(db) as s:
        record = failure(s, f"INSERT INTO {q('Pet')} (id, name) VALUES (1, NULL);")
        family = s.dialect
        message = record.message or ""
        assert record.error_code and family.failure_kind(record.error_code, message) == "nulls"
        assert family.failure_kind(None, message) == "nulls"
        assert family.failure_kind("no code of any family", message) is None
        clues = family.error_clues(message, record.detail)
        assert clues.columns == ("name",)
        assert clues.table == (None if db.dialect == "mysql" else "Pet")
        cause = classify_cause(record, db.dialect, [])
        assert (cause.kind, cause.table, cause.columns) == ("nulls", clues.table, ("name",))


def test_composite_unique_key_ignores_null_keys(db: TestDatabase):
    q = db.q
    db.sql(f"CREATE TABLE {q('T')} (id INTEGER PRIMARY KEY, a VARCHAR(10), b INTEGER)")
    db.sql(
        f"INSERT INTO {q('T')} (id, a, b) VALUES (1, 'x', 1), (2, 'x', 1), (3, 'x', 1), "
        "(4, 'y', 2), (5, 'y', 2), (6, 'x', NULL), (7, 'x', NULL), (8, NULL, 1), (9, NULL, 1)"
    )
    create = f"CREATE UNIQUE INDEX {q('T_a_b_key')} ON {q('T')}(a, b);"
    with session(db) as s:
        record = failure(s, create)
        cause = classify_cause(record, db.dialect, [unique_index("T", "T_a_b_key", "a", "b")])
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert found.count == 2 and found.headers == ("a", "b", "rows", "id")
        assert [(r[0], r[1], r[2], key_list(r[3])) for r in found.sample] == [
            ("x", 1, 3, {1, 2, 3}),
            ("y", 2, 2, {4, 5}),
        ]
        assert found.summary.startswith("2 combinations of `T` (a, b) are shared by 5 rows")
        apply_fix(s, dedupe(s, cause, "delete-keep-first"))
        run(s, create)
    assert sorted(r[0] for r in db.sql(f"SELECT id FROM {q('T')}")) == [1, 4, 6, 7, 8, 9]


def test_a_table_without_a_key(db: TestDatabase):
    q = db.q
    db.sql(f"CREATE TABLE {q('Tag')} (label VARCHAR(20), note VARCHAR(20))")
    db.sql(f"INSERT INTO {q('Tag')} VALUES ('a', '1'), ('a', '2'), ('b', '3'), ('a', '4')")
    create = f"CREATE UNIQUE INDEX {q('Tag_label_key')} ON {q('Tag')}(label);"
    with session(db) as s:
        cause = classify_cause(
            failure(s, create), db.dialect, [unique_index("Tag", "Tag_label_key", "label")]
        )
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert found.count == 1 and found.sample[0][:2] == ("a", 3)
        if db.dialect == "mysql":
            assert found.headers == ("label", "rows")
            with pytest.raises(MendError) as caught:
                dedupe(s, cause, "delete-keep-first")
            assert caught.value.code == M7001 and "--data-fix" in caught.value.hint
            assert templates(s, cause) == []
            return
        assert found.headers == ("label", "rows", "ctid" if db.dialect == "postgresql" else "rowid")
        apply_fix(s, dedupe(s, cause, "suffix"))
        run(s, create)
    assert len(db.sql(f"SELECT label FROM {q('Tag')} WHERE label LIKE 'a%'")) == 3


def test_a_unique_key_of_not_null_columns_tells_rows_apart(db: TestDatabase):
    q = db.q
    db.sql(f"CREATE TABLE {q('Acct')} (code VARCHAR(10) NOT NULL, email VARCHAR(50))")
    db.sql(f"CREATE UNIQUE INDEX {q('Acct_code_key')} ON {q('Acct')}(code)")
    db.sql(f"INSERT INTO {q('Acct')} VALUES ('c1', 'a@x'), ('c2', 'a@x'), ('c3', 'b@x')")
    create = f"CREATE UNIQUE INDEX {q('Acct_email_key')} ON {q('Acct')}(email);"
    with session(db) as s:
        changes = [unique_index("Acct", "Acct_email_key", "email")]
        cause = classify_cause(failure(s, create), db.dialect, changes)
        [found] = diagnose(s, cause)
        assert found.headers == ("email", "rows", "code")
        fix = dedupe(s, cause, "delete-keep-first")
        assert "lowest code" in fix.description
        apply_fix(s, fix)
        run(s, create)
    assert sorted(r[0] for r in db.sql(f"SELECT code FROM {q('Acct')}")) == ["c1", "c3"]


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_expression_and_partial_unique_indexes(db: TestDatabase):
    q = db.q
    db.sql(f"CREATE TABLE {q('U')} (id INTEGER PRIMARY KEY, email VARCHAR(50), active INTEGER)")
    db.sql(
        f"INSERT INTO {q('U')} VALUES (1, 'A@x', 1), (2, 'a@x', 1), (3, 'b@x', 1), "
        "(4, 'b@x', 0), (5, 'B@x', 0)"
    )
    create = f"CREATE UNIQUE INDEX {q('U_email')} ON {q('U')} (lower(email)) WHERE active = 1;"
    index = Index("U_email", (IndexColumn("lower(email)", is_expression=True),), True, "active = 1")
    with session(db) as s:
        cause = classify_cause(failure(s, create), db.dialect, [IndexCreated("U", index)])
        assert cause.predicate == "active = 1"
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert (found.count, found.sample[0][0:2]) == (1, ("a@x", 2))
        offered = templates(s, cause)
        assert [t.name for t in offered] == ["delete-keep-first"]  # no suffix on an expression
        apply_fix(s, offered[0])
        run(s, create)
    assert sorted(r[0] for r in db.sql(f"SELECT id FROM {q('U')}")) == [1, 3, 4, 5]


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_mysql_prefix_unique_index(db: TestDatabase):
    db.sql("CREATE TABLE `U` (id INTEGER PRIMARY KEY, email VARCHAR(50))")
    db.sql("INSERT INTO `U` VALUES (1, 'abc1'), (2, 'abc2'), (3, 'abd'), (4, NULL)")
    create = "CREATE UNIQUE INDEX `U_email` ON `U` (email(3));"
    index = Index("U_email", (IndexColumn("`email`(3)", is_expression=True),), True)
    with session(db) as s:
        cause = classify_cause(failure(s, create), "mysql", [IndexCreated("U", index)])
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert (found.count, found.sample[0][:2]) == (1, ("abc", 2))
        assert [t.name for t in templates(s, cause)] == ["delete-keep-first"]
        apply_fix(s, dedupe(s, cause, "delete-keep-first"))
        run(s, create)
    assert sorted(r[0] for r in db.sql("SELECT id FROM `U`")) == [1, 3, 4]


def test_awkward_identifiers_are_quoted(db: TestDatabase):
    def q(name: str) -> str:
        return quote(db, name)

    table, column = 'My "Odd" Table', "First Name%"
    db.sql(f"CREATE TABLE {q(table)} ({q('Key Id')} INTEGER PRIMARY KEY, {q(column)} VARCHAR(30))")
    db.sql(f"INSERT INTO {q(table)} VALUES (1, 'it''s 100%'), (2, 'it''s 100%'), (3, 'x')")
    create = f"CREATE UNIQUE INDEX {q('odd key')} ON {q(table)}({q(column)});"
    with session(db) as s:
        cause = classify_cause(
            failure(s, create), db.dialect, [unique_index(table, "odd key", column)]
        )
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert found.sample[0][:2] == ("it's 100%", 2)
        fix = dedupe(s, cause, "suffix")
        apply_fix(s, fix)
        run(s, create)
    assert sorted(r[0] for r in db.sql(f"SELECT {q(column)} FROM {q(table)}")) == [
        "it's 100%",
        "it's 100%_2",
        "x",
    ]


# -- NULLs --------------------------------------------------------------------------------------
def _nullable_ages(db: TestDatabase) -> None:
    q = db.q
    db.sql(f"CREATE TABLE {q('User')} (id INTEGER PRIMARY KEY, age INTEGER)")
    db.sql(f"INSERT INTO {q('User')} VALUES (1, 30), (2, NULL), (3, NULL)")


def _make_age_not_null(db: TestDatabase) -> str:
    q = db.q
    if db.dialect == "postgresql":
        return f"ALTER TABLE {q('User')} ALTER COLUMN age SET NOT NULL;"
    if db.dialect == "mysql":
        return f"ALTER TABLE {q('User')} MODIFY age INTEGER NOT NULL;"
    # Prisma's SQLite redefinition; the failing statement is the copy into new_User.
    return (
        'CREATE TABLE "new_User" (id INTEGER PRIMARY KEY, age INTEGER NOT NULL);\n'
        '-- copy the rows\nINSERT INTO "new_User" (id, age) SELECT id, age FROM "User";'
    )


AGE_NOT_NULL = [ColumnAltered("User", Column("age", "integer"), Column("age", "integer", False))]


@pytest.mark.parametrize("name", ["set-value", "delete-null-rows"])
def test_null_rows_block_not_null(db: TestDatabase, name: str):
    _nullable_ages(db)
    with session(db) as s:
        record = failure(s, _make_age_not_null(db))
        cause = classify_cause(record, db.dialect, AGE_NOT_NULL)
        assert (cause.kind, cause.table, cause.columns) == ("nulls", "User", ("age",))
        assert not cause.column_added
        if db.dialect == "sqlite":  # the message names new_User; the rows live in User
            assert classify_cause(record, "sqlite", []).table == "User"
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert (found.count, found.headers, found.sample) == (
            2,
            ("id", "age"),
            ((2, None), (3, None)),
        )
        assert found.summary == "2 rows of `User` have NULL in `age`, blocking making it NOT NULL."
        fix = template(s, cause, name)
        if name == "set-value":
            assert fix.needs_editing and fix.placeholders == ("<<VALUE FOR age>>",)
            with pytest.raises(ScriptFailed):  # unedited, it is a syntax error
                run(s, fix.sql)
            apply_fix(s, fix, age="0")
        else:
            apply_fix(s, fix)
        if db.dialect == "sqlite":
            run(s, 'INSERT INTO "new_User" (id, age) SELECT id, age FROM "User";')
        else:
            run(s, _make_age_not_null(db))


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_not_null_column_added_without_default(db: TestDatabase):
    _nullable_ages(db)
    added = [ColumnAdded("User", Column("score", "integer", nullable=False))]
    with session(db) as s:
        record = failure(s, f"ALTER TABLE {db.q('User')} ADD COLUMN score INTEGER NOT NULL;")
        if db.dialect == "sqlite":  # SQLITE_ERROR, in words only
            assert record.error_code == "1" and "Cannot add a NOT NULL column" in record.message
        else:
            assert record.error_code == "23502"
        cause = classify_cause(record, db.dialect, added)
        assert (cause.kind, cause.columns, cause.column_added) == ("nulls", ("score",), True)
        assert "cannot be added without a default" in cause.describe()
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert (found.kind, found.count, found.sample) == ("rows", 3, ((1,), (2,), (3,)))
        assert "the table's row count" in found.summary
        assert templates(s, cause) == []
        with pytest.raises(MendError) as caught:
            template(s, cause, "set-value")
        assert caught.value.code == M7001


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_mariadb_adds_a_not_null_column_to_rows_without_failing(db: TestDatabase):
    """MariaDB fills the rows with the type's implicit default: no failure to diagnose."""
    _nullable_ages(db)
    with session(db) as s:
        run(s, "ALTER TABLE `User` ADD COLUMN score INTEGER NOT NULL;")
    assert {r[0] for r in db.sql("SELECT score FROM `User`")} == {0}


# -- orphans ------------------------------------------------------------------------------------
def _posts_with_orphans(db: TestDatabase) -> None:
    q = db.q
    db.sql(f"CREATE TABLE {q('User')} (id INTEGER PRIMARY KEY)")
    # SQLite adds a foreign key only by redefining the table, without checking the rows: here
    # it is declared, and the orphans were written with foreign keys off (SQLite's default).
    references = f" REFERENCES {q('User')}(id)" if db.dialect == "sqlite" else ""
    db.sql(
        f"CREATE TABLE {q('Post')} (id INTEGER PRIMARY KEY, {q('authorId')} INTEGER{references})"
    )
    db.sql(f"INSERT INTO {q('User')} VALUES (1), (2)")
    db.sql(f"INSERT INTO {q('Post')} VALUES (10, 1), (11, 99), (12, NULL), (13, 98), (14, 2)")


POST_AUTHOR = ForeignKey("Post_authorId_fkey", ("authorId",), "User", ("id",))


def _add_foreign_key(db: TestDatabase) -> str:
    q = db.q
    return (
        f"ALTER TABLE {q('Post')} ADD CONSTRAINT {q('Post_authorId_fkey')} FOREIGN KEY "
        f"({q('authorId')}) REFERENCES {q('User')}(id);"
    )


@pytest.mark.parametrize("name", ["delete-orphans", "unlink-orphans"])
def test_orphans_block_a_foreign_key(db: TestDatabase, name: str):
    _posts_with_orphans(db)
    with session(db) as s:
        if db.dialect == "sqlite":  # SQLite checks foreign keys on writes only
            s.execute("PRAGMA foreign_keys = ON")
            record = failure(s, 'INSERT INTO "Post" VALUES (15, 97);')
            assert record.error_code == "787"
            alone = classify_cause(record, "sqlite", [])
            assert (alone.kind, alone.table) == ("orphans", None)
            [listed] = diagnose(s, alone)  # SQLite's own foreign_key_check
            assert_runnable(s, [listed])
            assert listed.count == 2 and [r[:3] for r in listed.sample] == [
                ("Post", 11, "User"),
                ("Post", 13, "User"),
            ]
        else:
            record = failure(s, _add_foreign_key(db))
        cause = classify_cause(record, db.dialect, [ForeignKeyAdded("Post", POST_AUTHOR)])
        assert (cause.kind, cause.table, cause.columns) == ("orphans", "Post", ("authorId",))
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert (found.count, found.headers) == (2, ("id", "authorId"))
        assert found.sample == ((11, 99), (13, 98))
        assert "blocking foreign key `Post_authorId_fkey`" in found.summary
        fix = template(s, cause, name)
        assert fix.rows_affected_now == 2
        apply_fix(s, fix)
        if db.dialect == "sqlite":
            assert s.query("PRAGMA foreign_key_check") == []
        else:
            run(s, _add_foreign_key(db))
    remaining = sorted(db.sql(f"SELECT id, {db.q('authorId')} FROM {db.q('Post')}"), key=str)
    if name == "delete-orphans":
        assert [r[0] for r in remaining] == [10, 12, 14]
    else:
        assert sorted(r[0] for r in remaining if r[1] is None) == [11, 12, 13]


def test_self_referencing_orphans(db: TestDatabase):
    q = db.q
    db.sql(f"CREATE TABLE {q('Emp')} (id INTEGER PRIMARY KEY, boss INTEGER)")
    db.sql(f"INSERT INTO {q('Emp')} VALUES (1, NULL), (2, 1), (3, 7), (4, 3)")
    key = ForeignKey("Emp_boss_fkey", ("boss",), "Emp", ("id",))
    cause = FailureCause("orphans", "Emp", ("boss",), "Emp_boss_fkey", "Emp", ("id",))
    with session(db) as s:
        [found] = diagnose(s, cause)
        assert found.sample == ((3, 7),)
        fix = template(s, cause, "delete-orphans")
        assert "run it again" in fix.description
        apply_fix(s, fix)
        [again] = diagnose(s, cause)  # row 4 pointed at row 3: an orphan in turn
        assert again.sample == ((4, 3),)
        apply_fix(s, template(s, cause, "delete-orphans"))
        if db.dialect != "sqlite":
            run(
                s,
                f"ALTER TABLE {q('Emp')} ADD CONSTRAINT {q(key.name or '')} FOREIGN KEY (boss) "
                f"REFERENCES {q('Emp')}(id);",
            )
    assert sorted(r[0] for r in db.sql(f"SELECT id FROM {q('Emp')}")) == [1, 2]


# -- CHECK violators ----------------------------------------------------------------------------
def _add_age_check(db: TestDatabase) -> str:
    q = db.q
    if db.dialect == "sqlite":  # a redefinition: the copy into new_User meets the CHECK
        return (
            'CREATE TABLE "new_User" (id INTEGER PRIMARY KEY, age INTEGER, '
            "CONSTRAINT age_check CHECK (age >= 0));\n"
            'INSERT INTO "new_User" (id, age) SELECT id, age FROM "User";'
        )
    return f"ALTER TABLE {q('User')} ADD CONSTRAINT age_check CHECK (age >= 0);"


@pytest.mark.parametrize("name", ["delete-violators", "update-violators"])
def test_check_violators(db: TestDatabase, name: str):
    q = db.q
    db.sql(f"CREATE TABLE {q('User')} (id INTEGER PRIMARY KEY, age INTEGER, nick VARCHAR(9))")
    db.sql(
        f"INSERT INTO {q('User')} VALUES (1, 30, 'a'), (2, -1, 'b'), (3, NULL, 'c'), (4, -5, 'd')"
    )
    with session(db) as s:
        record = failure(s, _add_age_check(db))
        expected_code = {"postgresql": "23514", "mysql": "4025", "sqlite": "275"}[db.dialect]
        assert record.error_code == expected_code
        cause = classify_cause(
            record, db.dialect, [CheckAdded("User", CheckConstraint("age_check", "age >= 0"))]
        )
        assert (cause.kind, cause.table, cause.expression) == ("check", "User", "age >= 0")
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        # A NULL age passes the CHECK.
        assert (found.count, found.headers, found.sample) == (2, ("id", "age"), ((2, -1), (4, -5)))
        fix = template(s, cause, name)
        apply_fix(s, fix, **({"age": "0"} if fix.needs_editing else {}))
        if db.dialect == "sqlite":
            run(s, 'INSERT INTO "new_User" (id, age) SELECT id, age FROM "User";')
        else:
            run(s, _add_age_check(db))


# -- values too long ----------------------------------------------------------------------------
@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_values_too_long_for_a_narrower_type(db: TestDatabase):
    q = db.q
    db.sql(f"CREATE TABLE {q('User')} (id INTEGER PRIMARY KEY, name VARCHAR(50))")
    db.sql(f"INSERT INTO {q('User')} VALUES (1, 'al'), (2, 'paul'), (3, NULL)")
    shrink = (
        f"ALTER TABLE {q('User')} ALTER COLUMN name TYPE VARCHAR(2);"
        if db.dialect == "postgresql"
        else f"ALTER TABLE {q('User')} MODIFY name VARCHAR(2);"
    )
    narrowed = ColumnAltered("User", Column("name", "varchar(50)"), Column("name", "varchar(2)"))
    with session(db) as s:
        cause = classify_cause(failure(s, shrink), db.dialect, [narrowed])
        assert (cause.kind, cause.target_type, cause.data_caused) == ("type", "varchar(2)", True)
        [found] = diagnose(s, cause)
        assert_runnable(s, [found])
        assert (found.count, found.sample) == (1, ((2, "paul", 4),))
        apply_fix(s, template(s, cause, "truncate-values"))
        run(s, shrink)
    assert sorted(db.sql(f"SELECT name FROM {q('User')} WHERE id = 2")) == [("pa",)]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_count_that_takes_too_long_is_cut_short(db: TestDatabase, monkeypatch: Any):
    db.sql('CREATE TABLE "Big" (id INTEGER PRIMARY KEY, name TEXT)')
    db.sql("INSERT INTO \"Big\" SELECT g, 'n' || (g % 1000) FROM generate_series(1, 300000) AS g")
    cause = FailureCause("duplicates", "Big", ("name",), "Big_name_key")
    with session(db) as s:
        monkeypatch.setattr("mend_core.database.row_counts.COUNT_SECONDS", 0.001)
        [slow] = diagnose(s, cause)
        assert (slow.count, slow.sample) == (None, ())
        assert "took too long" in slow.summary and "count(*)" in slow.query
        fix = dedupe(s, cause, "delete-keep-first")
        assert fix.rows_affected_now is None and "unknown number of rows" in fix.sql
        monkeypatch.undo()
        assert s.scalar("SHOW statement_timeout") == "0"  # the limit does not outlive the query
        [found] = diagnose(s, cause)
        assert (found.count, found.sample[0][1]) == (1000, 300)


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_a_count_that_takes_too_long_is_cut_short_on_mariadb(db: TestDatabase, monkeypatch: Any):
    """max_statement_time's error (1969) is the MySQL family's timeout code, as 57014 is
    PostgreSQL's: the count is cut short, then counted whole once the limit is lifted."""
    db.sql("CREATE TABLE `Big` (id INTEGER PRIMARY KEY, name TEXT)")
    db.sql("INSERT INTO `Big` SELECT seq, CONCAT('n', seq % 1000) FROM seq_1_to_300000")
    cause = FailureCause("duplicates", "Big", ("name",), "Big_name_key")
    with session(db) as s:
        monkeypatch.setattr("mend_core.database.row_counts.COUNT_SECONDS", 0.001)
        [slow] = diagnose(s, cause)
        assert (slow.count, slow.sample) == (None, ())
        assert "took too long" in slow.summary
        monkeypatch.undo()
        assert float(s.scalar("SELECT @@max_statement_time")) == 0  # not outliving the query
        [found] = diagnose(s, cause)
        assert (found.count, found.sample[0][1]) == (1000, 300)


# -- locks --------------------------------------------------------------------------------------
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_lock_wait_on_postgresql_names_the_holder(db: TestDatabase):
    import psycopg

    db.sql('CREATE TABLE "User" (id INTEGER PRIMARY KEY)')
    holder = psycopg.connect(db.url, autocommit=True)
    try:
        holder.execute("BEGIN")
        holder.execute('SELECT * FROM "User"').fetchall()
        row = holder.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        pid = row[0]
        with session(db) as s:
            s.execute("SET lock_timeout = '200ms'")
            record = failure(s, 'ALTER TABLE "User" ADD COLUMN x INTEGER;')
            assert record.error_code == "55P03"
            added = [ColumnAdded("User", Column("x", "integer"))]
            cause = classify_cause(record, "postgresql", added)
            assert (cause.kind, cause.table, cause.data_caused) == ("lock", "User", False)
            [locks] = diagnose(s, cause)
            assert_runnable(s, [locks])
            assert locks.kind == "locks" and (pid, "AccessShareLock", True) in [
                r[:3] for r in locks.sample
            ]
            assert f"held by pid {pid} (AccessShareLock, idle in transaction)" in locks.summary
            [open_transactions] = diagnose(s, FailureCause("lock"))
            assert pid in [r[0] for r in open_transactions.sample]
            assert templates(s, cause) == []
        holder.execute("ROLLBACK")
        with session(db) as s:
            [none] = diagnose(s, cause)
            assert none.count == 0 and "has been released" in none.summary
    finally:
        holder.close()


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
@pytest.mark.parametrize("wait", ["metadata", "row"])
def test_lock_wait_on_mariadb_names_the_open_transaction(db: TestDatabase, wait: str):
    from conftest import _mysql_connect

    db.sql("CREATE TABLE `User` (id INTEGER PRIMARY KEY, name VARCHAR(9))")
    db.sql("INSERT INTO `User` VALUES (1, 'a')")
    holder = _mysql_connect(db.url, db.name)
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT CONNECTION_ID()")
            thread = cursor.fetchone()[0]
            cursor.execute("BEGIN")
            if wait == "metadata":
                cursor.execute("SELECT * FROM `User`")
            else:
                cursor.execute("UPDATE `User` SET name = 'b' WHERE id = 1")
        with session(db) as s:
            if wait == "metadata":
                s.execute("SET SESSION lock_wait_timeout = 1")
                statement = "ALTER TABLE `User` ADD COLUMN x INTEGER;"
                changes: list[Any] = [ColumnAdded("User", Column("x", "int(11)"))]
            else:
                s.execute("SET SESSION innodb_lock_wait_timeout = 1")
                statement = "UPDATE `User` SET name = 'c' WHERE id = 1;"
                changes = []
            record = failure(s, statement)
            assert record.error_code == "1205"
            cause = classify_cause(record, "mysql", changes)
            assert cause.kind == "lock"
            found = diagnose(s, cause)
            assert_runnable(s, found)
            [open_transactions] = [d for d in found if d.kind == "open-transactions"]
            [holding] = [r for r in open_transactions.sample if r[0] == thread]
            assert f"thread {thread}" in open_transactions.summary
            if wait == "row":
                assert holding[7] >= 1  # rows locked
        with holder.cursor() as cursor:
            cursor.execute("ROLLBACK")
    finally:
        holder.close()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_sqlite_lock_has_nothing_to_query(db: TestDatabase):
    busy = FailureRecord("mend", "SQLITE_BUSY: database is locked", "5")
    with session(db) as s:
        assert diagnose(s, classify_cause(busy, "sqlite", [])) == []


# -- what has nothing to diagnose ---------------------------------------------------------------
def test_nothing_to_diagnose(db: TestDatabase):
    with session(db) as s:
        syntax = FailureCause("syntax", message="syntax error")
        assert diagnose(s, syntax) == [] and templates(s, syntax) == []
        gone = FailureCause("duplicates", "Gone", ("name",), "Gone_name_key")
        assert diagnose(s, gone) == [] and templates(s, gone) == []
        with pytest.raises(MendError) as caught:
            dedupe(s, gone, "delete-keep-first")
        assert caught.value.code == M7001
        with pytest.raises(MendError):
            dedupe(s, syntax, "suffix")
        with pytest.raises(MendError) as caught:
            dedupe(s, None, "suffix")
        assert caught.value.code == M7001
