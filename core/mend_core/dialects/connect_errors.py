"""The errors of a failed connection, worded once for every server dialect (Prisma's P1xxx),
and SQLite's leftover journal and WAL files."""

from __future__ import annotations

import shlex
from enum import Enum
from pathlib import Path

from mend_core.errors import M1009, P1000, P1001, P1002, P1003, P1010, P1017, MendError
from mend_core.project.target import DatabaseTarget


class ConnectFailure(Enum):
    AUTHENTICATION = "authentication"
    ACCESS_DENIED = "access denied"
    NO_DATABASE = "no database"
    TIMEOUT = "timeout"
    CLOSED = "closed during the handshake"
    UNREACHABLE = "unreachable"


def connect_error(
    failure: ConnectFailure, target: DatabaseTarget, detail: str, create_hint: str
) -> MendError:
    """`detail` is the driver's message, already redacted; `create_hint` how to create the
    database in this dialect."""
    where = f"`{target.socket}`" if target.socket else f"`{target.host}:{target.port}`"
    if failure is ConnectFailure.AUTHENTICATION:
        return MendError(
            P1000,
            f"Authentication failed against the database server at {where}: the credentials "
            f"for `{target.user}` are not valid ({detail}).",
            "Check the user and password in the URL; special characters in the password must "
            "be %-encoded.",
        )
    if failure is ConnectFailure.ACCESS_DENIED:
        return MendError(
            P1010,
            f"User `{target.user}` was denied access on the database `{target.database}` "
            f"({detail}).",
            "Grant the user access to the database, or connect as another user.",
        )
    if failure is ConnectFailure.NO_DATABASE:
        return MendError(
            P1003,
            f"Database `{target.database}` does not exist on the database server at {where}.",
            f"Create it ({create_hint}) or fix the name in the URL.",
        )
    if failure is ConnectFailure.TIMEOUT:
        return MendError(
            P1002,
            f"The database server at {where} did not answer within {target.connect_timeout:g} s.",
            "Check the host, the port and any firewall; raise the limit with "
            "?connect_timeout=SECONDS in the URL.",
        )
    if failure is ConnectFailure.CLOSED:
        return MendError(
            P1017,
            f"The database server at {where} closed the connection before mend could log in "
            f"({detail}).",
            "Check that the port is the database server's and not another service's, and look "
            "in the server's log: it may refuse this client (too many connections, a blocked "
            "host, TLS required).",
        )
    return MendError(
        P1001,
        f"Can't reach the database server at {where} ({detail}).",
        "Make sure the server is running and that the host and port in the URL are right.",
    )


# -- SQLite -----------------------------------------------------------------------------------
# SQLite's files beside the database: a rollback journal left by a writer that stopped
# mid-transaction is "hot" (SQLite must undo it before anyone reads); a WAL needs its -shm file.


def sqlite_hot_journal(path: Path, read_only: bool) -> MendError:
    """SQLITE_READONLY_ROLLBACK: a hot journal that this connection may not roll back."""
    journal = f"{path}-journal"
    why = (
        "mend opened it read-only (`mend status` and --read-only never write)"
        if read_only
        else "this user cannot: the file or its folder is not writable"
    )
    return MendError(
        M1009,
        f"The SQLite database `{path}` has an unfinished write: `{journal}` is the rollback "
        "journal of a process that stopped in the middle of a transaction (killed, crashed, or "
        "the machine lost power), so the file may hold half of that write. SQLite rolls it back "
        f"on the next read-write open, and {why}; mend left both files untouched.",
        "Roll the unfinished write back by opening the file read-write once, while nothing else "
        "uses it, as a user who can write it and its folder: "
        f'`sqlite3 {shlex.quote(str(path))} "PRAGMA quick_check;"` (any SQLite program that '
        "opens it read-write does it, as do `mend deploy` and `mend resolve`). Do not delete "
        f"`{Path(journal).name}`: without it the half-written transaction stays in the file.",
    )


def sqlite_wal_unreadable(path: Path) -> MendError:
    """SQLITE_CANTOPEN on a WAL database whose -shm file cannot be created (folder read-only)."""
    wal = Path(f"{path}-wal")
    shm = f"{path.name}-shm"
    if wal.exists() and wal.stat().st_size > 0:
        return MendError(
            M1009,
            f"The SQLite database `{path}` has writes not yet copied into the file: `{wal}` is "
            "the write-ahead log left by a process that stopped without closing the database. "
            f"Reading it needs the shared-memory file `{shm}` beside it, which cannot be created: "
            "the folder is not writable by this user. mend left the files untouched.",
            "Copy the log into the file by opening it read-write once, as a user who can write "
            f'the folder: `sqlite3 {shlex.quote(str(path))} "PRAGMA wal_checkpoint(TRUNCATE);"`, '
            f"or copy `{path.name}` and `{wal.name}` together to a writable folder and point mend "
            f"at the copy. Do not delete `{wal.name}`: it holds committed data.",
        )
    return MendError(
        P1003,
        f"The SQLite database `{path}` is in WAL mode, and SQLite must create `{shm}` beside "
        "it even to read it, but the folder is not writable by this user.",
        f"Run mend as a user who can write the folder, or copy `{path.name}` to a writable "
        "folder and point mend at the copy.",
    )


def sqlite_in_wal_mode(path: Path) -> bool:
    """Bytes 18-19 of a SQLite header are 2 for a WAL database; read without opening it."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"
