"""What a database said when it refused a statement: shared by the session (`db`) and the
dialects, so neither has to import the other."""

from __future__ import annotations

from dataclasses import dataclass

from mend_core.errors import M1007, MendError


@dataclass(frozen=True)
class DbError:
    """What the database said about a failed statement: its own code and message (for
    PostgreSQL the ERROR, DETAIL and HINT lines), and the DETAIL alone where there is one."""

    code: str
    message: str
    detail: str | None = None


class DatabaseError(MendError):
    """The database refused a statement; `db_error` holds its own code and message."""

    def __init__(self, db_error: DbError, sql: str | None = None) -> None:
        super().__init__(
            M1007,
            f"The database returned an error ({db_error.code}): {db_error.message}",
            "Check the statement and the database's state; mend did not change anything else.",
        )
        self.db_error = db_error
        self.sql = sql


class ConnectionLost(MendError):
    """The server went away mid-session."""
