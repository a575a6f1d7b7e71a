"""MySQL and MariaDB through PyMySQL."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from mend_core.database.splitting import split_mysql
from mend_core.database.statements import Statement, strip_leading_noise
from mend_core.dialects.base import SqlDialect, missing_driver
from mend_core.dialects.connect_errors import ConnectFailure, connect_error
from mend_core.dialects.errors import DbError
from mend_core.dialects.mysql_ddl_text import tables_named
from mend_core.errors import P1002, MendError
from mend_core.history.timestamps import as_utc, parse_text_timestamp
from mend_core.output.redaction import redact

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from sqlalchemy.engine.interfaces import Dialect
    from sqlalchemy.sql import ColumnElement

    from mend_core.database.session import Database
    from mend_core.dialects.diagnostic import Diagnostic
    from mend_core.dialects.failures import ErrorClues, FailureKind
    from mend_core.project.target import DatabaseTarget
    from mend_core.schema.model import Column, DbObject, Schema, Table
    from mend_core.schema.render.base import Renderer

# Byte for byte what Prisma's engine creates (schema-engine flavour/mysql.rs).
HISTORY_DDL = """CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"""

LOCK_NAME = "prisma_migrate"
# The sql_mode mend's own catalog queries are written for. A migration may SET another in the
# session mend then inspects with (a replay runs every migration in one session, as Prisma's
# does), and STRICT_ALL_TABLES turns a clamped session setting into an error, ANSI_QUOTES
# changes what "x" means, NO_BACKSLASH_ESCAPES what a literal holds.
OWN_SQL_MODE = "NO_ENGINE_SUBSTITUTION"
_DISCONNECT_CODES = {0, 2006, 2013, 2055}


@contextmanager
def own_sql_mode(db: Database) -> Iterator[None]:
    """mend's queries run under OWN_SQL_MODE; the session's own mode is put back afterwards,
    so that the next migration replayed in it runs as it would have. Two round trips: the mode
    is saved in a session variable by the statement that sets mend's."""
    if db in _PINNED:  # nested: the outer block puts the session's mode back
        yield
        return
    db.execute(
        "SET @mend_saved_sql_mode = @@SESSION.sql_mode, SESSION sql_mode = %s", (OWN_SQL_MODE,)
    )
    _PINNED.add(db)
    try:
        yield
    finally:
        _PINNED.discard(db)
        with suppress(MendError):  # a lost connection is reported by what failed inside
            db.execute("SET SESSION sql_mode = @mend_saved_sql_mode")


_PINNED: weakref.WeakSet[Database] = weakref.WeakSet()  # sessions inside own_sql_mode


class MySQLDialect(SqlDialect):
    name = "mysql"
    placeholder = "%s"
    lexer = "mysql"
    # MariaDB's max_statement_time (1969), MySQL's max_execution_time (3024).
    statement_timeout_codes = frozenset({"1969", "3024"})
    # Access denied to a database (1044), for a user (1045), to a table (1142); a privilege
    # such as SUPER needed (1227).
    permission_denied_codes = frozenset({"1044", "1045", "1142", "1227"})
    transactional_ddl = False
    backslash_escapes = True
    url_requires_database = True
    # MariaDB reports NULLs met by MODIFY ... NOT NULL as 1265 "Data truncated", as it does a
    # value too long for a narrower type.
    type_codes_also_for_nulls = frozenset({"1265"})
    default_port = 3306
    runbook_client = "mariadb (or mysql) --database=NAME < runbook.sql"
    stop_at_first_error = (
        "-- The mariadb/mysql client stops at the first error when it reads a script from its",
        "-- input, unless it is given --force: never pass --force to run this script.",
    )
    history_now_sql = "UTC_TIMESTAMP(3)"  # a UTC DATETIME(3)
    names_ignore_case = True
    subquery_on_changed_table = False
    changes_primary_key_in_one_statement = True
    views_survive_table_changes = True
    implicit_column_checks = True

    def code_failure_kind(self, code: str) -> FailureKind | None:
        # deferred: a failure is read only when mend diagnoses one (inspect, plan, recover):
        # `mend status` never does, and starts without this family's codes and patterns
        from mend_core.dialects import mysql_failures

        return mysql_failures.failure_kind(code)

    def error_clues(self, message: str, detail: str | None) -> ErrorClues:
        # deferred: as in code_failure_kind, only when a failure is diagnosed
        from mend_core.dialects import mysql_failures

        return mysql_failures.error_clues(message, detail)

    def prisma_type(self, column: Column, enums: Collection[str]) -> tuple[str, str | None]:
        # deferred: the Prisma type mapping serves the hotfix only (its patterns compile at
        # import, about 4 ms here): every command on a mysql database loads this module
        from mend_core.dialects.prisma_types import mysql_prisma_type

        return mysql_prisma_type(column, enums)

    def connect(self, target: DatabaseTarget, *, read_only: bool, create: bool) -> Any:
        try:
            # deferred: PyMySQL (about 30 ms here) loads with the first MySQL connection, not
            # when a MySQL URL is only parsed
            import pymysql
        except ImportError:
            raise missing_driver("pymysql") from None
        ssl: dict[str, Any] | None = None
        if target.option("sslcert") or target.option("sslaccept") or target.option("ssl"):
            ssl = {"ca": target.option("sslcert")} if target.option("sslcert") else {}
            if target.option("sslaccept") == "accept_invalid_certs":
                ssl.update(check_hostname=False, verify_mode=0)
        # PyMySQL applies `connect_timeout` to the TCP connect only, then reads the handshake
        # with `read_timeout` (None: forever), so a server that accepts and never answers would
        # hang mend. Every handshake read and write is bounded by the connect timeout here.
        timeout = max(1, round(target.connect_timeout))
        try:
            raw = _connection_class()(
                host=target.host or "localhost",
                port=target.port or 3306,
                user=target.user or "root",
                password=target.password or "",
                database=target.database,
                unix_socket=target.socket,
                connect_timeout=timeout,
                read_timeout=timeout,
                write_timeout=timeout,
                autocommit=True,
                charset="utf8mb4",
                ssl=ssl,
            )
            if read_only:
                with raw.cursor() as cursor:
                    cursor.execute("SET SESSION TRANSACTION READ ONLY")
        except pymysql.err.MySQLError as exc:
            raise self._connect_error(exc, target) from None
        # Statements get no time limit (a long migration is legitimate).
        raw.lift_io_timeouts()
        return raw

    def _connect_error(self, exc: BaseException, target: DatabaseTarget) -> MendError:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        detail = redact(str(exc.args[1] if len(exc.args) > 1 else exc), target.secrets)
        failure = {
            1045: ConnectFailure.AUTHENTICATION,
            # MariaDB's "Access denied for user" without a password (an unknown user, or one
            # that must log in another way): a credentials problem, as 1045 is.
            1698: ConnectFailure.AUTHENTICATION,
            1044: ConnectFailure.ACCESS_DENIED,
            1049: ConnectFailure.NO_DATABASE,
            # 2013/2006: the connection was lost or reset during the handshake.
            2013: ConnectFailure.CLOSED,
            2006: ConnectFailure.CLOSED,
        }.get(code, ConnectFailure.UNREACHABLE)
        if code in (2003, 2005, 2013) and "timed out" in detail.lower():
            failure = ConnectFailure.TIMEOUT
        return connect_error(failure, target, detail, f"CREATE DATABASE `{target.database}`")

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        # deferred: PyMySQL, as in connect (loaded by then: a lookup)
        import pymysql

        return (pymysql.err.MySQLError,)

    def db_error(self, exc: BaseException) -> DbError:
        if len(exc.args) >= 2 and isinstance(exc.args[0], int):
            return DbError(str(exc.args[0]), str(exc.args[1]))
        return DbError("", str(exc))

    def is_disconnect(self, exc: BaseException) -> bool:
        # deferred: PyMySQL, as in connect (loaded by then: a lookup)
        import pymysql

        if isinstance(exc, pymysql.err.InterfaceError):
            return True
        return bool(exc.args) and exc.args[0] in _DISCONNECT_CODES

    def replace_after_interrupt(self, db: Database) -> Any | None:
        # PyMySQL stops reading the server's reply half-way: the next command on this
        # connection would read the old reply. Cancel the statement from a new session and
        # carry on there; closing the old one rolls back whatever it had open.
        old_id = db.raw.thread_id()
        fresh = self.connect(db.target, read_only=db.read_only, create=False)
        with suppress(Exception), fresh.cursor() as cursor:
            cursor.execute(f"KILL QUERY {int(old_id)}")
        return fresh

    def split(self, script: str) -> list[Statement]:
        return split_mysql(script)

    def drop_all_but(self, db: Database, keep: Collection[DbObject]) -> None:
        with own_sql_mode(db):  # a replayed migration may have set any mode in this session
            super().drop_all_but(db, keep)

    def tables_named_by(self, code: str, schema: str | None) -> set[str] | None:
        return tables_named(code)

    def lock_diagnostics(self, db: Database, table: str | None) -> list[Diagnostic]:
        # deferred: the lock diagnostics build their queries with SQLAlchemy (about 300 ms here),
        # only when a statement waited on a lock
        from mend_core.dialects.mysql_locks import lock_diagnostics

        return lock_diagnostics(db, table)

    def bound_lock_wait(self, db: Database, seconds: float) -> None:
        # Metadata locks (DDL) and InnoDB row locks each have their own wait.
        db.execute(f"SET SESSION lock_wait_timeout = {max(1, round(seconds))}")
        db.execute(f"SET SESSION innodb_lock_wait_timeout = {max(1, round(seconds))}")

    def reset_lock_wait(self, db: Database) -> None:
        db.execute("SET SESSION lock_wait_timeout = DEFAULT")
        db.execute("SET SESSION innodb_lock_wait_timeout = DEFAULT")

    def migration_lock_taken(self, db: Database) -> bool:
        holder_id = db.scalar("SELECT IS_USED_LOCK(%s)", (LOCK_NAME,))
        if holder_id is None:
            return False
        # MySQL's named locks are server-wide: a deploy to another database on the same
        # server holds it too, and says nothing of this one's row.
        same = db.scalar(
            "SELECT db = DATABASE() FROM information_schema.processlist WHERE id = %s",
            (holder_id,),
        )
        # 0: another database's deploy; None: the holder ended between the two queries (or is
        # not visible to this user): neither says this database's row is running.
        return bool(same)

    def statement_time_limit(self, seconds: float) -> list[tuple[str, str]]:
        # MariaDB takes seconds, MySQL milliseconds; each ignores the other's setting.
        return [
            (
                f"SET SESSION max_statement_time = {seconds}",
                "SET SESSION max_statement_time = DEFAULT",
            ),
            (
                f"SET SESSION max_execution_time = {int(seconds * 1000)}",
                "SET SESSION max_execution_time = DEFAULT",
            ),
        ]

    def estimated_rows(self, db: Database, table: str) -> Any:
        return db.scalar(
            "SELECT table_rows FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = %s",
            (table,),
        )

    def first_values(self, column: Any, order: Sequence[Any], count: int) -> ColumnElement[Any]:
        # deferred: SQLAlchemy (about 300 ms here) loads only when a query is built
        # (database/sql_builder.py); `mend status` builds none
        from sqlalchemy import func

        ordered = func.group_concat(column).aggregate_order_by(*order)
        return func.substring_index(ordered, ",", count)

    def lock_words(self, kind: str, size: str) -> str | None:
        if kind in ("update", "delete", "insert"):
            return f"takes InnoDB row locks{size}"
        return (
            f"takes a metadata lock{size}: it waits behind any open transaction on the table, "
            "and everything after it waits behind it"
        )

    def shares_transaction(self, sql: str) -> bool:
        # DDL commits implicitly on MySQL: only data statements share a transaction.
        return Statement(0, strip_leading_noise(sql), 0).changes_data_only

    def object_exists_sql(
        self, kind: str, table: str, name: str, text: Callable[[str], str]
    ) -> str:
        if kind == "table":
            return (
                "EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() "
                f"AND table_name = {text(table)})"
            )
        if kind == "column":
            return (
                "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
                f"DATABASE() AND table_name = {text(table)} AND column_name = "
                f"{text(name)})"
            )
        return (
            "EXISTS (SELECT 1 FROM information_schema.statistics WHERE table_schema = "
            f"DATABASE() AND table_name = {text(table)} AND index_name = {text(name)})"
        )

    def guard_sql(self, condition: str, message: str) -> list[str]:
        # No procedural block outside a procedure without DELIMITER: a scalar subquery that
        # returns two rows makes the client stop with error 1242 when the check fails.
        return [
            f"SELECT IF(\n    {condition},\n    'mend guard: ok',",
            f"    (SELECT {message} UNION ALL SELECT 'guard failed')\n) AS mend_guard;",
        ]

    def renderer(self) -> Renderer:
        # deferred: the schema engine's renderer (about 25 ms here) serves a plan or a diff, never
        # `mend status`
        from mend_core.schema.render.mysql import MySQLRenderer

        return MySQLRenderer()

    def inspect(
        self,
        db: Database,
        tables: Collection[str] | None = None,
        known: Mapping[str, Table] | None = None,
    ) -> Schema:
        # deferred: import cycle (schema/inspect_mysql.py imports own_sql_mode from this module);
        # the inspector (about 20 ms here) only reads a schema
        from mend_core.schema.inspect_mysql import inspect_mysql

        return inspect_mysql(db, tables)

    def schema_objects(self, db: Database) -> set[DbObject]:
        # deferred: as in inspect: import cycle, start-up
        from mend_core.schema import inspect_mysql

        return inspect_mysql.schema_objects(db)

    def drop_objects(self, db: Database, objects: Collection[DbObject]) -> None:
        # deferred: as in inspect: import cycle, start-up
        from mend_core.schema import inspect_mysql

        inspect_mysql.drop_objects(db, objects)

    def sqlalchemy_dialect(self) -> Dialect:
        # deferred: SQLAlchemy with its MySQL dialect (about 300 ms here) only when a query is built
        from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql

        # MariaDB and MySQL quote and render alike for the statements mend builds.
        return MySQLDialect_pymysql(paramstyle="pyformat")

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def history_table_ddl(self) -> str:
        return HISTORY_DDL

    def encode_timestamp(self, value: datetime) -> Any:
        # DATETIME(3) has no zone: Prisma writes UTC wall-clock time.
        return as_utc(value).replace(tzinfo=None)

    def decode_timestamp(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return as_utc(value)
        return parse_text_timestamp(str(value))

    def table_columns(self, db: Database, table: str) -> list[str] | None:
        rows = db.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows] or None

    def user_tables(self, db: Database) -> list[str]:
        rows = db.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' "
            "AND table_name <> '_prisma_migrations' ORDER BY table_name"
        )
        return [r[0] for r in rows]

    def acquire_lock(self, db: Database, timeout: float) -> None:
        got = db.scalar("SELECT GET_LOCK(%s, %s)", (LOCK_NAME, max(0, round(timeout))))
        if got == 1:
            return
        holder = self.lock_holder(db)
        raise MendError(
            P1002,
            f"Timed out after {timeout:g} s trying to acquire the migration lock "
            f"(SELECT GET_LOCK('{LOCK_NAME}', {round(timeout)})). "
            + (f"It is held by {holder}." if holder else "The holder could not be identified."),
            "Another `prisma migrate` or `mend` command is migrating this database. Wait for "
            "it to finish; if it is stuck, end that session (KILL <id>) and check `mend status`.",
        )

    def release_lock(self, db: Database) -> None:
        db.query("SELECT RELEASE_LOCK(%s)", (LOCK_NAME,))

    def lock_holder(self, db: Database) -> str | None:
        holder_id = db.scalar("SELECT IS_USED_LOCK(%s)", (LOCK_NAME,))
        if holder_id is None:
            return None
        rows = db.query(
            "SELECT user, host, db, command, time, state, info "
            "FROM information_schema.processlist WHERE id = %s",
            (holder_id,),
        )
        if not rows:
            return f"connection {holder_id}"
        user, host, database, command, seconds, state, info = rows[0]
        text = f"connection {holder_id} ({user}@{host}, database {database}, {command}"
        text += f" for {seconds} s"
        if state:
            text += f", {state}"
        text += ")"
        if info:
            text += f", running: {' '.join(str(info).split())[:120]}"
        return text


@cache
def _connection_class() -> Any:
    """PyMySQL's connection, with one TLS context shared by every connection that asks for no
    particular TLS. PyMySQL then tries TLS if the server offers it, without verifying the
    certificate (its "preferred" mode), and builds a fresh context for that each time, loading
    the system's CA certificates it will not use (~25 ms a connection). The shared context is
    the same context: mend's connections stay exactly as secure, and connect faster."""
    # deferred: ssl (about 10 ms here) and PyMySQL's connection module load with the first MySQL
    # connection
    import ssl

    # deferred: as ssl, with the first MySQL connection
    import pymysql.connections

    preferred = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    preferred.check_hostname = False
    preferred.verify_mode = ssl.CERT_NONE

    # PyMySQL's private parts are used here only, in this subclass: PyMySQL 2.2 has no public
    # way to share a TLS context or to change its I/O timeouts after connecting.
    class Connection(pymysql.connections.Connection):  # type: ignore[misc]
        def _create_ssl_ctx(self, sslp: Any) -> Any:
            if isinstance(sslp, dict) and not sslp:
                return preferred
            return super()._create_ssl_ctx(sslp)

        def lift_io_timeouts(self) -> None:
            """No time limit on reads and writes from now on (the handshake had one). PyMySQL
            compares these with the socket's current timeout before each read and write, and
            applies them."""
            self._read_timeout = None
            self._write_timeout = None

    return Connection
