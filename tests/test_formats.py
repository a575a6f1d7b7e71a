"""Prisma's formats, byte for byte: history table DDL, checksums, folder names, lock file, logs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.errors import MendError
from mend_core.history.checksum import checksum, checksum_matches
from mend_core.history.failure import FailureRecord
from mend_core.history.folder import (
    LOCK_FILE_TEXT,
    create_migration,
    list_migrations,
    lock_file_provider,
    slugify,
)
from mend_core.operations.deploy import SilentDeploy, deploy


def test_history_table_ddl_is_prismas(project: Project, db: TestDatabase):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    deploy(project.context(), SilentDeploy())
    if db.dialect == "sqlite":
        (sql,) = db.sql("SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'")[0]
        assert sql == (
            'CREATE TABLE "_prisma_migrations" (\n'
            '    "id"                    TEXT PRIMARY KEY NOT NULL,\n'
            '    "checksum"              TEXT NOT NULL,\n'
            '    "finished_at"           DATETIME,\n'
            '    "migration_name"        TEXT NOT NULL,\n'
            '    "logs"                  TEXT,\n'
            '    "rolled_back_at"        DATETIME,\n'
            '    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,\n'
            '    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0\n'
            ")"
        )
    elif db.dialect == "postgresql":
        columns = db.sql(
            "SELECT column_name, data_type, character_maximum_length, is_nullable, "
            "column_default FROM information_schema.columns "
            "WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position"
        )
        assert columns == [
            ("id", "character varying", 36, "NO", None),
            ("checksum", "character varying", 64, "NO", None),
            ("finished_at", "timestamp with time zone", None, "YES", None),
            ("migration_name", "character varying", 255, "NO", None),
            ("logs", "text", None, "YES", None),
            ("rolled_back_at", "timestamp with time zone", None, "YES", None),
            ("started_at", "timestamp with time zone", None, "NO", "now()"),
            ("applied_steps_count", "integer", None, "NO", "0"),
        ]
        assert db.sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass "
            "AND contype = 'p'"
        ) == [("_prisma_migrations_pkey",)]
    else:
        create = db.sql("SHOW CREATE TABLE _prisma_migrations")[0][1]
        for fragment in (
            "`id` varchar(36) NOT NULL",
            "`checksum` varchar(64) NOT NULL",
            "`finished_at` datetime(3) DEFAULT NULL",
            "`migration_name` varchar(255) NOT NULL",
            "`logs` text DEFAULT NULL",
            "`rolled_back_at` datetime(3) DEFAULT NULL",
            "`started_at` datetime(3) NOT NULL DEFAULT current_timestamp(3)",
            "`applied_steps_count` int(10) unsigned NOT NULL DEFAULT 0",
            "PRIMARY KEY (`id`)",
            "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        ):
            assert fragment in create, (fragment, create)


def test_checksum_matches_prisma():
    assert checksum(b"hello") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    lf, crlf = b"a;\nb;\n", b"a;\r\nb;\r\n"
    assert checksum_matches(checksum(lf), crlf)
    assert checksum_matches(checksum(crlf), lf)
    assert not checksum_matches(checksum(lf), b"a;\nc;\n")


def test_legacy_checksum_with_leading_zero_bytes():
    # Find a script whose digest has a byte below 0x10, so the legacy form is shorter.
    import hashlib

    for n in range(1000):
        data = f"SELECT {n};\n".encode()
        digest = hashlib.sha256(data).digest()
        legacy = "".join(f"{byte:x}" for byte in digest)
        if len(legacy) < 64:
            assert checksum_matches(legacy, data)
            assert not checksum_matches(legacy, data + b" ")
            return
    pytest.fail("no digest with a small byte found")


def test_listing_only_directories_sorted_by_name(tmp_path: Path):
    for name in ("20240102_b", "20240101_a", "0_init"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "migration.sql").write_text("SELECT 1;\n")
    (tmp_path / "README.txt").write_text("x")
    (tmp_path / "migration_lock.toml").write_text('provider = "sqlite"\n')
    (tmp_path / "20240103_no_script").mkdir()
    listed = list_migrations(tmp_path)
    assert [m.name for m in listed] == ["0_init", "20240101_a", "20240102_b", "20240103_no_script"]
    assert listed[-1].checksum is None


def test_new_migration_folder_and_lock_file(tmp_path: Path):
    moment = datetime(2021, 3, 16, 15, 5, 42, tzinfo=UTC)
    created = create_migration(
        tmp_path, "retroactively-add index", "CREATE INDEX i ON t (x);\n", "postgresql", moment
    )
    assert created.name == "20210316150542_retroactively_add_index"
    assert (tmp_path / created.name / "migration.sql").read_text() == "CREATE INDEX i ON t (x);\n"
    assert (tmp_path / "migration_lock.toml").read_text() == (
        "# Please do not edit this file manually\n"
        "# It should be added in your version-control system (e.g., Git)\n"
        'provider = "postgresql"\n'
    )
    assert LOCK_FILE_TEXT.format(provider="x").endswith('provider = "x"\n')
    assert lock_file_provider(tmp_path) == "postgresql"
    # An existing lock file is left alone.
    (tmp_path / "migration_lock.toml").write_text('provider = "mysql"\n')
    create_migration(tmp_path, "next", "SELECT 1;\n", "postgresql", moment.replace(second=43))
    assert lock_file_provider(tmp_path) == "mysql"
    with pytest.raises(MendError) as caught:
        create_migration(tmp_path, "x" * 300, "SELECT 1;\n", "postgresql", moment)
    assert caught.value.code == "P3010"


def test_slugify_like_prisma():
    assert slugify("Add User Email") == "add_user_email"
    assert slugify("addUserEmail") == "add_user_email"
    assert slugify("  Crème brûlée!  ") == "creme_brulee"
    assert slugify("") == ""


PRISMA_POSTGRES_LOGS = """A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve

Migration name: 20240103000000_unique

Database error code: 23505

Database error:
ERROR: could not create unique index "User_name_key"
DETAIL: Key (name)=(paul) is duplicated.

DbError { severity: "ERROR", parsed_severity: Some(Error), code: SqlState(E23505), message: "could not create unique index \\"User_name_key\\"", detail: Some("Key (name)=(paul) is duplicated."), hint: None }

   0: sql_schema_connector::apply_migration::apply_script
           with migration_name="20240103000000_unique"
             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113
   1: schema_core::commands::apply_migrations::Applying migration
           with migration_name="20240103000000_unique"
             at schema-engine/core/src/commands/apply_migrations.rs:91
"""

PRISMA_MYSQL_LOGS = """A migration failed to apply. New migrations cannot be applied before the error is recovered from.

Migration name: 20240103000000_unique

Database error code: 1062

Database error:
Duplicate entry 'paul' for key 'User_name_key'

Please check the query number 3 from the migration file.

   0: sql_schema_connector::apply_migration::apply_script
           with migration_name="20240103000000_unique"
"""

PRISMA_SQLITE_RAW_LOGS = """SQLITE_ERROR: near "THIS": syntax error
   0: sql_schema_connector::apply_migration::apply_script
           with migration_name="20240102000000_bad"
             at schema-engine/connectors/sql-schema-connector/src/apply_migration.rs:113
"""


def test_parses_prismas_own_logs():
    pg = FailureRecord.from_logs(PRISMA_POSTGRES_LOGS)
    assert pg is not None and pg.source == "prisma"
    assert pg.error_code == "23505"
    assert pg.message == (
        'ERROR: could not create unique index "User_name_key"\n'
        "DETAIL: Key (name)=(paul) is duplicated."
    )
    my = FailureRecord.from_logs(PRISMA_MYSQL_LOGS)
    assert my is not None and (my.error_code, my.statement_index) == ("1062", 3)
    assert my.message == "Duplicate entry 'paul' for key 'User_name_key'"
    lite = FailureRecord.from_logs(PRISMA_SQLITE_RAW_LOGS)
    assert lite is not None and lite.source == "prisma"
    assert lite.message == 'SQLITE_ERROR: near "THIS": syntax error'
    assert lite.error_code == "SQLITE_ERROR"
    assert FailureRecord.from_logs(None).process_died
    assert FailureRecord.from_logs("  ").process_died
    odd = FailureRecord.from_logs("something else entirely")
    assert odd is not None and odd.source == "unknown" and odd.message == "something else entirely"


def test_mend_logs_round_trip_with_tricky_content(project: Project, db: TestDatabase):
    from mend_core.operations.deploy import MigrationFailed

    tricky = "SELECT 'Failed statement 1 of 1:' AS x FROM nowhere;"
    project.add("1_tricky", "-- Database error:\n" + tricky + "\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    parsed = FailureRecord.from_logs(db.history()[0][4])
    assert parsed is not None and parsed.source == "mend"
    assert parsed.statement_index == 1 and parsed.statement_count == 1
    assert parsed.statement_sql == "-- Database error:\n" + tricky
    assert "nowhere" in parsed.message
