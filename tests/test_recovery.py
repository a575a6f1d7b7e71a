"""The recovery engine on an incident corpus, both directions, three dialects, real servers.

Each incident ends with `mend status` clean (0) and `mend drift` showing only the unrelated
drift that was there before; after a roll back, the fixed migration deploys and the schema is
the one the migration intended.
"""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.operations.deploy import SilentDeploy, deploy
from mend_core.recovery.effects import Effect
from mend_core.recovery.plan import Direction
from recovery_support import Staged, stage


def text_type(db: TestDatabase) -> str:
    return "VARCHAR(191)" if db.dialect == "mysql" else "TEXT"


def seed_incident(project: Project, db: TestDatabase, hotfix: bool = False) -> Staged:
    """Prisma's guide: two users named 'paul', then Post + email + a unique name."""
    q, text = db.q, text_type(db)
    init = (
        f"CREATE TABLE {q('User')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('name')} {text} NOT NULL);\n"
    )
    rows = (
        f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES (1, 'paul');\n"
        f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES (2, 'paul');\n"
        f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES (3, 'anna');\n"
    )
    unique = (
        f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('title')} {text} NOT NULL);\n"
        f"ALTER TABLE {q('User')} ADD COLUMN {q('email')} {text};\n"
        f"CREATE UNIQUE INDEX {q('User_name_key')} ON {q('User')}({q('name')});\n"
    )
    hotfix_sql = (
        f"CREATE INDEX {q('User_name_idx')} ON {q('User')}({q('name')})" if hotfix else None
    )
    return stage(
        project,
        db,
        [("1_init", init), ("2_users", rows)],
        ("3_unique", unique),
        hotfix_sql,
    )


def test_seed_incident_analysis(project: Project, db: TestDatabase):
    staged = seed_incident(project, db)
    incident = staged.incident()
    effects = [e.effect for e in incident.effects]
    if db.dialect == "postgresql":  # one transaction: nothing stayed
        assert effects == [Effect.NOT_RUN, Effect.NOT_RUN, Effect.FAILED]
    else:
        assert effects == [Effect.TOOK_EFFECT, Effect.TOOK_EFFECT, Effect.FAILED]
    assert incident.failing_index == 3
    assert incident.cause is not None and incident.cause.kind == "duplicates"
    (duplicates,) = incident.diagnostics
    assert duplicates.count == 1 and duplicates.sample[0][0] == "paul"
    assert not incident.unrelated_keys


@pytest.mark.parametrize("hotfix", [False, True], ids=["alone", "with-hotfix"])
def test_seed_incident_roll_back_then_fix_and_deploy(
    project: Project, db: TestDatabase, hotfix: bool
):
    staged = seed_incident(project, db, hotfix)
    result = staged.recover(Direction.ROLL_BACK)
    assert result.verification.ok, result.verification.describe()
    assert staged.status_code() == 3  # pending again
    assert staged.drift() == staged.hotfix_drift
    assert {"Post"} & staged.db.tables() == set()
    # The operator fixes the migration (the duplicates are valid: no unique index) and deploys.
    q = db.q
    project.add(
        "3_unique",
        f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('title')} {text_type(db)} NOT NULL);\n"
        f"ALTER TABLE {q('User')} ADD COLUMN {q('email')} {text_type(db)};\n",
    )
    deploy(project.context(), SilentDeploy())
    assert staged.status_code() == 0
    assert staged.drift() == staged.hotfix_drift


@pytest.mark.parametrize("hotfix", [False, True], ids=["alone", "with-hotfix"])
def test_seed_incident_roll_forward_with_a_data_fix(
    project: Project, db: TestDatabase, hotfix: bool
):
    staged = seed_incident(project, db, hotfix)
    blocked = staged.plan(Direction.ROLL_FORWARD)
    assert blocked.blocked is not None and "data" in blocked.blocked
    q = db.q
    fix = f"DELETE FROM {q('User')} WHERE {q('id')} = 2;"
    result = staged.recover(Direction.ROLL_FORWARD, fix)
    assert result.verification.ok, result.verification.describe()
    assert staged.status_code() == 0
    assert staged.drift() == staged.hotfix_drift
    assert db.sql(f"SELECT {q('id')} FROM {q('User')} ORDER BY {q('id')}") == [(1,), (3,)]


def int_type(db: TestDatabase) -> str:
    return "INTEGER"


@pytest.mark.parametrize("direction", list(Direction))
def test_syntax_error_in_statement_3_of_5(project: Project, db: TestDatabase, direction: Direction):
    q = db.q
    tables = "".join(
        f"CREATE TABLE {q(n)} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n" for n in ("a", "b")
    )
    broken = tables + "CREATE TABLEX oops (x int);\n"
    broken += f"CREATE TABLE {q('d')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
    broken += f"CREATE INDEX {q('a_id_idx')} ON {q('a')} ({q('id')});\n"
    staged = stage(project, db, [], ("1_five", broken))
    incident = staged.incident()
    assert incident.failing_index == 3
    took = [e.statement.index for e in incident.effects if e.effect is Effect.TOOK_EFFECT]
    assert took == ([] if db.dialect == "postgresql" else [1, 2])
    forward = staged.plan(Direction.ROLL_FORWARD)
    assert forward.blocked is not None and "Statement 3 fails even on" in forward.blocked
    if direction is Direction.ROLL_FORWARD:
        # The operator fixes the statement; the plan reads the file again and finishes it.
        project.add("1_five", broken.replace("CREATE TABLEX oops", f"CREATE TABLE {q('c')}"))
        plan = staged.plan(Direction.ROLL_FORWARD)
        assert plan.blocked is None
        assert "Commit the edited" in plan.afterwards
    result = staged.recover(direction)
    assert result.verification.ok, result.verification.describe()
    if direction is Direction.ROLL_BACK:
        assert not {"a", "b"} & db.tables()
        project.add("1_five", broken.replace("CREATE TABLEX oops", f"CREATE TABLE {q('c')}"))
        deploy(project.context(), SilentDeploy())
    assert staged.status_code() == 0
    assert staged.drift() == []
    assert {"a", "b", "c", "d"} <= db.tables()


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
@pytest.mark.parametrize("direction", list(Direction))
def test_foreign_key_added_over_orphans(project: Project, db: TestDatabase, direction: Direction):
    """SQLite adds foreign keys by redefining the table with foreign_keys OFF, as Prisma does:
    orphans do not make it fail there, so this incident is PostgreSQL's and MySQL's."""
    q = db.q
    init = (
        f"CREATE TABLE {q('Author')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
        f"CREATE TABLE {q('Book')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('author_id')} INTEGER);\n"
        f"INSERT INTO {q('Author')} VALUES (1);\n"
        f"INSERT INTO {q('Book')} VALUES (1, 1), (2, 99), (3, NULL);\n"
    )
    fk = (
        f"CREATE INDEX {q('Book_author_id_idx')} ON {q('Book')}({q('author_id')});\n"
        f"ALTER TABLE {q('Book')} ADD CONSTRAINT {q('Book_author_id_fkey')} FOREIGN KEY "
        f"({q('author_id')}) REFERENCES {q('Author')}({q('id')});\n"
    )
    staged = stage(project, db, [("1_init", init)], ("2_fk", fk))
    incident = staged.incident()
    assert incident.cause is not None and incident.cause.kind == "orphans"
    (orphans,) = [d for d in incident.diagnostics if d.kind == "orphans"]
    assert orphans.count == 1 and 2 in orphans.sample[0]
    fix = f"DELETE FROM {q('Book')} WHERE {q('id')} = 2;"
    result = staged.recover(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert result.verification.ok, result.verification.describe()
    if direction is Direction.ROLL_BACK:
        assert staged.status_code() == 3
        project.add("2_fk", fk.split(";\n")[0] + ";\n")  # the index only
        deploy(project.context(), SilentDeploy())
    assert staged.status_code() == 0
    assert staged.drift() == []


@pytest.mark.parametrize("direction", list(Direction))
def test_data_update_between_ddl_statements(
    project: Project, db: TestDatabase, direction: Direction
):
    q = db.q
    init = (
        f"CREATE TABLE {q('Item')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('price')} INTEGER);\n"
        f"INSERT INTO {q('Item')} VALUES (1, 10), (2, 10);\n"
    )
    failing = (
        f"ALTER TABLE {q('Item')} ADD COLUMN {q('cents')} INTEGER;\n"
        f"UPDATE {q('Item')} SET {q('cents')} = {q('price')} * 100;\n"
        f"CREATE UNIQUE INDEX {q('Item_price_key')} ON {q('Item')}({q('price')});\n"
    )
    staged = stage(project, db, [("1_init", init)], ("2_cents", failing))
    incident = staged.incident()
    update = incident.effect_of(2)
    if db.dialect == "postgresql":
        assert update.effect is Effect.NOT_RUN and "rolled back" in update.note
    else:
        assert update.effect is Effect.TOOK_EFFECT and "mend's logs" in update.note
    fix = f"UPDATE {q('Item')} SET {q('price')} = 11 WHERE {q('id')} = 2;"
    plan = staged.plan(direction, fix if direction is Direction.ROLL_FORWARD else None)
    statements = [s.statement for s in plan.steps if s.statement]
    if direction is Direction.ROLL_FORWARD:
        # The UPDATE already ran where DDL is not transactional: it must not run twice.
        assert statements == ([1, 2, 3] if db.dialect == "postgresql" else [3])
    else:
        assert any("changed rows" in n for n in plan.notes) or db.dialect == "postgresql"
    result = staged.recover(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert result.verification.ok, result.verification.describe()
    if direction is Direction.ROLL_FORWARD:
        # PostgreSQL rolled the UPDATE back: it runs again, in the migration's own order, and
        # the data fix right before the statement it unblocks (issue 13 §2): after the UPDATE.
        assert db.sql(f"SELECT {q('cents')} FROM {q('Item')} ORDER BY {q('id')}") == [
            (1000,),
            (1000,),
        ]
        fix_at = [s.role for s in plan.steps].index("data fix")
        assert plan.steps[fix_at + 1].statement == 3
        assert staged.status_code() == 0
    else:
        assert staged.status_code() == 3
    assert staged.drift() == []


@pytest.mark.parametrize("direction", list(Direction))
def test_failed_row_in_prismas_own_log_format(
    project: Project, db: TestDatabase, direction: Direction
):
    """Prisma's logs do not number the statement (but MySQL's "query number"): the catalog and
    the error message find it."""
    staged = seed_incident(project, db)
    prisma_logs = {
        "postgresql": (
            "A migration failed to apply.\n\nMigration name: 3_unique\n\nDatabase error code: "
            '23505\n\nDatabase error:\nERROR: could not create unique index "User_name_key"\n'
            "DETAIL: Key (name)=(paul) is duplicated.\n\n   0: sql_schema_connector::apply\n"
        ),
        "mysql": (
            "A migration failed to apply.\n\nMigration name: 3_unique\n\nDatabase error code: "
            "1062\n\nDatabase error:\nDuplicate entry 'paul' for key 'User_name_key'\n\nPlease "
            "check the query number 3 from the migration file.\n\n   0: sql_schema_connector::\n"
        ),
        "sqlite": (
            "SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: User.name\n   0: "
            "sql_schema_connector::apply_migration::apply_script\n"
            '           with migration_name="3_unique"\n'
        ),
    }[db.dialect]
    table = db.q("_prisma_migrations")
    placeholder = "?" if db.dialect == "sqlite" else "%s"
    db.sql(
        f"UPDATE {table} SET logs = {placeholder} WHERE migration_name = '3_unique'", (prisma_logs,)
    )
    incident = staged.incident()
    assert incident.failure.source == "prisma"
    assert incident.failing_index == 3
    assert incident.effect_of(3).effect is Effect.FAILED
    assert incident.cause is not None and incident.cause.kind == "duplicates"
    fix = f"DELETE FROM {db.q('User')} WHERE {db.q('id')} = 2;"
    result = staged.recover(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert result.verification.ok, result.verification.describe()
    assert staged.status_code() == (0 if direction is Direction.ROLL_FORWARD else 3)
    assert staged.drift() == []


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
@pytest.mark.parametrize("direction", list(Direction))
def test_mysql_multi_clause_alter_fails_whole(
    project: Project, db: TestDatabase, direction: Direction
):
    q = db.q
    init = (
        f"CREATE TABLE {q('T')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('name')} "
        "VARCHAR(20));\n"
        f"INSERT INTO {q('T')} VALUES (1, 'x'), (2, 'x');\n"
    )
    failing = (
        f"CREATE TABLE {q('Other')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
        f"ALTER TABLE {q('T')} ADD COLUMN {q('extra')} INTEGER, "
        f"ADD UNIQUE INDEX {q('T_name_key')} ({q('name')});\n"
    )
    staged = stage(project, db, [("1_init", init)], ("2_multi", failing))
    incident = staged.incident()
    # InnoDB's ALTER is atomic: neither clause stayed.
    assert [e.effect for e in incident.effects] == [Effect.TOOK_EFFECT, Effect.FAILED]
    assert "extra" not in [r[0] for r in db.sql("SHOW COLUMNS FROM `T`")]
    fix = "UPDATE `T` SET `name` = 'y' WHERE `id` = 2;"
    result = staged.recover(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert result.verification.ok, result.verification.describe()
    assert staged.drift() == []


@pytest.mark.parametrize("direction", list(Direction))
def test_not_null_column_without_default_on_a_table_with_rows(
    project: Project, db: TestDatabase, direction: Direction
):
    """PostgreSQL refuses ADD COLUMN ... NOT NULL on a table with rows; MySQL gives such a column
    an implicit default, so there the NOT NULL comes by MODIFY over NULLs; SQLite refuses it even
    on an empty table (the replay fails too: the migration must be fixed)."""
    q, text = db.q, text_type(db)
    init = (
        f"CREATE TABLE {q('Account')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('name')} {text});\n"
        f"INSERT INTO {q('Account')} VALUES (1, 'a'), (2, NULL);\n"
    )
    if db.dialect == "mysql":
        failing = (
            f"CREATE TABLE {q('Audit')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
            f"ALTER TABLE {q('Account')} MODIFY {q('name')} {text} NOT NULL;\n"
        )
        fixed_file = None
        fix = f"UPDATE {q('Account')} SET {q('name')} = 'b' WHERE {q('name')} IS NULL;"
    else:
        failing = (
            f"CREATE TABLE {q('Audit')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
            f"ALTER TABLE {q('Account')} ADD COLUMN {q('plan')} {text} NOT NULL;\n"
        )
        fixed_file = failing.replace("NOT NULL;\n", "NOT NULL DEFAULT 'free';\n")
        fix = None
    staged = stage(project, db, [("1_init", init)], ("2_plan", failing))
    incident = staged.incident()
    assert incident.failing_index == 2
    if db.dialect != "sqlite":
        assert incident.cause is not None and incident.cause.kind == "nulls"
    if direction is Direction.ROLL_FORWARD and fixed_file is not None:
        project.add("2_plan", fixed_file)  # the column needs a default: the file is fixed
    result = staged.recover(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert result.verification.ok, result.verification.describe()
    if direction is Direction.ROLL_BACK:
        assert "Audit" not in db.tables()
        project.add("2_plan", fixed_file or failing.replace("NOT NULL;", ";"))
        if db.dialect == "mysql":
            db.sql(f"UPDATE {q('Account')} SET {q('name')} = 'b' WHERE {q('name')} IS NULL")
            project.add("2_plan", failing)
        deploy(project.context(), SilentDeploy())
    assert staged.status_code() == 0
    assert staged.drift() == []


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
@pytest.mark.parametrize("direction", list(Direction))
def test_postgres_create_index_concurrently_leaves_an_invalid_index(
    project: Project, db: TestDatabase, direction: Direction
):
    q = db.q
    init = (
        f"CREATE TABLE {q('User')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('email')} TEXT);\n"
        f"INSERT INTO {q('User')} VALUES (1, 'a@x'), (2, 'a@x');\n"
    )
    failing = (
        f"CREATE UNIQUE INDEX CONCURRENTLY {q('User_email_key')} ON {q('User')}({q('email')});\n"
    )
    staged = stage(project, db, [("1_init", init)], ("2_index", failing))
    invalid = db.sql(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE NOT i.indisvalid"
    )
    assert invalid == [("User_email_key",)]
    incident = staged.incident()
    (effect,) = incident.effects
    assert effect.effect is Effect.PARTIAL and "INVALID" in effect.note
    fix = f"UPDATE {q('User')} SET {q('email')} = 'b@x' WHERE {q('id')} = 2;"
    plan = staged.plan(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert plan.steps[0].sql == (f"DROP INDEX CONCURRENTLY {q('User_email_key')}",)
    assert not plan.steps[0].transactional
    result = staged.recover(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert result.verification.ok, result.verification.describe()
    assert db.sql(
        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE NOT i.indisvalid"
    ) == [(0,)]
    assert staged.status_code() == (0 if direction is Direction.ROLL_FORWARD else 3)
    assert staged.drift() == []


REDEFINE = """PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "age" INTEGER NOT NULL
);
INSERT INTO "new_User" ("id", "name", "age") SELECT "id", "name", "age" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
"""


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("direction", list(Direction))
def test_sqlite_table_redefinition_stopped_half_way(
    project: Project, db: TestDatabase, direction: Direction
):
    init = (
        'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, '
        '"age" INTEGER);\n'
        "INSERT INTO \"User\" VALUES (1, 'a', 30), (2, 'b', NULL);\n"
    )
    staged = stage(project, db, [("1_init", init)], ("2_age_required", REDEFINE))
    assert {"User", "new_User"} <= db.tables()
    incident = staged.incident()
    create = incident.effect_of(3)
    assert create.effect is Effect.PARTIAL and "`new_User` is still there" in create.note
    assert incident.failing_index == 4
    fix = 'UPDATE "User" SET "age" = 0 WHERE "age" IS NULL;'
    result = staged.recover(direction, fix if direction is Direction.ROLL_FORWARD else None)
    assert result.verification.ok, result.verification.describe()
    assert "new_User" not in db.tables()
    assert db.sql('SELECT count(*) FROM "User"') == [(2,)]  # no row lost either way
    assert staged.status_code() == (0 if direction is Direction.ROLL_FORWARD else 3)
    assert staged.drift() == []
