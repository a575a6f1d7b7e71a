"""The errors of a failed connection, worded once for every server dialect (Prisma's P1xxx)."""

from __future__ import annotations

from enum import Enum

from mend_core.errors import P1000, P1001, P1002, P1003, P1010, MendError
from mend_core.target import DatabaseTarget


class ConnectFailure(Enum):
    AUTHENTICATION = "authentication"
    ACCESS_DENIED = "access denied"
    NO_DATABASE = "no database"
    TIMEOUT = "timeout"
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
    return MendError(
        P1001,
        f"Can't reach the database server at {where} ({detail}).",
        "Make sure the server is running and that the host and port in the URL are right.",
    )
