"""An open database session: DB-API underneath, mend's errors on top, passwords never shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from mend_core.dialects import dialect_for
from mend_core.dialects.base import SqlDialect
from mend_core.dialects.errors import ConnectionLost as ConnectionLost
from mend_core.dialects.errors import DatabaseError, DbError
from mend_core.errors import M1003, P1017, MendError
from mend_core.output.redaction import redact
from mend_core.project.target import DatabaseTarget

Row = tuple[Any, ...]
Params = Sequence[Any] | Mapping[str, Any]


class Database:
    """A connection to one database, in autocommit mode unless a transaction is begun."""

    def __init__(
        self, raw: Any, dialect: SqlDialect, target: DatabaseTarget, read_only: bool
    ) -> None:
        self.raw = raw
        self.dialect = dialect
        self.target = target
        self.read_only = read_only
        self.in_transaction = False

    # -- statements -------------------------------------------------------------------------
    def execute(self, sql: str, params: Params | None = None) -> None:
        self._run(sql, params, fetch=False)

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        return self._run(sql, params, fetch=True)

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def _run(self, sql: str, params: Params | None, *, fetch: bool) -> list[Row]:
        try:
            # psycopg refuses a cursor on a connection the server closed: P1017 like the rest,
            # e.g. the ROLLBACK after a statement whose session was terminated.
            cursor = self.raw.cursor()
        except self.dialect.driver_errors() as exc:
            raise self.translate(exc, sql) from None
        try:
            if params is None:
                cursor.execute(sql)
            elif isinstance(params, Mapping):
                cursor.execute(sql, dict(params))
            else:
                cursor.execute(sql, tuple(params))
            if fetch:
                return list(cursor.fetchall())
            return []
        except self.dialect.driver_errors() as exc:
            raise self.translate(exc, sql) from None
        finally:
            cursor.close()

    def translate(self, exc: BaseException, sql: str) -> MendError:
        info = self.dialect.db_error(exc)
        secrets = self.target.secrets
        info = DbError(
            info.code,
            redact(info.message, secrets),
            redact(info.detail, secrets) if info.detail else None,
        )
        if self.dialect.is_disconnect(exc):
            return ConnectionLost(
                P1017,
                f"The server closed the connection ({info.code}): {info.message}",
                "Check that the server is up, then run the command again; `mend status` shows "
                "what was recorded before the connection dropped.",
            )
        return DatabaseError(info, sql)

    # -- transactions -----------------------------------------------------------------------
    def begin(self) -> None:
        self.execute("BEGIN")
        self.in_transaction = True

    def commit(self) -> None:
        self.execute("COMMIT")
        self.in_transaction = False

    def transaction_still_open(self) -> bool:
        """False when the server says the transaction mend began has ended (a statement
        committed or rolled it back); True when it is open or the driver cannot tell."""
        return self.dialect.transaction_open(self.raw) is not False

    def rollback(self) -> None:
        self.in_transaction = False
        # Nothing to roll back is fine: the server may already have ended the transaction.
        with suppress(MendError):
            self.execute("ROLLBACK")

    def recover_after_interrupt(self) -> None:
        """After Ctrl-C during a statement: a session the driver left unusable is replaced by a
        fresh one to the same database (the old statement is cancelled on the server, and its
        open transaction ends with the old connection)."""
        replacement = self.dialect.replace_after_interrupt(self)
        if replacement is None:
            return
        old, self.raw = self.raw, replacement
        self.in_transaction = False
        with suppress(Exception):
            old.close()

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        # Closing a dead connection must not mask the error that killed it.
        with suppress(Exception):
            self.raw.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def connect(target: DatabaseTarget, *, read_only: bool = False, create: bool = False) -> Database:
    """Open a session. `read_only` is enforced by the database itself; `create` lets SQLite
    create a missing file (as Prisma's deploy does)."""
    dialect = dialect_for(target.dialect)
    raw = dialect.connect(target, read_only=read_only, create=create and not read_only)
    return Database(raw, dialect, target, read_only)


def refuse_in_read_only(read_only: bool, command: str) -> None:
    """Commands that write stop here, before they connect."""
    if read_only:
        raise MendError(
            M1003,
            f"`mend {command}` writes to the database, and --read-only is set.",
            "Drop --read-only to let it write, or use `mend status` to look without writing.",
        )
