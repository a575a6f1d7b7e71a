"""PostgreSQL through psycopg 3."""

from __future__ import annotations

import math
import re
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mend_core.database.splitting import POSTGRES_AUTOCOMMIT, split_postgres
from mend_core.database.statements import Statement, strip_leading_noise
from mend_core.dialects.base import SqlDialect, missing_driver
from mend_core.dialects.connect_errors import ConnectFailure, connect_error
from mend_core.dialects.errors import DatabaseError, DbError
from mend_core.dialects.postgresql_ddl_text import tables_named
from mend_core.dialects.psycopg_import import import_psycopg
from mend_core.errors import P1002, P1013, MendError
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

# Byte for byte what Prisma's engine creates (schema-engine flavour/postgres.rs).
HISTORY_DDL = """CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)"""

ADVISORY_LOCK_KEY = 72707369  # Prisma's key: mend and Prisma exclude each other
_DISCONNECT_STATES = {"57P01", "57P02", "57P03", "08000", "08003", "08006"}
# libpq options passed through from the URL as they are.
_PASSTHROUGH = ("sslmode", "sslrootcert", "sslcert", "sslkey", "target_session_attrs")
_BAD_OPTION = re.compile(r"invalid [\w ]+ value: \"[^\"]*\"")
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


# PostgreSQL's lock per kind of statement, and what it blocks.
_LOCK_BY_KIND = {
    "alter_table": "ACCESS EXCLUSIVE (blocks reads and writes)",
    "drop_table": "ACCESS EXCLUSIVE (blocks reads and writes)",
    "drop_index": "ACCESS EXCLUSIVE on the table (blocks reads and writes)",
    "create_index": "SHARE (blocks writes while the index builds)",
    "create_index_concurrently": "SHARE UPDATE EXCLUSIVE (reads and writes go on)",
    "drop_index_concurrently": "SHARE UPDATE EXCLUSIVE (reads and writes go on)",
    "update": "ROW EXCLUSIVE, and a row lock on each row it changes",
    "delete": "ROW EXCLUSIVE, and a row lock on each row it deletes",
    "insert": "ROW EXCLUSIVE",
}


class PostgresDialect(SqlDialect):
    name = "postgresql"
    placeholder = "%s"
    lexer = "postgresql"
    transactional_ddl = True
    has_schemas = True
    runs_migration_in_one_transaction = True
    escape_string_prefix = "E"
    default_schema = "public"
    default_database = "postgres"
    default_port = 5432
    runbook_client = 'psql -X -v ON_ERROR_STOP=1 -f runbook.sql "$DATABASE_URL"'
    stop_at_first_error = (
        "-- psql stops at the first error (and so after a failed guard) with this setting:",
        "\\set ON_ERROR_STOP on",
    )
    history_now_sql = "date_trunc('milliseconds', now())"  # timestamptz
    physical_row_id = "ctid"
    statement_timeout_codes = frozenset({"57014"})  # query_canceled
    permission_denied_codes = frozenset({"42501"})  # insufficient_privilege

    def code_failure_kind(self, code: str) -> FailureKind | None:
        # deferred: a failure is read only when mend diagnoses one (inspect, plan, recover):
        # `mend status` never does, and starts without this family's codes and patterns
        from mend_core.dialects import postgresql_failures

        return postgresql_failures.failure_kind(code)

    def error_clues(self, message: str, detail: str | None) -> ErrorClues:
        # deferred: as in code_failure_kind, only when a failure is diagnosed
        from mend_core.dialects import postgresql_failures

        return postgresql_failures.error_clues(message, detail)

    def prisma_type(self, column: Column, enums: Collection[str]) -> tuple[str, str | None]:
        # deferred: the Prisma type mapping serves the hotfix only (its patterns compile at
        # import, about 4 ms here): every command on a postgresql database loads this module
        from mend_core.dialects.prisma_types import postgres_prisma_type

        return postgres_prisma_type(column, enums)

    def connect(self, target: DatabaseTarget, *, read_only: bool, create: bool) -> Any:
        try:
            psycopg = import_psycopg()  # the first import of psycopg, made cheaper
        except ImportError:
            raise missing_driver("psycopg[binary]") from None
        options = "-c default_transaction_read_only=on" if read_only else None
        extra: dict[str, Any] = {k: v for k, v in target.options if k in _PASSTHROUGH}
        if "sslmode" in extra and extra["sslmode"] not in _SSL_MODES:
            # libpq refuses it before any network traffic; said as a bad URL, not "can't reach".
            raise invalid_ssl_mode(extra["sslmode"])
        if "sslcert" in extra and "sslrootcert" not in extra:
            # Prisma's `sslcert` is the server's CA certificate (libpq's sslrootcert).
            extra["sslrootcert"] = extra.pop("sslcert")
        try:
            raw = psycopg.connect(
                host=target.socket or target.host,
                port=target.port,
                user=target.user,
                password=target.password,
                dbname=target.database,
                connect_timeout=max(1, math.ceil(target.connect_timeout)),
                application_name="mend",
                options=options,
                autocommit=True,
                **extra,
            )
        except psycopg.Error as exc:
            raise self._connect_error(exc, target) from None
        settings = "set_config('search_path', quote_ident(%s), false)"
        if raw.info.server_version >= 140000:
            # A killed mend must not leave a transaction running on the server.
            settings += ", set_config('client_connection_check_interval', '2000', false)"
        with raw.cursor() as cursor:  # one round trip for both
            cursor.execute(f"SELECT {settings}", (target.schema or "public",))
        return raw

    def _connect_error(self, exc: BaseException, target: DatabaseTarget) -> MendError:
        detail = redact(" ".join(str(exc).split()), target.secrets)
        lowered = detail.lower()
        bad_option = _BAD_OPTION.search(detail)
        if bad_option:  # libpq refused a URL option before connecting: the URL is wrong
            return MendError(
                P1013,
                f"The provided database URL is invalid: {bad_option.group(0)}.",
                "Fix or remove that parameter in the URL.",
            )
        if "password authentication failed" in lowered or (
            "role" in lowered and "does not exist" in lowered
        ):
            failure = ConnectFailure.AUTHENTICATION
        elif "database" in lowered and "does not exist" in lowered:
            failure = ConnectFailure.NO_DATABASE
        elif "permission denied" in lowered or "no pg_hba.conf entry" in lowered:
            failure = ConnectFailure.ACCESS_DENIED
        elif "timeout expired" in lowered or "timed out" in lowered:
            failure = ConnectFailure.TIMEOUT
        elif "server closed the connection" in lowered:
            failure = ConnectFailure.CLOSED
        else:
            failure = ConnectFailure.UNREACHABLE
        return connect_error(failure, target, detail, f'CREATE DATABASE "{target.database}"')

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        # deferred: psycopg (about 200 ms here, mend's slowest import) loads with the first
        # PostgreSQL connection (psycopg_import.py), not when a PostgreSQL URL is only parsed;
        # loaded by then, this is a lookup
        import psycopg

        return (psycopg.Error,)

    def db_error(self, exc: BaseException) -> DbError:
        diag = getattr(exc, "diag", None)
        primary = getattr(diag, "message_primary", None) if diag else None
        if not primary:
            return DbError(getattr(exc, "sqlstate", None) or "", str(exc).strip())
        severity = getattr(diag, "severity", None) or "ERROR"
        lines = [f"{severity}: {primary}"]
        for label, attribute in (("DETAIL", "message_detail"), ("HINT", "message_hint")):
            value = getattr(diag, attribute, None)
            if value:
                lines.append(f"{label}: {value}")
        detail = getattr(diag, "message_detail", None) or None
        return DbError(getattr(exc, "sqlstate", None) or "", "\n".join(lines), detail)

    def is_disconnect(self, exc: BaseException) -> bool:
        # deferred: psycopg, as in driver_errors (loaded by then: a lookup)
        import psycopg

        state = getattr(exc, "sqlstate", None)
        if state in _DISCONNECT_STATES:
            return True
        return isinstance(exc, psycopg.OperationalError) and state is None

    def transaction_open(self, raw: Any) -> bool | None:
        # deferred: psycopg, as in driver_errors (loaded by then: a lookup)
        from psycopg.pq import TransactionStatus

        return raw.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def split(self, script: str) -> list[Statement]:
        return split_postgres(script)

    def databases_like(self, pattern: str) -> str:
        return f"SELECT datname FROM pg_database WHERE datname LIKE '{pattern}'"

    def drop_database(self, name: str) -> str:
        # FORCE: a session left connected (a killed mend's) must not keep it alive.
        return f"{super().drop_database(name)} WITH (FORCE)"

    def skip_commit_flush(self, db: Database) -> None:
        """A shadow's content is thrown away whatever happens, so it needs no durability, and a
        replay commits once per migration: on a busy disk the flushes were most of its time."""
        with suppress(DatabaseError):  # a server without the setting replays all the same
            db.execute("SET synchronous_commit = off")

    def tables_named_by(self, code: str, schema: str | None) -> set[str] | None:
        return tables_named(code, schema or "public")

    def lock_diagnostics(self, db: Database, table: str | None) -> list[Diagnostic]:
        # deferred: the lock diagnostics build their queries with SQLAlchemy (about 300 ms here),
        # only when a statement waited on a lock
        from mend_core.dialects.postgresql_locks import lock_diagnostics

        return lock_diagnostics(db, table)

    def bound_lock_wait(self, db: Database, seconds: float) -> None:
        db.execute(f"SET lock_timeout = {max(1, int(seconds * 1000))}")

    def reset_lock_wait(self, db: Database) -> None:
        db.execute("RESET lock_timeout")

    def migration_lock_taken(self, db: Database) -> bool:
        if db.scalar("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)):
            db.query("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
            return False
        return True

    def statement_time_limit(self, seconds: float) -> list[tuple[str, str]]:
        return [(f"SET statement_timeout = {int(seconds * 1000)}", "RESET statement_timeout")]

    def estimated_rows(self, db: Database, table: str) -> Any:
        return db.scalar(
            "SELECT c.reltuples::bigint FROM pg_catalog.pg_class c JOIN "
            "pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s",
            (db.target.schema or "public", table),
        )

    def unquoted_name(self, identifier: str) -> str:
        return identifier.lower()

    def first_values(self, column: Any, order: Sequence[Any], count: int) -> ColumnElement[Any]:
        # deferred: SQLAlchemy with its PostgreSQL dialect (about 400 ms here) only when a query
        # is built
        from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg

        ordered = array_agg(aggregate_order_by(column, *order))  # type: ignore[no-untyped-call]
        return ordered[1:count]  # type: ignore[no-any-return]

    def invalid_indexes(self, db: Database) -> frozenset[str]:
        rows = db.query(
            "SELECT c.relname FROM pg_catalog.pg_index i "
            "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND NOT i.indisvalid",
            (db.target.schema or "public",),
        )
        return frozenset(r[0] for r in rows)

    def lock_words(self, kind: str, size: str) -> str | None:
        lock = _LOCK_BY_KIND.get(kind)
        return f"takes {lock}{size}" if lock else None

    def shares_transaction(self, sql: str) -> bool:
        return not POSTGRES_AUTOCOMMIT.match(strip_leading_noise(sql))

    def object_exists_sql(
        self, kind: str, table: str, name: str, text: Callable[[str], str]
    ) -> str:
        if kind == "table":
            return f"to_regclass(quote_ident({text(table)})) IS NOT NULL"
        if kind == "column":
            return (
                "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
                f"current_schema() AND table_name = {text(table)} AND column_name = "
                f"{text(name)})"
            )
        return (
            "EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND "
            f"indexname = {text(name)})"
        )

    def guard_sql(self, condition: str, message: str) -> list[str]:
        body = [
            "BEGIN",
            f"  IF NOT (\n    {condition}\n  ) THEN",
            f"    RAISE EXCEPTION {message};",
            "  END IF;",
            "END",
        ]
        tag = _dollar_tag("\n".join(body))
        return [f"DO {tag}", *body, f"{tag};"]

    def renderer(self) -> Renderer:
        # deferred: the schema engine's renderer (about 15 ms here) serves a plan or a diff, never
        # `mend status`
        from mend_core.schema.render.postgresql import PostgresRenderer

        return PostgresRenderer()

    def inspect(
        self,
        db: Database,
        tables: Collection[str] | None = None,
        known: Mapping[str, Table] | None = None,
    ) -> Schema:
        # deferred: the inspector (about 15 ms here) only reads a schema, never for `mend status`
        from mend_core.schema.inspect_postgresql import inspect_postgres

        return inspect_postgres(db, tables)

    def schema_objects(self, db: Database) -> set[DbObject]:
        # deferred: as in inspect, start-up
        from mend_core.schema import inspect_postgresql

        return inspect_postgresql.schema_objects(db)

    def drop_objects(self, db: Database, objects: Collection[DbObject]) -> None:
        # deferred: as in inspect, start-up
        from mend_core.schema import inspect_postgresql

        inspect_postgresql.drop_objects(db, objects)

    def sqlalchemy_dialect(self) -> Dialect:
        # deferred: SQLAlchemy with its PostgreSQL dialect (about 400 ms here) only when a query
        # is built
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        return PGDialect_psycopg(paramstyle="pyformat")  # type: ignore[no-untyped-call]

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def history_table_ddl(self) -> str:
        return HISTORY_DDL

    def history_table_name(self, db: Database) -> str:
        return f"{self.quote(db.target.schema or 'public')}.{self.quote('_prisma_migrations')}"

    def encode_timestamp(self, value: datetime) -> Any:
        return as_utc(value)

    def decode_timestamp(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return as_utc(value)
        return parse_text_timestamp(str(value))

    def table_columns(self, db: Database, table: str) -> list[str] | None:
        rows = db.query(
            "SELECT a.attname FROM pg_catalog.pg_attribute a "
            "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum",
            (db.target.schema or "public", table),
        )
        return [r[0] for r in rows] or None

    def user_tables(self, db: Database) -> list[str]:
        rows = db.query(
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') "
            "AND c.relname <> '_prisma_migrations' ORDER BY c.relname",
            (db.target.schema or "public",),
        )
        # Prisma's engine ignores PostGIS's own tables.
        return [r[0] for r in rows if r[0].lower() not in ("spatial_ref_sys", "geometry_columns")]

    def prepare_schema(self, db: Database) -> None:
        schema = db.target.schema or "public"
        exists = db.scalar("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (schema,))
        if not exists:
            db.execute(f"CREATE SCHEMA IF NOT EXISTS {self.quote(schema)}")

    def acquire_lock(self, db: Database, timeout: float) -> None:
        # lock_timeout bounds the wait while keeping the server's fair queue of waiters.
        db.execute(f"SET lock_timeout = {max(1, int(timeout * 1000))}")
        try:
            db.query("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        except DatabaseError as exc:
            if exc.db_error.code != "55P03":
                raise
            holder = self.lock_holder(db)
            raise MendError(
                P1002,
                f"Timed out after {timeout:g} s trying to acquire the migration lock "
                f"(SELECT pg_advisory_lock({ADVISORY_LOCK_KEY})). "
                + (f"It is held by {holder}." if holder else "The holder could not be identified."),
                "Another `prisma migrate` or `mend` command is migrating this database. Wait for "
                "it to finish; if it is stuck, end that session (SELECT pg_terminate_backend(pid)) "
                "and check `mend status`.",
            ) from None
        finally:
            db.execute("RESET lock_timeout")

    def release_lock(self, db: Database) -> None:
        db.query("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))

    def lock_holder(self, db: Database) -> str | None:
        rows = db.query(
            "SELECT a.pid, a.usename, a.application_name, a.client_addr::text, a.state, "
            "extract(epoch FROM now() - a.backend_start)::int, left(a.query, 120) "
            "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s "
            "AND l.objsubid = 1 AND l.database = "
            "(SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())",
            (ADVISORY_LOCK_KEY,),
        )
        if not rows:
            return None
        pid, user, application, client, state, age, query = rows[0]
        text = f"pid {pid} ({user}"
        if application:
            text += f", application `{application}`"
        text += f", from {client or 'local socket'}, connected {age} s ago, {state or 'unknown'})"
        if query:
            text += f", last query: {' '.join(str(query).split())}"
        return text


def invalid_ssl_mode(value: str) -> MendError:
    return MendError(
        P1013,
        f"The provided database URL is invalid: `sslmode={value}` is not an SSL mode.",
        f"Use one of {', '.join(_SSL_MODES)} (`?sslmode=require` for an encrypted connection).",
    )


def _dollar_tag(body: str) -> str:
    """A dollar-quote tag the body does not hold: a name cannot end the quoted block."""
    tag, number = "$mend_guard$", 0
    while tag[:-1] in body:
        number += 1
        tag = f"$mend_guard_{number}$"
    return tag
