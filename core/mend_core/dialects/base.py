"""What differs between PostgreSQL, MySQL and SQLite, behind one interface."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mend_core.dialects.errors import DbError
from mend_core.errors import M1002, MendError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from sqlalchemy.engine.interfaces import Dialect
    from sqlalchemy.sql import ColumnElement

    from mend_core.database.session import Database
    from mend_core.database.statements import Statement
    from mend_core.dialects.diagnostic import Diagnostic
    from mend_core.dialects.failures import ErrorClues, FailureKind
    from mend_core.project.target import DatabaseTarget
    from mend_core.schema.model import Column, DbObject, Schema, Table
    from mend_core.schema.render.base import Renderer


class SqlDialect(ABC):
    """One database family: how to connect, split, quote, lock and read its catalog."""

    name: str  # Prisma's provider name
    placeholder: str = "%s"
    lexer: str = "sql"  # Pygments lexer for highlighting its SQL
    # Whether a failed transaction undoes the DDL that ran before the failure.
    transactional_ddl: bool = False
    # Whether a database holds schemas of its own (the target's `schema` names one of them);
    # on MySQL a schema is the database itself.
    has_schemas: bool = False
    # Whether a migration script runs as one implicit transaction, as Prisma sends it (in one
    # message) to PostgreSQL; elsewhere statement by statement.
    runs_migration_in_one_transaction: bool = False
    # Whether an integer in the history's timestamp columns is epoch milliseconds (SQLite).
    epoch_millisecond_timestamps: bool = False
    # The schema a fresh database's tables go to, where the URL names none.
    default_schema: str | None = None
    # The database a URL that names none connects to; whether a URL must name one.
    default_database: str | None = None
    url_requires_database: bool = False
    # False for an embedded database (a file): a shadow is made in memory, not on a server.
    has_server: bool = True
    # The port a server URL that names none connects to (None: no server).
    default_port: int | None = None

    # The schema engine's differences (schema/plan.py, schema/compare.py):
    # foreign keys are part of a table's CREATE statement, made and dropped with it (SQLite);
    foreign_keys_in_create_table: bool = False
    # a table is rebuilt (made anew and copied) for the changes ALTER TABLE cannot make (SQLite);
    rebuilds_tables_to_alter: bool = False
    # a primary key is replaced in one ALTER TABLE statement, not dropped and added (MySQL);
    changes_primary_key_in_one_statement: bool = False
    # views keep working while their tables change, so they need no rebuilding (MySQL);
    views_survive_table_changes: bool = False
    # columns carry CHECKs the database adds itself (MariaDB's JSON validity), not compared.
    implicit_column_checks: bool = False

    # -- connecting -------------------------------------------------------------------------
    @abstractmethod
    def connect(self, target: DatabaseTarget, *, read_only: bool, create: bool) -> Any:
        """Open a DB-API connection in autocommit mode; raise MendError with a hint on failure."""

    @abstractmethod
    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exception classes that carry a database error."""

    @abstractmethod
    def db_error(self, exc: BaseException) -> DbError:
        """The database's own code and message for a driver exception."""

    def is_disconnect(self, exc: BaseException) -> bool:
        return False

    def replace_after_interrupt(self, db: Database) -> Any | None:
        """A fresh connection when Ctrl-C left this one unusable mid-reply; None if it is fine
        (psycopg cancels the query itself; sqlite3 finishes the statement first)."""
        return None

    def transaction_open(self, raw: Any) -> bool | None:
        """Whether the server still holds a transaction open on this connection (None: the
        driver cannot tell). A rehearsal checks it after every statement."""
        return None

    # -- why a statement failed (recovery/cause.py, dialects/failures.py) ----------------------
    def failure_kind(self, code: str | None, message: str) -> FailureKind | None:
        """The kind of cause the database's error code names; from the message only when there
        is no code or a generic one (a specific code mend does not map is not a data cause,
        whatever its message mentions)."""
        # deferred: a failure is read only when mend diagnoses one (inspect, plan, recover):
        # `mend status` never does, and starts without the failure vocabulary
        from mend_core.dialects.failures import GENERIC_CODES, kind_from_message

        if not code or code in GENERIC_CODES:
            return kind_from_message(message)
        return self.code_failure_kind(code)

    # The codes that say "type" for NULLs met by making a column NOT NULL too (MariaDB's 1265,
    # "Data truncated"): the failing statement's changes tell which (recovery/cause.py).
    type_codes_also_for_nulls: frozenset[str] = frozenset()

    @abstractmethod
    def code_failure_kind(self, code: str) -> FailureKind | None:
        """The kind of cause one of this family's error codes names; None: none mend knows."""

    @abstractmethod
    def error_clues(self, message: str, detail: str | None) -> ErrorClues:
        """What this family's error message (and DETAIL, where it writes one) names."""

    # -- Prisma's view of a column (hotfix/prisma_schema.py, dialects/prisma_types.py) ------------
    @abstractmethod
    def prisma_type(self, column: Column, enums: Collection[str]) -> tuple[str, str | None]:
        """The column's Prisma scalar type and native attribute (None: Prisma's default for the
        scalar), as introspection writes them on this family."""

    # -- SQL text ---------------------------------------------------------------------------
    @abstractmethod
    def split(self, script: str) -> list[Statement]: ...

    @abstractmethod
    def quote(self, identifier: str) -> str: ...

    def params(self, count: int) -> str:
        return ", ".join([self.placeholder] * count)

    # A plain string literal's backslash escapes the next character (MySQL's default sql_mode).
    backslash_escapes: bool = False
    # The prefix of a string literal whose backslashes escape (PostgreSQL's E''), if any.
    escape_string_prefix: str | None = None

    def unquoted_name(self, identifier: str) -> str:
        """What an unquoted identifier is stored as (PostgreSQL folds it to lower case)."""
        return identifier

    def shares_transaction(self, sql: str) -> bool:
        """Whether a statement can run inside a transaction with others (else it runs alone,
        committed on its own)."""
        return True

    # -- a runbook's guard (recovery/runbook.py) ------------------------------------------------
    @abstractmethod
    def object_exists_sql(
        self, kind: str, table: str, name: str, text: Callable[[str], str]
    ) -> str:
        """A boolean SQL expression: does the table, its column `name` or the index `name`
        (kind "table", "column", else an index) exist? `text` writes a string literal."""

    @abstractmethod
    def guard_sql(self, condition: str, message: str) -> list[str]:
        """Lines that make the database client stop with `message` (a string literal) unless
        `condition` holds."""

    # How the family's own client runs a runbook (a comment line's text).
    runbook_client: str
    # The client's setting to stop at the first error, first in the script (with the comment
    # saying so): the guard works only if a failed statement ends the run.
    stop_at_first_error: tuple[str, ...]
    # The time the script runs, as Prisma's engine stores it in the history (mend's clock:
    # UTC, milliseconds), one value for the whole statement.
    history_now_sql: str

    # -- history table ----------------------------------------------------------------------
    @abstractmethod
    def history_table_ddl(self) -> str:
        """Prisma's exact CREATE TABLE for `_prisma_migrations` on this dialect."""

    def history_table_name(self, db: Database) -> str:
        return self.quote("_prisma_migrations")

    @abstractmethod
    def encode_timestamp(self, value: datetime) -> Any:
        """A UTC instant as Prisma's engine writes it on this dialect."""

    @abstractmethod
    def decode_timestamp(self, value: Any) -> datetime | None:
        """Any form Prisma may have written, as an aware UTC datetime."""

    # -- catalog ----------------------------------------------------------------------------
    @abstractmethod
    def table_columns(self, db: Database, table: str) -> list[str] | None:
        """The columns of `table` in the target schema, or None if there is no such table."""

    @abstractmethod
    def user_tables(self, db: Database) -> list[str]:
        """The tables (not views) in the target schema that make Prisma's engine call it 'not
        empty' (P3005), without the ones it ignores."""

    def prepare_schema(self, db: Database) -> None:  # noqa: B027 - most dialects need nothing
        """Make sure the target schema exists before the history table is created."""

    # -- migration lock ---------------------------------------------------------------------
    @abstractmethod
    def acquire_lock(self, db: Database, timeout: float) -> None:
        """Take Prisma's migration lock; raise P1002 naming the holder after `timeout` s."""

    @abstractmethod
    def release_lock(self, db: Database) -> None: ...

    @abstractmethod
    def lock_words(self, kind: str, size: str) -> str | None:
        """What lock a statement of `kind` (recovery/risks.statement_kind) takes, in words, with
        `size` (the table and its rows, or "") where it fits; None: none worth a note."""

    def migration_lock_taken(self, db: Database) -> bool:
        """Whether another session holds the migration lock for this database now, tried
        without waiting (and let go at once). An embedded database: a deploy holds the file
        exclusively, so a session that could connect at all is not beside one."""
        return False

    def lock_holder(self, db: Database) -> str | None:
        """Who holds the migration lock, where the database can tell."""
        return None

    @abstractmethod
    def bound_lock_wait(self, db: Database, seconds: float) -> None:
        """Bound how long this session's statements wait for a table lock (a repair's)."""

    @abstractmethod
    def reset_lock_wait(self, db: Database) -> None:
        """The session's lock wait as it was before bound_lock_wait."""

    def lock_diagnostics(self, db: Database, table: str | None) -> list[Diagnostic]:
        """Who holds or waits for locks now: on `table` where the server can tell, else the
        open transactions of the database; nothing where the database cannot say."""
        return []

    # -- counting rows ----------------------------------------------------------------------
    def statement_time_limit(self, seconds: float) -> list[tuple[str, str]]:
        """The statements that limit each statement's time, each with the one undoing it
        (none: the database has no such limit)."""
        return []

    def estimated_rows(self, db: Database, table: str) -> Any:
        """The planner's figure for the table's rows (None: none; -1: never analysed)."""
        return None

    # -- diagnostics of the rows at fault (recovery/diagnostics.py) ---------------------------
    # The column that names a row where a table has no key (PostgreSQL's ctid, SQLite's rowid).
    physical_row_id: str | None = None
    # The error codes that say a statement ran out of its time limit (statement_time_limit).
    statement_timeout_codes: frozenset[str] = frozenset()
    # The error codes that say the user may not do what was asked (create a database, ...).
    permission_denied_codes: frozenset[str] = frozenset()
    # Whether the server compares table, index and column names without case (MySQL), and
    # its messages may spell them in another case than the catalog does.
    names_ignore_case: bool = False
    # Whether one check lists every row whose foreign key has no parent (SQLite's PRAGMA
    # foreign_key_check), when a failure names no table.
    checks_foreign_keys_whole: bool = False
    # Whether an UPDATE or DELETE may read its own table in a subquery (MySQL refuses: error
    # 1093, a derived table is read first).
    subquery_on_changed_table: bool = True
    # The SQL function counting a text's characters, not bytes.
    char_length_function: str = "char_length"

    def first_values(self, column: Any, order: Sequence[Any], count: int) -> ColumnElement[Any]:
        """An aggregate of a group's first values of `column` (ordered by `order` where the
        database can; at most `count` where it can say so)."""
        # deferred: SQLAlchemy (about 300 ms here) loads only when a query is built
        # (database/sql_builder.py); `mend status` builds none
        from sqlalchemy import func

        # SQLite before 3.44 has no ORDER BY inside an aggregate.
        return func.group_concat(column)

    def invalid_indexes(self, db: Database) -> frozenset[str]:
        """The indexes a failed concurrent build left INVALID (PostgreSQL)."""
        return frozenset()

    # -- shadow databases -------------------------------------------------------------------
    def databases_like(self, pattern: str) -> str:
        """A query for the names of the server's databases matching the LIKE `pattern` (a
        constant of mend's, written into the SQL)."""
        return (
            "SELECT schema_name FROM information_schema.schemata "
            f"WHERE schema_name LIKE '{pattern}'"
        )

    def drop_database(self, name: str) -> str:
        return f"DROP DATABASE IF EXISTS {self.quote(name)}"

    def skip_commit_flush(self, db: Database) -> None:  # noqa: B027 - most dialects need nothing
        """Let a throwaway (shadow) session's commits skip waiting for the disk."""

    def drop_all_but(self, db: Database, keep: Collection[DbObject]) -> None:
        """Drop every object of the database but `keep`."""
        self.drop_objects(db, self.schema_objects(db) - set(keep))

    # -- which tables a statement touched (recovery/touched.py) -------------------------------
    # Whether the database keeps each table's DDL in a catalog that every ALTER rewrites
    # (SQLite's sqlite_master): the rows that differ after a statement name what it touched.
    keeps_ddl_catalog: bool = False

    def ddl_catalog(self, db: Database) -> frozenset[tuple[object, ...]] | None:
        """That catalog's rows (type, name, table, sql); None where there is none."""
        return None

    def tables_named_by(self, code: str, schema: str | None) -> set[str] | None:
        """The tables a DDL statement's text names, for the shapes that touch no other table;
        None: not told (it may reach further, or the dialect does not read statements)."""
        return None

    # -- schema engine (each imports its module on first use: start-up time) ---------------
    @abstractmethod
    def renderer(self) -> Renderer:
        """The SQL renderer for schema changes on this dialect."""

    @abstractmethod
    def inspect(
        self,
        db: Database,
        tables: Collection[str] | None = None,
        known: Mapping[str, Table] | None = None,
    ) -> Schema:
        """The schema of `db` (see schema.inspect.inspect_database)."""

    @abstractmethod
    def schema_objects(self, db: Database) -> set[DbObject]:
        """Every object in the database, as a shadow database is emptied by."""

    @abstractmethod
    def drop_objects(self, db: Database, objects: Collection[DbObject]) -> None: ...

    @abstractmethod
    def sqlalchemy_dialect(self) -> Dialect:
        """SQLAlchemy's dialect, with a paramstyle the driver takes as a dict."""


def missing_driver(package: str, extra_hint: str = "") -> MendError:
    return MendError(
        M1002,
        f"The database driver `{package}` is not installed in this Python environment.",
        f"Install it with `pip install {package}` (mend's own install brings it).{extra_hint}",
    )


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return _WS.sub(" ", text).strip()
