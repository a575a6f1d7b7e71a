"""SQLite through the standard library's sqlite3."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mend_core.database.splitting import split_sqlite
from mend_core.database.statements import Statement
from mend_core.dialects.base import SqlDialect
from mend_core.dialects.connect_errors import (
    sqlite_hot_journal,
    sqlite_in_wal_mode,
    sqlite_wal_unreadable,
)
from mend_core.dialects.errors import DbError
from mend_core.errors import M1004, P1002, P1003, MendError
from mend_core.history.timestamps import parse_text_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from sqlalchemy.engine.interfaces import Dialect

    from mend_core.database.session import Database
    from mend_core.dialects.failures import ErrorClues, FailureKind
    from mend_core.project.target import DatabaseTarget
    from mend_core.schema.model import Column, DbObject, Schema, Table
    from mend_core.schema.render.base import Renderer

# Byte for byte what Prisma's native engine creates (schema-engine flavour/sqlite.rs).
HISTORY_DDL = """CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)"""


class SQLiteDialect(SqlDialect):
    name = "sqlite"
    placeholder = "?"
    lexer = "sql"
    transactional_ddl = True
    has_server = False
    runbook_client = "sqlite3 -bail path/to/dev.db < runbook.sql"
    stop_at_first_error = (
        "-- sqlite3 stops at the first error (and so after a failed guard) with this setting:",
        ".bail on",
    )
    history_now_sql = (  # integer unix milliseconds
        "(CAST(strftime('%s', 'now') AS INTEGER) * 1000"
        " + CAST(substr(strftime('%f', 'now'), 4) AS INTEGER))"
    )
    keeps_ddl_catalog = True
    foreign_keys_in_create_table = True
    rebuilds_tables_to_alter = True
    physical_row_id = "rowid"
    checks_foreign_keys_whole = True
    char_length_function = "length"  # SQLite's length() counts characters
    epoch_millisecond_timestamps = True  # SQLite reads integers as epoch milliseconds

    def code_failure_kind(self, code: str) -> FailureKind | None:
        # deferred: a failure is read only when mend diagnoses one (inspect, plan, recover):
        # `mend status` never does, and starts without this family's codes and patterns
        from mend_core.dialects import sqlite_failures

        return sqlite_failures.failure_kind(code)

    def error_clues(self, message: str, detail: str | None) -> ErrorClues:
        # deferred: as in code_failure_kind, only when a failure is diagnosed
        from mend_core.dialects import sqlite_failures

        return sqlite_failures.error_clues(message, detail)

    def prisma_type(self, column: Column, enums: Collection[str]) -> tuple[str, str | None]:
        # deferred: the Prisma type mapping serves the hotfix only (its patterns compile at
        # import, about 4 ms here): every command on a sqlite database loads this module
        from mend_core.dialects.prisma_types import sqlite_prisma_type

        return sqlite_prisma_type(column, enums)

    def connect(self, target: DatabaseTarget, *, read_only: bool, create: bool) -> Any:
        if target.memory:
            location, uri = ":memory:", False
        else:
            assert target.path is not None
            if not target.path.exists() and not create:
                raise MendError(
                    M1004,
                    f"The SQLite database file `{target.path}` does not exist.",
                    "Check the path (Prisma resolves `file:` URLs relative to schema.prisma); "
                    "`mend deploy` creates the file, as `prisma migrate deploy` does.",
                )
            if create and not target.path.parent.is_dir():
                raise MendError(
                    P1003,
                    f"The folder of the SQLite database `{target.path}` does not exist.",
                    f"Create `{target.path.parent}` first, or fix the path in the URL.",
                )
            mode = "ro" if read_only else ("rwc" if create else "rw")
            location, uri = f"file:{quote(str(target.path))}?mode={mode}", True
        try:
            raw = sqlite3.connect(
                location,
                uri=uri,
                timeout=target.connect_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.DatabaseError as exc:
            raise self._connect_error(exc, target, read_only) from None
        try:
            # The first read is where SQLite finds a hot journal or a WAL it cannot use.
            raw.execute("PRAGMA schema_version").fetchall()
        except sqlite3.DatabaseError as exc:
            raw.close()
            raise self._connect_error(exc, target, read_only) from None
        return raw

    def _connect_error(
        self, exc: sqlite3.DatabaseError, target: DatabaseTarget, read_only: bool
    ) -> MendError:
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_BUSY:
            return MendError(
                P1002,
                f"The SQLite database `{target.path}` stayed locked by another process for "
                f"{target.connect_timeout:g} s.",
                "A deploy or resolve holds it (Prisma and mend lock SQLite files "
                "exclusively while migrating); wait for it to finish. `fuser` on the file "
                "shows which process it is.",
            )
        if target.path is not None and code == sqlite3.SQLITE_READONLY_ROLLBACK:
            return sqlite_hot_journal(target.path, read_only)
        if (
            target.path is not None
            and code is not None
            and code & 0xFF == sqlite3.SQLITE_CANTOPEN
            and sqlite_in_wal_mode(target.path)
        ):
            return sqlite_wal_unreadable(target.path)
        return MendError(
            P1003,
            f"`{target.path}` could not be opened as a SQLite database: {exc}.",
            "Check that the file is a SQLite database and that it is readable"
            + ("." if read_only else " and writable."),
        )

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def db_error(self, exc: BaseException) -> DbError:
        code = getattr(exc, "sqlite_errorcode", None)
        name = getattr(exc, "sqlite_errorname", None)
        message = f"{name}: {exc}" if name else str(exc)
        return DbError(str(code) if code is not None else "", message)

    def transaction_open(self, raw: Any) -> bool | None:
        return bool(raw.in_transaction)

    def split(self, script: str) -> list[Statement]:
        return split_sqlite(script)

    def ddl_catalog(self, db: Database) -> frozenset[tuple[object, ...]] | None:
        return frozenset(db.query("SELECT type, name, tbl_name, sql FROM sqlite_master"))

    def bound_lock_wait(self, db: Database, seconds: float) -> None:
        db.execute(f"PRAGMA busy_timeout = {max(1, int(seconds * 1000))}")

    def reset_lock_wait(self, db: Database) -> None:
        # The busy timeout the connection was opened with.
        db.execute(f"PRAGMA busy_timeout = {int(db.target.connect_timeout * 1000)}")

    def lock_words(self, kind: str, size: str) -> str | None:
        return "takes the database-wide write lock (SQLite)"

    def object_exists_sql(
        self, kind: str, table: str, name: str, text: Callable[[str], str]
    ) -> str:
        if kind == "table":
            return (
                f"EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                f"{text(table)})"
            )
        if kind == "column":
            return (
                f"EXISTS (SELECT 1 FROM pragma_table_info({text(table)}) WHERE name = {text(name)})"
            )
        return f"EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = {text(name)})"

    def guard_sql(self, condition: str, message: str) -> list[str]:
        return [
            "CREATE TEMP TABLE mend_guard (ok INTEGER);",
            "CREATE TEMP TRIGGER mend_guard_check BEFORE INSERT ON mend_guard WHEN NEW.ok = 0",
            f"BEGIN SELECT RAISE(ABORT, {message}); END;",
            f"INSERT INTO mend_guard SELECT (\n    {condition}\n);",
            "DROP TABLE mend_guard;",
        ]

    def renderer(self) -> Renderer:
        # deferred: the schema engine's renderer (about 12 ms here) serves a plan or a diff; `mend
        # status` on SQLite loads this module and never renders
        from mend_core.schema.render.sqlite import SQLiteRenderer

        return SQLiteRenderer()

    def inspect(
        self,
        db: Database,
        tables: Collection[str] | None = None,
        known: Mapping[str, Table] | None = None,
    ) -> Schema:
        # deferred: the inspector (about 28 ms here) only reads a schema; `mend status` on SQLite
        # loads this module and never inspects
        from mend_core.schema.inspect_sqlite import inspect_sqlite

        return inspect_sqlite(db, tables, known)

    def schema_objects(self, db: Database) -> set[DbObject]:
        # deferred: as in inspect, start-up
        from mend_core.schema import inspect_sqlite

        return inspect_sqlite.schema_objects(db)

    def drop_objects(self, db: Database, objects: Collection[DbObject]) -> None:
        # deferred: as in inspect, start-up
        from mend_core.schema import inspect_sqlite

        inspect_sqlite.drop_objects(db, objects)

    def sqlalchemy_dialect(self) -> Dialect:
        # deferred: SQLAlchemy with its SQLite dialect (about 300 ms here) only when a query is
        # built
        from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

        return SQLiteDialect_pysqlite(paramstyle="named")

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def history_table_ddl(self) -> str:
        return HISTORY_DDL

    def encode_timestamp(self, value: datetime) -> Any:
        # The native engine stores DATETIME as integer unix milliseconds.
        return int(value.timestamp() * 1000)

    def decode_timestamp(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if type(value) is int or type(value) is float:  # the common case, checked cheaply
            return datetime.fromtimestamp(value / 1000, UTC)
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        return parse_text_timestamp(text)

    def table_columns(self, db: Database, table: str) -> list[str] | None:
        rows = db.query("SELECT name FROM pragma_table_info(?)", (table,))
        return [r[0] for r in rows] or None

    def user_tables(self, db: Database) -> list[str]:
        rows = db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_prisma_migrations' "
            "ORDER BY name"
        )
        return [r[0] for r in rows]

    def acquire_lock(self, db: Database, timeout: float) -> None:
        if db.target.memory:
            return
        # Prisma holds the file in exclusive locking mode; BEGIN EXCLUSIVE takes the lock now
        # rather than at the first write, so two deploys cannot both read the history first.
        # The mode is switched on only once the lock is ours: a waiter in exclusive mode keeps
        # its shared lock between retries, and two waiters then deadlock until one times out.
        db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        try:
            db.execute("BEGIN EXCLUSIVE")
            db.execute("PRAGMA main.locking_mode=EXCLUSIVE")
            db.execute("COMMIT")  # the exclusive lock stays: exclusive mode keeps it
        except MendError:
            db.execute("PRAGMA main.locking_mode=NORMAL")
            raise MendError(
                P1002,
                f"Timed out after {timeout:g} s trying to lock the SQLite database "
                f"`{db.target.path}` (exclusive locking mode, as Prisma takes it).",
                "Another process holds the file open for writing, perhaps a running deploy. "
                "SQLite cannot tell which process; `fuser` or `lsof` on the file can.",
            ) from None
        finally:
            db.execute(f"PRAGMA busy_timeout = {int(db.target.connect_timeout * 1000)}")

    def release_lock(self, db: Database) -> None:
        if db.target.memory:
            return
        db.execute("PRAGMA main.locking_mode=NORMAL")
        # The lock is dropped at the next access in normal mode.
        db.query("SELECT count(*) FROM sqlite_master")
