"""The schema engine beyond round trips: data safety, data-loss flags, the seed's example,
sources and shadow databases, the diff and drift commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import POSTGRES_URL, Project, TestDatabase
from mend_core.errors import MendError
from mend_core.project.target import parse_url
from mend_core.schema.diff import diff_sources
from mend_core.schema.plan import plan_migration
from mend_core.schema.sources import SchemaSource, ShadowOptions
from schema_support import apply_sql, inspect, oracle, round_trip

SEED_BEFORE = {
    "postgresql": 'CREATE TABLE "User" ("id" INTEGER NOT NULL, "name" TEXT NOT NULL, '
    'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n',
    "mysql": "CREATE TABLE `User` (`id` INTEGER NOT NULL, `name` VARCHAR(191) NOT NULL, "
    "PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n",
    "sqlite": 'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL);\n',
}
SEED_UNIQUE = {
    "postgresql": 'CREATE TABLE "Post" ("id" INTEGER NOT NULL, "title" TEXT NOT NULL, '
    'CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));\n'
    'ALTER TABLE "User" ADD COLUMN "email" TEXT;\n'
    'CREATE UNIQUE INDEX "User_name_key" ON "User"("name");\n',
    "mysql": "CREATE TABLE `Post` (`id` INTEGER NOT NULL, `title` VARCHAR(191) NOT NULL, "
    "PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
    "ALTER TABLE `User` ADD COLUMN `email` VARCHAR(191) NULL;\n"
    "CREATE UNIQUE INDEX `User_name_key` ON `User`(`name`);\n",
    "sqlite": 'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "title" TEXT NOT NULL);\n'
    'ALTER TABLE "User" ADD COLUMN "email" TEXT;\n'
    'CREATE UNIQUE INDEX "User_name_key" ON "User"("name");\n',
}


def second_database(db: TestDatabase, tmp_path: Path):  # type: ignore[no-untyped-def]
    from conftest import make_database

    folder = tmp_path / "second"
    folder.mkdir(parents=True, exist_ok=True)
    return make_database(db.dialect, folder)


def test_seed_unique_example_forward_and_backward(db: TestDatabase, tmp_path: Path):
    """The guide's failed 'Unique' migration: the forward script finishes it, the backward one
    undoes what it did, on each dialect."""
    generator = second_database(db, tmp_path)
    target = next(generator)
    try:
        apply_sql(db, SEED_BEFORE[db.dialect])
        apply_sql(target, SEED_BEFORE[db.dialect] + SEED_UNIQUE[db.dialect])
        before, after = inspect(db), inspect(target)
        forward = plan_migration(before, after)
        summaries = [s.summary for s in forward.steps]
        assert summaries == [
            "create table `Post`",
            "add column `User.email` ("
            + (
                "varchar(191)"
                if db.dialect == "mysql"
                else "TEXT"
                if db.dialect == "sqlite"
                else "text"
            )
            + ", nullable)",
            "create unique index `User_name_key` on `User` (name)",
        ]
        assert "fails if `User` holds duplicate values" in forward.data_loss
        backward = plan_migration(after, before)
        assert any(s.summary == "drop table `Post`" for s in backward.steps)
        assert any("drops column `User.email`" in w for w in backward.data_loss)
        round_trip(db, target)  # forward applied and verified
    finally:
        generator.close()


def test_sqlite_redefinition_keeps_rows_views_triggers_and_keys(tmp_path: Path):
    from conftest import _sqlite_database

    generators = [_sqlite_database(_mkdir(tmp_path / n)) for n in ("x", "y")]
    x, y = (next(g) for g in generators)
    common = (
        'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "userId" INTEGER, '
        'CONSTRAINT "Post_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") '
        "ON DELETE CASCADE ON UPDATE CASCADE);\n"
        'CREATE VIEW "names" AS SELECT name FROM "User";\n'
        'CREATE TRIGGER "User_count" AFTER INSERT ON "User" BEGIN UPDATE "User" SET name = '
        "name WHERE id = new.id; END;\n"
    )
    apply_sql(
        x,
        'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, '
        '"age" INTEGER);\nCREATE INDEX "User_name_idx" ON "User"("name");\n'
        + common
        + "INSERT INTO \"User\" VALUES (1, 'paul', 30), (2, 'anna', NULL);\n"
        'INSERT INTO "Post" VALUES (10, 1), (11, 2);\n',
    )
    apply_sql(
        y,
        'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT, '
        '"age" INTEGER);\nCREATE INDEX "User_name_idx" ON "User"("name");\n' + common,
    )
    plan = plan_migration(inspect(x), inspect(y))
    assert [s.heading for s in plan.steps] == [
        "DropView",
        "DropTrigger",
        "RedefineTables",
        "CreateView",
        "CreateTrigger",
    ]
    assert "PRAGMA foreign_keys=OFF" in plan.steps[2].sql
    round_trip(x, y)
    assert x.sql('SELECT id, name, age FROM "User" ORDER BY id') == [
        (1, "paul", 30),
        (2, "anna", None),
    ]
    assert x.sql('SELECT id, "userId" FROM "Post" ORDER BY id') == [(10, 1), (11, 2)]
    assert x.sql("PRAGMA foreign_key_check") == []
    assert x.sql('SELECT * FROM "names" ORDER BY name') == [("anna",), ("paul",)]
    x.sql("INSERT INTO \"User\" (id, name) VALUES (3, 'zoe')")  # the trigger still runs
    assert x.sql("SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("User_count",)]


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_changes_that_can_lose_data_are_flagged(db: TestDatabase, tmp_path: Path):
    q = db.q
    text = "VARCHAR(191)" if db.dialect == "mysql" else "TEXT"
    generator = second_database(db, tmp_path)
    target = next(generator)
    try:
        apply_sql(
            db,
            f"CREATE TABLE {q('T')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
            f"{q('label')} VARCHAR(200), {q('n')} BIGINT, {q('gone')} {text}, "
            f"{q('maybe')} INTEGER);\n"
            f"CREATE TABLE {q('Old')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n",
        )
        apply_sql(
            target,
            f"CREATE TABLE {q('T')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
            f"{q('label')} VARCHAR(20), {q('n')} INTEGER, {q('maybe')} INTEGER "
            f"NOT NULL, {q('required')} INTEGER NOT NULL);\n",
        )
        plan = plan_migration(inspect(db), inspect(target))
        warnings = " | ".join(plan.data_loss)
        assert "drops table `Old`" in warnings
        assert "drops column `T.gone`" in warnings
        assert "`T.label` from" in warnings and "`T.n` from" in warnings  # narrowed types
        assert "makes `T.maybe` NOT NULL" in warnings
        assert "`T.required` without a default" in warnings
        # Widening is not flagged.
        widened = plan_migration(inspect(target), inspect(db))
        assert not any("`T.label` from" in w for w in widened.data_loss)
    finally:
        generator.close()


# -- sources, shadows and the commands ------------------------------------------------------------
def _write_migrations(project: Project, dialect: str) -> None:
    project.lock(dialect)
    project.add("1_init", SEED_BEFORE[dialect])
    project.add("2_unique", SEED_UNIQUE[dialect])


@pytest.fixture
def shadow_prefix(monkeypatch: pytest.MonkeyPatch) -> str:
    """A prefix of this test's own, so that other tests' shadows (xdist) do not count."""
    import uuid

    import mend_core.schema.shadow as shadow

    prefix = f"mend_shadow_t{uuid.uuid4().hex[:6]}_"
    monkeypatch.setattr(shadow, "SHADOW_PREFIX", prefix)
    return prefix


def _shadow_databases(db: TestDatabase, prefix: str) -> list[str]:
    if db.dialect == "postgresql":
        return [
            r[0]
            for r in db.sql(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
            )
        ]
    if db.dialect == "mysql":
        return [r[0] for r in db.sql("SHOW DATABASES LIKE %s", (prefix.replace("_", "\\_") + "%",))]
    return []


def test_migrations_source_replays_in_a_dropped_shadow(
    project: Project, db: TestDatabase, shadow_prefix: str
):
    _write_migrations(project, db.dialect)
    apply_sql(db, SEED_BEFORE[db.dialect])
    server = parse_url(db.url, base_dir=project.root)
    result = diff_sources(
        SchemaSource("url", db.url),
        SchemaSource("migrations", str(project.migrations)),
        ShadowOptions(server=server),
        project.root,
    )
    assert [s.heading for s in result.plan.steps] == ["CreateTable", "AlterTable", "CreateIndex"]
    assert _shadow_databases(db, shadow_prefix) == []
    # A migration that fails on the shadow: P3006, and the shadow is dropped all the same.
    project.add("3_broken", "CREATE INDEX broken_idx ON nowhere (x);\n")
    with pytest.raises(MendError) as caught:
        diff_sources(
            SchemaSource("empty"),
            SchemaSource("migrations", str(project.migrations)),
            ShadowOptions(server=server),
            project.root,
        )
    assert caught.value.code == "P3006" and "3_broken" in caught.value.message
    assert _shadow_databases(db, shadow_prefix) == []


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_shadow_dropped_on_ctrl_c(
    project: Project, db: TestDatabase, monkeypatch: pytest.MonkeyPatch, shadow_prefix: str
):
    _write_migrations(project, db.dialect)
    import mend_core.schema.replay as replaying  # `replayed_shadow` calls its `replay`

    seen: list[str] = []

    def interrupted(*args: object, **kwargs: object) -> None:
        seen.extend(_shadow_databases(db, shadow_prefix))  # it exists while replaying
        raise KeyboardInterrupt

    monkeypatch.setattr(replaying, "replay", interrupted)
    with pytest.raises(KeyboardInterrupt):
        diff_sources(
            SchemaSource("empty"),
            SchemaSource("migrations", str(project.migrations)),
            ShadowOptions(server=parse_url(db.url, base_dir=project.root)),
            project.root,
        )
    assert len(seen) == 1
    assert _shadow_databases(db, shadow_prefix) == []


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_shadow_permission_error_names_shadow_url(project: Project, db: TestDatabase):
    role = f"mend_nocreate_{db.name[-8:]}"
    db.sql(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    try:
        _write_migrations(project, "postgresql")
        url = db.url.replace("postgres@", f"{role}@", 1)
        completed = project.mend(
            "diff", "--from-empty", "--to-migrations", str(project.migrations), "--url", url
        )
        assert completed.returncode == 1
        assert completed.stderr.startswith("Error: P3014\n")
        assert "--shadow-url" in completed.stderr
        # With an empty database given as the shadow, it works, and the shadow is left empty.
        shadow = db.url  # the test database itself, empty
        completed = project.mend(
            "diff",
            "--from-empty",
            "--to-migrations",
            str(project.migrations),
            "--shadow-url",
            shadow,
            "--script",
        )
        assert completed.returncode == 0, completed.stderr
        assert 'CREATE TABLE "User"' in completed.stdout
        assert db.tables() == set()
    finally:
        db.sql(f'DROP ROLE IF EXISTS "{role}"')


def test_diff_command_summary_script_and_exit_code(project: Project, db: TestDatabase):
    _write_migrations(project, db.dialect)
    apply_sql(db, SEED_BEFORE[db.dialect])
    args = ["diff", "--from-url", db.url, "--to-migrations", str(project.migrations)]
    summary = project.mend(*args)
    assert summary.returncode == 0, summary.stderr
    assert "[+] create table `Post`" in summary.stdout
    assert "! fails if `User` holds duplicate values" in summary.stdout
    script = project.mend(*args, "--script", "--exit-code")
    assert script.returncode == 2
    assert "-- CreateTable" in script.stdout and "-- CreateIndex" in script.stdout
    out = project.root / "forward.sql"
    written = project.mend(*args, "--script", "-o", str(out))
    assert written.returncode == 0 and out.read_text() == script.stdout
    # Apply the script with mend execute, then nothing is left to do.
    executed = project.mend("execute", "--file", str(out), "--url", db.url, "--yes")
    assert executed.returncode == 0, executed.stderr
    same = project.mend(*args, "--exit-code")
    assert same.returncode == 0 and "No difference detected." in same.stdout
    empty = project.mend(*args, "--script")
    assert empty.stdout == "-- This is an empty migration.\n"


def test_diff_rejects_ambiguous_sides(bare_project: Project):
    completed = bare_project.mend("diff", "--from-empty", "--from-url", "file:./x.db", "--to-empty")
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: M6001\n")
    mixed = bare_project.mend("diff", "--from-url", POSTGRES_URL, "--to-url", "file:./x.db")
    assert mixed.returncode == 1 and mixed.stderr.startswith("Error: M6003\n")


def test_drift_finds_a_hotfix_and_scripts_it(project: Project, db: TestDatabase):
    from mend_core.operations.deploy import SilentDeploy, deploy

    _write_migrations(project, db.dialect)
    deploy(project.context(), SilentDeploy())
    clean = project.mend("drift", "--url", db.url)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No drift" in clean.stdout
    apply_sql(db, f"CREATE INDEX {db.q('User_email_idx')} ON {db.q('User')}({db.q('email')});\n")
    drifted = project.mend("drift", "--url", db.url)
    assert drifted.returncode == 2
    assert "[+] create index `User_email_idx` on `User` (email)" in drifted.stdout
    data = json.loads(project.mend("drift", "--json", "--url", db.url).stdout)
    assert data["drifted"] and data["replayed"] == ["1_init", "2_unique"]
    script = project.mend("drift", "--script", "--url", db.url).stdout
    assert "CREATE INDEX" in script and "User_email_idx" in script
    assert oracle(db)  # the live database was only read
    assert "User_email_idx" in " ".join(oracle(db))


def test_drift_on_the_demo_shows_the_failed_migrations_leftovers(tmp_path: Path):
    from mend_core.operations.demo import create_demo
    from mend_core.operations.drift import detect_drift

    demo = create_demo(tmp_path / "demo")
    report = detect_drift(demo.context)
    assert report.failed == ("20240103000000_unique",)
    assert [s.summary for s in report.plan.steps] == [
        "create table `Post`",
        "add column `User.email` (TEXT, nullable)",
        "create index `User_email_idx` on `User` (email)",
    ]


def test_inspection_query_count_does_not_grow_with_tables(db: TestDatabase, tmp_path: Path):
    """Bulk catalog queries: the same number for 3 tables as for 30."""
    from mend_core.database.session import Database

    def queries_for(tables: int) -> int:
        generator = second_database(db, tmp_path / f"n{tables}")
        target = next(generator)
        try:
            apply_sql(
                target,
                "".join(
                    f"CREATE TABLE {db.q(f't{n}')} ({db.q('id')} INTEGER NOT NULL PRIMARY KEY, "
                    f"{db.q('x')} INTEGER);\nCREATE INDEX {db.q(f't{n}_x')} ON {db.q(f't{n}')}"
                    f"({db.q('x')});\n"
                    for n in range(tables)
                ),
            )
            count = 0
            original = Database._run

            def counting(self, sql, params, *, fetch):  # type: ignore[no-untyped-def]
                nonlocal count
                count += 1
                return original(self, sql, params, fetch=fetch)

            Database._run = counting  # type: ignore[method-assign]
            try:
                schema = inspect(target)
            finally:
                Database._run = original  # type: ignore[method-assign]
            assert len(schema.tables) == tables
            return count
        finally:
            generator.close()

    few, many = queries_for(3), queries_for(30)
    assert few == many <= 10


def test_replay_is_schema_only_unless_asked(project: Project, db: TestDatabase):
    """Rows are what make replays fail: the demo's duplicates break the UNIQUE index in the
    shadow. A schema-only replay skips data statements and says so; --replay-data is Prisma's
    replay (and fails here, as Prisma's would)."""
    q = db.q
    project.lock()
    project.add(
        "1_init", f"CREATE TABLE {q('U')} ({q('id')} INTEGER PRIMARY KEY, {q('n')} VARCHAR(9));\n"
    )
    project.add(
        "2_rows",
        f"INSERT INTO {q('U')} VALUES (1, 'paul');\nINSERT INTO {q('U')} VALUES (2, 'paul');\n"
        f"UPDATE {q('U')} SET {q('n')} = 'paul';\nSELECT count(*) FROM {q('U')};\n",
    )
    project.add("3_unique", f"CREATE UNIQUE INDEX {q('U_n_key')} ON {q('U')} ({q('n')});\n")
    server = parse_url(db.url, base_dir=project.root)
    result = diff_sources(
        SchemaSource("empty"),
        SchemaSource("migrations", str(project.migrations)),
        ShadowOptions(server=server),
        project.root,
    )
    assert "U_n_key" in result.plan.script()
    assert result.notes() == [
        "Skipped 4 data statement(s) while replaying (2_rows): a schema does not depend on rows."
    ]
    with pytest.raises(MendError) as caught:
        diff_sources(
            SchemaSource("empty"),
            SchemaSource("migrations", str(project.migrations)),
            ShadowOptions(server=server, replay_data=True),
            project.root,
        )
    assert caught.value.code == "P3006" and "3_unique" in caught.value.message
    cli = project.mend(
        "diff", "--from-empty", "--to-migrations", "prisma/migrations", "--url", db.url
    )
    assert cli.returncode == 0, cli.stderr
    assert "Skipped 4 data statement(s)" in cli.stderr
    assert project.mend(
        "diff",
        "--from-empty",
        "--to-migrations",
        "prisma/migrations",
        "--replay-data",
        "--url",
        db.url,
    ).stderr.startswith("Error: P3006")


def test_diff_names_the_project_database_as_every_command_finds_it(tmp_path: Path):
    """A `file:` URL in .env is relative to schema.prisma: --from-config-datasource resolves it
    so, from any folder, where --from-url "$DATABASE_URL" would not."""
    from mend_core.operations.demo import create_demo

    demo = create_demo(tmp_path / "demo")
    project = Project(demo.root, "", "sqlite")
    completed = project.mend(
        "diff", "--from-config-datasource", "--to-migrations", "prisma/migrations", "--script"
    )
    assert completed.returncode == 0, completed.stderr
    assert 'CREATE UNIQUE INDEX "User_name_key"' in completed.stdout
    assert 'DROP INDEX "User_email_idx"' in completed.stdout
    # The recipe it replaces: the .env URL on the command line is relative to the current
    # folder, not to schema.prisma, and names a file that does not exist.
    by_hand = project.mend(
        "diff", "--from-url", "file:./dev.db", "--to-migrations", "prisma/migrations"
    )
    assert by_hand.returncode == 1 and by_hand.stderr.startswith("Error: M1004")
    both = project.mend("diff", "--from-config-datasource", "--from-empty", "--to-empty")
    assert both.returncode == 1 and "Pass exactly one of" in both.stderr
