"""`mend hotfix`: hand-made drift recorded as a migration, on three dialects, real servers.

End to end through the real `mend` command: the seed's index hotfix, a column, a unique
constraint, a check constraint (SQLite by redefinition, as Prisma does it), a partial selection,
a failed migration's leftovers beside a hotfix, a name collision, read-only, and every bad input
leaving the database, the folder and the journal as they were. Pure parts (grouping, types,
naming) are tested without a database as well.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import Project, TestDatabase
from mend_core.dialects.prisma_types import prisma_default, prisma_type
from mend_core.errors import M2006, M8001, M8002, M8003, MendError
from mend_core.hotfix.dependencies import built_on
from mend_core.hotfix.grouping import group_drift
from mend_core.hotfix.items import find_items, parse_item_numbers, select_items
from mend_core.hotfix.migration import write_migration
from mend_core.hotfix.naming import MigrationName, name_migration
from mend_core.operations.deploy import SilentDeploy, deploy
from mend_core.schema.model import (
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Schema,
    Table,
)
from recovery_support import schema_and_history, stage

INIT = "20240101000000_init"
FOLDER = re.compile(r"^\d{14}_[a-z0-9_]+$")


# -- helpers (test_targets.py uses them too) ------------------------------------------------------
def init_sql(dialect: str) -> str:
    """A User table, as Prisma writes it for each database."""
    if dialect == "postgresql":
        return (
            'CREATE TABLE "User" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, "age" INTEGER, '
            'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
        )
    if dialect == "mysql":
        return (
            "CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, `name` VARCHAR(191) NOT "
            "NULL, `age` INTEGER NULL, PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE "
            "utf8mb4_unicode_ci;\n"
        )
    return (
        'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"name" TEXT NOT NULL, "age" INTEGER);\n'
    )


def write_schema(project: Project) -> None:
    (project.root / "prisma" / "schema.prisma").write_text(
        f'datasource db {{\n  provider = "{project.provider}"\n  url = env("DATABASE_URL")\n}}\n\n'
        "model User {\n  id   Int     @id @default(autoincrement())\n  name String\n"
        "  age  Int?\n}\n"
    )


def deployed(project: Project, url: str | None = None) -> None:
    """The project's migrations deployed to `url` (default: the project's database)."""
    deploy(project.context(url=url or project.url), SilentDeploy())


def setup_project(project: Project) -> None:
    write_schema(project)
    project.add(INIT, init_sql(project.provider))
    project.lock()
    deployed(project)


def mend(project: Project, *args: str, url: str | None = None, **env: str) -> Any:
    return project.mend(*args, "--url", url or project.url, env=env or None)


def listed(project: Project, url: str | None = None) -> dict[str, Any]:
    completed = mend(project, "hotfix", "--list", "--json", url=url)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)  # type: ignore[no-any-return]


def new_folders(project: Project) -> list[Path]:
    return sorted(p for p in project.migrations.iterdir() if p.is_dir() and p.name != INIT)


def row_of(db: TestDatabase, name: str) -> dict[str, Any]:
    table = db.q("_prisma_migrations")
    rows = db.sql(
        f"SELECT checksum, logs, started_at, finished_at, rolled_back_at, applied_steps_count "
        f"FROM {table} WHERE migration_name = '{name}'"
    )
    assert len(rows) == 1, rows
    keys = ("checksum", "logs", "started_at", "finished_at", "rolled_back_at", "steps")
    return dict(zip(keys, rows[0], strict=True))


def assert_resolve_row(db: TestDatabase, folder: Path) -> None:
    """The row `mend resolve --applied` writes: finished, logs '', no steps, the file's hash."""
    row = row_of(db, folder.name)
    digest = hashlib.sha256((folder / "migration.sql").read_bytes()).hexdigest()
    assert row["checksum"] == digest
    assert row["logs"] == ""
    assert row["finished_at"] is not None and row["started_at"] == row["finished_at"]
    assert row["rolled_back_at"] is None
    assert row["steps"] == 0


def snapshot(db: TestDatabase) -> Any:
    """The database as bytes (SQLite) or as schema and history (servers)."""
    if db.dialect == "sqlite":
        return Path(db.name).read_bytes()
    return schema_and_history(db)


def journal_lines(project: Project) -> int:
    path = project.root / "journal.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


def index_sql(db: TestDatabase, name: str, columns: str, table: str = "User") -> str:
    cols = ", ".join(db.q(c.strip()) for c in columns.split(","))
    return f"CREATE INDEX {db.q(name)} ON {db.q(table)}({cols})"


# -- end to end -------------------------------------------------------------------------------
def test_seed_index_hotfix(project: Project, db: TestDatabase):
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    found = listed(project)
    (item,) = found["items"]
    assert (item["number"], item["kind"], item["origin"]) == (1, "index", "hotfix")
    assert item["name"] == "User_name_idx" and not found["leftovers"]

    completed = mend(project, "hotfix", "--yes")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (folder,) = new_folders(project)
    assert FOLDER.match(folder.name) and folder.name.endswith("_hotfix_index_user_name_idx")
    assert folder.name > INIT
    q = db.q
    assert (folder / "migration.sql").read_text() == (
        f"-- CreateIndex\nCREATE INDEX {q('User_name_idx')} ON {q('User')}({q('name')});\n"
    )
    assert_resolve_row(db, folder)
    assert "@@index([name])" in completed.stdout and "model `User`" in completed.stdout
    assert "prisma migrate dev" in completed.stdout
    assert mend(project, "drift").returncode == 0
    assert mend(project, "status").returncode == 0
    events = [json.loads(line)["event"] for line in (project.root / "journal.jsonl").open()]
    assert [
        e for e in events if e in ("hotfix_started", "migration_written", "row_marked_applied")
    ] == ["hotfix_started", "migration_written", "row_marked_applied"]


def test_json_output(project: Project, db: TestDatabase):
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    unconfirmed = mend(project, "hotfix", "--json")
    assert unconfirmed.returncode == 1 and "M4001" in unconfirmed.stdout + unconfirmed.stderr
    assert not new_folders(project)
    completed = mend(project, "hotfix", "--json", "--yes")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["verification"]["ok"] and result["verification"]["state"] == "applied"
    assert result["preview"]["rehearsal"]["ok"]
    assert result["preview"]["schema_prisma"][0]["line"] == "@@index([name])"
    assert result["result"]["migration"] == new_folders(project)[0].name


def test_column_hotfix_prints_the_field(project: Project, db: TestDatabase):
    setup_project(project)
    spelled = {"postgresql": "VARCHAR(30)", "mysql": "VARCHAR(30) NULL", "sqlite": "TEXT"}
    db.sql(f"ALTER TABLE {db.q('User')} ADD COLUMN {db.q('email')} {spelled[db.dialect]}")
    (item,) = listed(project)["items"]
    assert (item["kind"], item["name"], item["change"]) == ("column", "email", "added")
    completed = mend(project, "hotfix", "--yes", "--name", "Add e-mail!")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (folder,) = new_folders(project)
    assert folder.name.endswith("_add_e_mail")
    assert "ADD COLUMN" in (folder / "migration.sql").read_text()
    line = {
        "postgresql": "email String? @db.VarChar(30)",
        "mysql": "email String? @db.VarChar(30)",
        "sqlite": "email String?",
    }[db.dialect]
    assert f"a new field in model `User`: {line}" in completed.stdout
    assert mend(project, "drift").returncode == 0
    assert_resolve_row(db, folder)


def test_unique_constraints(project: Project, db: TestDatabase):
    setup_project(project)
    q = db.q
    if db.dialect == "sqlite":  # SQLite's unique constraints are unique indexes, as Prisma's
        db.sql(f"CREATE UNIQUE INDEX {q('User_name_key')} ON {q('User')}({q('name')})")
        db.sql(f"CREATE UNIQUE INDEX {q('pair')} ON {q('User')}({q('name')}, {q('age')})")
    else:
        db.sql(f"ALTER TABLE {q('User')} ADD CONSTRAINT {q('User_name_key')} UNIQUE ({q('name')})")
        db.sql(
            f"ALTER TABLE {q('User')} ADD CONSTRAINT {q('pair')} UNIQUE ({q('name')}, {q('age')})"
        )
    items = listed(project)["items"]
    assert [i["name"] for i in items] == ["User_name_key", "pair"]
    completed = mend(project, "hotfix", "--yes", "--name", "uniques")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "on the field `name` of model `User`: @unique" in completed.stdout
    assert '@@unique([name, age], map: "pair")' in completed.stdout
    assert mend(project, "drift").returncode == 0
    (folder,) = new_folders(project)
    assert_resolve_row(db, folder)


def test_check_constraint(project: Project, db: TestDatabase):
    setup_project(project)
    q = db.q
    if db.dialect == "sqlite":
        # SQLite adds a check only by redefining the table, as Prisma's RedefineTables does.
        db.sql(
            'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, '
            '"name" TEXT NOT NULL, "age" INTEGER, CONSTRAINT "User_age_check" CHECK (age >= 0))'
        )
        db.sql(
            'INSERT INTO "new_User" ("id", "name", "age") SELECT "id", "name", "age" FROM "User"'
        )
        db.sql('DROP TABLE "User"')
        db.sql('ALTER TABLE "new_User" RENAME TO "User"')
    else:
        db.sql(
            f"ALTER TABLE {q('User')} ADD CONSTRAINT {q('User_age_check')} CHECK ({q('age')} >= 0)"
        )
    (item,) = listed(project)["items"]
    assert (item["kind"], item["name"]) == ("check", "User_age_check")
    completed = mend(project, "hotfix", "--yes", "--name", "age check")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (folder,) = new_folders(project)
    script = (folder / "migration.sql").read_text()
    if db.dialect == "sqlite":
        assert script.startswith("-- RedefineTables\nPRAGMA defer_foreign_keys=ON;\n")
        assert 'CREATE TABLE "new_User"' in script and 'ALTER TABLE "new_User" RENAME TO' in script
    else:
        assert "ADD CONSTRAINT" in script and "CHECK" in script
    # It replays: drift compares the live table with the replayed one, and finds them equal.
    assert mend(project, "drift").returncode == 0
    assert_resolve_row(db, folder)
    with pytest.raises(Exception):  # noqa: B017 - each driver has its own error class
        db.sql(f"INSERT INTO {q('User')} ({q('name')}, {q('age')}) VALUES ('x', -1)")


def test_a_selection_leaves_the_other_drift(project: Project, db: TestDatabase):
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    text = "VARCHAR(191)" if db.dialect == "mysql" else "TEXT"
    db.sql(f"ALTER TABLE {db.q('User')} ADD COLUMN {db.q('nick')} {text}")
    items = listed(project)["items"]
    assert [(i["number"], i["kind"]) for i in items] == [(1, "column"), (2, "index")]
    completed = mend(project, "hotfix", "--yes", "--item", "2")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Left as drift (not chosen): 1 column `User.nick`" in completed.stdout
    (folder,) = new_folders(project)
    assert "nick" not in (folder / "migration.sql").read_text()
    drift = mend(project, "drift")
    assert drift.returncode == 2 and "nick" in drift.stdout and "User_name_idx" not in drift.stdout
    left = listed(project)["items"]
    assert [(i["number"], i["name"]) for i in left] == [(1, "nick")]


def test_failed_migration_leftovers_are_not_offered(project: Project, db: TestDatabase):
    q = db.q
    text = "VARCHAR(191)" if db.dialect == "mysql" else "TEXT"
    write_schema(project)
    project.lock()
    unique = (
        f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('title')} {text});\n"
        f"ALTER TABLE {q('User')} ADD COLUMN {q('email')} {text};\n"
        f"CREATE UNIQUE INDEX {q('User_name_key')} ON {q('User')}({q('name')});\n"
    )
    rows = f"INSERT INTO {q('User')} ({q('name')}) VALUES ('paul'), ('paul');\n"
    stage(
        project,
        db,
        [(INIT, init_sql(db.dialect)), ("20240102000000_users", rows)],
        ("20240103000000_unique", unique),
    )
    if db.dialect == "postgresql":  # one transaction: nothing stayed; the operator began by hand
        db.sql(
            f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('title')} TEXT)"
        )
        db.sql(f"ALTER TABLE {q('User')} ADD COLUMN {q('email')} TEXT")
    db.sql(index_sql(db, "User_age_idx", "age"))
    # Made by hand, but on the failed migration's new column: the history cannot replay it yet.
    db.sql(index_sql(db, "User_email_idx", "email"))
    found = listed(project)
    assert [i["name"] for i in found["items"]] == ["User_age_idx"]
    assert {i["failed_migration"] for i in found["leftovers"]} == {"20240103000000_unique"}
    origins = {i["name"]: i["origin"] for i in found["leftovers"]}
    assert origins["Post"] == "failed_migration" and origins["email"] == "failed_migration"
    assert origins["User_email_idx"] == "built_on_failed_migration"
    text_list = mend(project, "hotfix", "--list").stdout
    assert (
        "recover it instead" in text_list
        and "Left by failed migration 20240103000000_unique" in text_list
    )
    assert "Made by hand on what failed migration 20240103000000_unique left" in text_list
    refused = mend(project, "hotfix", "--item", "2", "--yes")
    assert refused.returncode == 1 and "M8001" in refused.stdout + refused.stderr

    completed = mend(project, "hotfix", "--yes")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    folder = new_folders(project)[-1]
    script = (folder / "migration.sql").read_text()
    assert "User_age_idx" in script and "Post" not in script and "email" not in script
    assert "User_email_idx" not in script
    assert_resolve_row(db, folder)
    assert mend(project, "status").returncode == 4  # the failed migration is still to recover
    after = listed(project)
    assert not after["items"] and after["leftovers"]


def test_nothing_but_leftovers_is_m8002(project: Project, db: TestDatabase):
    q = db.q
    write_schema(project)
    project.lock()
    failing = (
        f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
        f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
    )
    stage(project, db, [(INIT, init_sql(db.dialect))], ("20240102000000_twice", failing))
    if db.dialect == "postgresql":
        db.sql(f"CREATE TABLE {q('Post')} ({q('id')} INTEGER NOT NULL PRIMARY KEY)")
    before = snapshot(db)
    completed = mend(project, "hotfix", "--yes")
    assert completed.returncode == 1 and "M8002" in completed.stdout + completed.stderr
    assert "recovery" in completed.stdout + completed.stderr
    assert snapshot(db) == before and not [p for p in new_folders(project) if "twice" not in p.name]


def test_name_collision_moves_after_and_never_overwrites(project: Project, db: TestDatabase):
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    # A folder that sorts after the clock (a teammate's clock ahead, or a hand-typed name).
    ahead = project.add("20990101000000_hotfix_index_user_name_idx", "-- theirs\n")
    completed = mend(project, "hotfix", "--yes", "--name", "hotfix index User_name_idx")
    # Their folder is not applied here: status is behind, but ours is recorded and sorts after.
    assert "timestamp moved after 20990101000000_hotfix_index_user_name_idx" in completed.stdout
    ours = new_folders(project)[-1]
    assert ours.name == "20990101000001_hotfix_index_user_name_idx"
    assert (ahead / "migration.sql").read_text() == "-- theirs\n"
    assert_resolve_row(db, ours)
    # The writer itself refuses an existing folder, and leaves it as it was.
    taken = MigrationName(ahead.name, ahead)
    with pytest.raises(MendError) as refused:
        write_migration(taken, "SELECT 1;\n", db.dialect)
    assert refused.value.code == M2006
    assert (ahead / "migration.sql").read_text() == "-- theirs\n"


def test_a_folder_not_named_by_time_that_sorts_last_is_refused_before_writing(
    project: Project, db: TestDatabase
):
    """`3_unique` sorts after every timestamped name: a hotfix folder would replay before it
    (and fail on a fresh database, where it needs 3_unique's column). Refused, M8009, with a
    name that would sort last; nothing written (seen in tmux: the wizard recorded it, then
    its Verify failed with P3006)."""
    setup_project(project)
    project.add("3_later", f"CREATE TABLE {db.q('Later')} ({db.q('id')} INTEGER NOT NULL);\n")
    deployed(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    before, lines = snapshot(db), journal_lines(project)
    completed = mend(project, "hotfix", "--yes")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1 and "M8009" in output, output
    assert "`3_later` sorts after" in output and "`4_hotfix`" in output, output
    assert "Traceback" not in completed.stderr
    assert snapshot(db) == before and journal_lines(project) == lines
    assert [p.name for p in new_folders(project)] == ["3_later"]


def test_read_only_refuses_before_connecting(project: Project, db: TestDatabase):
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    before, lines = snapshot(db), journal_lines(project)
    completed = project.mend("--read-only", "hotfix", "--yes", "--url", project.url)
    assert completed.returncode == 1 and "M1003" in completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    assert snapshot(db) == before and not new_folders(project)
    assert journal_lines(project) == lines
    # Listing only reads: allowed.
    assert project.mend("--read-only", "hotfix", "--list", "--url", project.url).returncode == 0
    assert snapshot(db) == before


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """The folder made unwritable: by its mode, or (as root, whom modes do not stop) by the
    immutable attribute."""
    folder.chmod(0o555)
    immutable = False
    try:
        if os.access(folder, os.W_OK):
            done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
            immutable = done.returncode == 0
            if not immutable:
                pytest.skip("cannot make a folder unwritable here (root without chattr)")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("no-such-item", "M8001"),
        ("not-a-number", "M8001"),
        ("empty-item", "M8002"),
        ("no-drift", "M8002"),
        ("empty-name", "M8003"),
        ("unwritable", "M8004"),
    ],
)
def test_bad_input_changes_nothing(project: Project, db: TestDatabase, case: str, code: str):
    setup_project(project)
    if case != "no-drift":
        db.sql(index_sql(db, "User_name_idx", "name"))
    before, lines = snapshot(db), journal_lines(project)
    args = {
        "no-such-item": ["--item", "7"],
        "not-a-number": ["--item", "one"],
        "empty-item": ["--item", ""],
        "no-drift": [],
        "empty-name": ["--name", "¡¿ !!"],
        "unwritable": [],
    }[case]
    if case == "unwritable":
        with unwritable(project.migrations):
            completed = mend(project, "hotfix", "--yes", *args)
    else:
        completed = mend(project, "hotfix", "--yes", *args)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert f"Error: {code}" in output and "Hint:" in output and "Traceback" not in output
    assert snapshot(db) == before
    assert not new_folders(project)
    assert journal_lines(project) == lines


def test_a_failed_row_write_removes_the_folder(
    project: Project, db: TestDatabase, monkeypatch: pytest.MonkeyPatch
):
    from mend_core.hotfix import apply
    from mend_core.hotfix.preview import preview_hotfix

    write_schema(project)
    project.add(INIT, init_sql(db.dialect))
    deployed(project)  # no migration_lock.toml yet: the hotfix writes one, then removes it
    db.sql(index_sql(db, "User_name_idx", "name"))
    context = project.context()
    drift = find_items(context)
    chosen = select_items(drift)
    preview = preview_hotfix(
        context, drift, chosen, name_migration(context.migrations_dir, None, chosen)
    )

    def broken(session: Any, plan: Any) -> None:
        raise MendError("P1017", "The server closed the connection.", "Try again.")

    monkeypatch.setattr(apply, "write_resolution", broken)
    before = schema_and_history(db)
    with pytest.raises(MendError) as failed:
        apply.apply_hotfix(context, preview)
    assert "its folder was removed again" in failed.value.message
    assert not new_folders(project)
    assert not (project.migrations / "migration_lock.toml").exists()
    assert schema_and_history(db) == before
    events = [json.loads(line)["event"] for line in (project.root / "journal.jsonl").open()]
    assert events[-2:] == ["migration_written", "migration_removed"]


# -- without a database -----------------------------------------------------------------------
def _user(*indexes: Index, columns: tuple[Column, ...] = ()) -> Table:
    base = (Column("id", "integer", False), Column("name", "text", False))
    return Table("User", base + columns, PrimaryKey("User_pkey", ("id",)), indexes)


def test_grouping_is_one_item_per_object_sorted_by_kind_and_name():
    by_name = Index("b_idx", (IndexColumn("name"),))
    other = Index("a_idx", (IndexColumn("id"),))
    expected = Schema("postgresql", (_user(),))
    live = Schema(
        "postgresql",
        (
            _user(by_name, other, columns=(Column("email", "text"),)),
            Table("Post", (Column("id", "integer", False),)),
        ),
    )
    items = group_drift(expected, live)
    assert [(i.kind, i.name) for i in items] == [
        ("table", "Post"),
        ("column", "email"),
        ("index", "a_idx"),
        ("index", "b_idx"),
    ]
    assert items[0].keys >= {("table", "Post"), ("column", "Post", "id")}
    assert items[3].sql == ('CREATE INDEX "b_idx" ON "User"("name")',)
    assert group_drift(live, live) == []


def test_what_an_item_is_built_on():
    """An index needs its columns and table; a foreign key also what it references; a whole
    table only what its foreign keys reference (never itself)."""
    by_email = Index(
        "User_email_idx", (IndexColumn("email"), IndexColumn("(lower(name))", False, True))
    )
    post = Table(
        "Post",
        (Column("id", "integer", False), Column("authorId", "integer", False)),
        PrimaryKey("Post_pkey", ("id",)),
        foreign_keys=(ForeignKey("Post_author_fkey", ("authorId",), "User", ("id",)),),
    )
    expected = Schema("postgresql", (_user(columns=(Column("email", "text"),)),))
    live = Schema("postgresql", (_user(by_email, columns=(Column("email", "text"),)), post))
    items = {i.name: i for i in group_drift(expected, live)}
    assert built_on(items["User_email_idx"], live, expected) == {
        ("table", "User"),
        ("column", "User", "email"),
    }
    assert built_on(items["Post"], live, expected) == {("table", "User"), ("column", "User", "id")}


def test_item_numbers_parse():
    assert parse_item_numbers([]) is None
    assert parse_item_numbers(["1", "3,4"]) == [1, 3, 4]
    for bad, code in (["x"], M8001), (["-1"], M8001), ([""], M8002):
        with pytest.raises(MendError) as error:
            parse_item_numbers(bad)
        assert error.value.code == code


@pytest.mark.parametrize(
    ("dialect", "column", "expected"),
    [
        ("postgresql", Column("a", "character varying(30)"), ("String", "@db.VarChar(30)")),
        ("postgresql", Column("a", "timestamp(3) without time zone"), ("DateTime", None)),
        (
            "postgresql",
            Column("a", "timestamp(6) with time zone"),
            ("DateTime", "@db.Timestamptz(6)"),
        ),
        ("postgresql", Column("a", "numeric(10,2)"), ("Decimal", "@db.Decimal(10, 2)")),
        ("postgresql", Column("a", "text[]"), ("String[]", None)),
        ("postgresql", Column("a", '"Role"'), ("Role", None)),
        ("mysql", Column("a", "varchar(191)"), ("String", None)),
        ("mysql", Column("a", "tinyint(1)"), ("Boolean", None)),
        ("mysql", Column("a", "int(10) unsigned"), ("Int", "@db.UnsignedInt")),
        ("mysql", Column("a", "longtext", check="json_valid(`a`)"), ("Json", None)),
        ("sqlite", Column("a", "DATETIME"), ("DateTime", None)),
        ("sqlite", Column("a", "GEOMETRY"), ('Unsupported("geometry")', None)),
    ],
)
def test_prisma_types(dialect: str, column: Column, expected: tuple[str, str | None]):
    assert prisma_type(dialect, column, {"Role"}) == expected


def test_prisma_defaults():
    assert prisma_default("postgresql", Column("a", "text", default="'x'::text"), "String") == '"x"'
    assert (
        prisma_default(
            "mysql", Column("a", "datetime(3)", default="current_timestamp(3)"), "DateTime"
        )
        == "now()"
    )
    assert prisma_default("mysql", Column("a", "tinyint(1)", default="0"), "Boolean") == "false"
    assert (
        prisma_default("sqlite", Column("a", "INTEGER", autoincrement=True), "Int")
        == "autoincrement()"
    )
    assert (
        prisma_default("postgresql", Column("a", "uuid", default="gen_random_uuid()"), "String")
        == 'dbgenerated("gen_random_uuid()")'
    )


def test_naming(tmp_path: Path):
    moment = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert name_migration(tmp_path, "Add User index", moment=moment).folder == (
        "20240506070809_add_user_index"
    )
    (tmp_path / "20240506070809_add_user_index").mkdir()
    bumped = name_migration(tmp_path, "Add User index", moment=moment)
    assert bumped.folder == "20240506070810_add_user_index"
    assert bumped.bumped_past == "20240506070809_add_user_index"
    with pytest.raises(MendError) as empty:
        name_migration(tmp_path, "!!! ???", moment=moment)
    assert empty.value.code == M8003


def test_a_rehearsal_that_does_not_build_the_items_writes_nothing(
    project: Project, db: TestDatabase
):
    """Recording a migration that does not rebuild what the database has would make the
    history lie: refused, no folder, no row."""
    from dataclasses import replace

    from mend_core.errors import MendError
    from mend_core.hotfix.apply import apply_hotfix
    from mend_core.hotfix.items import find_items, select_items
    from mend_core.hotfix.naming import name_migration
    from mend_core.hotfix.preview import Rehearsal, preview_hotfix

    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    context = project.context()
    drift = find_items(context)
    items = select_items(drift)
    name = name_migration(context.migrations_dir, "hotfix", items)
    preview = preview_hotfix(context, drift, items, name)
    assert preview.rehearsal is not None and preview.rehearsal.ok
    broken = replace(preview, rehearsal=Rehearsal(2, mismatched=("index `User_name_idx`",)))
    history = db.history()
    with pytest.raises(MendError) as caught:
        apply_hotfix(context, broken)
    assert caught.value.code == "M7004"
    assert new_folders(project) == [] and db.history() == history


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_gin_trigram_index_gets_its_schema_prisma_line_whole(project: Project, db: TestDatabase):
    """A hand-made index with an access method and an operator class: the schema.prisma line
    keeps both (`type: Gin`, `ops: raw(...)`), or the next `migrate dev` would rebuild it."""
    setup_project(project)
    db.sql('CREATE EXTENSION IF NOT EXISTS "pg_trgm"')
    db.sql('CREATE INDEX "User_name_trgm" ON "User" USING GIN ("name" gin_trgm_ops)')
    completed = mend(project, "hotfix", "--json", "--yes")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = [hint["line"] for hint in json.loads(completed.stdout)["preview"]["schema_prisma"]]
    assert '@@index([name(ops: raw("gin_trgm_ops"))], map: "User_name_trgm", type: Gin)' in lines
    assert mend(project, "drift").returncode == 0
