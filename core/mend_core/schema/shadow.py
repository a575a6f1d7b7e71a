"""Shadow databases: where a migrations folder or a DDL file is replayed to be inspected.

SQLite: in memory. PostgreSQL and MySQL: a fresh, uniquely named database on the same server,
always dropped afterwards, on errors and on Ctrl-C too; or, with --shadow-url, an existing empty
database that mend empties again afterwards.

A process killed outright (kill -9, a lost machine) cannot drop its shadow, so a shadow's name
says who made it: `mend_shadow_p<pid>_<host>_<random>`. Before creating one, mend drops the
shadows of this host whose process is gone, and says so on stderr.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace

from mend_core.database.session import Database, connect
from mend_core.dialects import dialect_for
from mend_core.dialects.errors import DatabaseError
from mend_core.errors import M6002, P3014, MendError
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import DbObject

SHADOW_PREFIX = "mend_shadow_"
_OWNED = re.compile(r"^mend_shadow_p(\d{1,10})_([0-9a-f]{8})_[0-9a-f]{8}$")
_LOG = logging.getLogger(__name__)


@contextmanager
def shadow_database(
    dialect: str, server: DatabaseTarget | None, shadow_url: DatabaseTarget | None = None
) -> Iterator[Database]:
    """An empty database of `dialect` to replay scripts into, gone when the block ends."""
    if not dialect_for(dialect).has_server:
        with connect(DatabaseTarget(dialect="sqlite", memory=True)) as db:
            yield db
        return
    if shadow_url is not None:
        yield from _given_shadow(shadow_url)
        return
    if server is None:
        raise MendError(
            P3014,
            f"mend needs a {dialect} server to create a temporary shadow database on, and none "
            "is configured.",
            "Pass --shadow-url with an empty database, or --url / DATABASE_URL for the server.",
        )
    yield from _temporary_shadow(server)


def host_tag() -> str:
    """Eight hex digits naming this machine in a shadow's name."""
    return hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:8]


def shadow_name(pid: int | None = None) -> str:
    """A new shadow's name: its owner's process id and host, then random digits."""
    owner = os.getpid() if pid is None else pid
    return f"{SHADOW_PREFIX}p{owner}_{host_tag()}_{uuid.uuid4().hex[:8]}"


def orphaned(name: str) -> bool:
    """A shadow made on this host by a process that is gone. Any other name (another host's,
    a live process's, one not in mend's exact pattern) is never touched."""
    match = _OWNED.match(name)
    if match is None or match.group(2) != host_tag():
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, and another user's
        return False
    return False


def drop_orphaned_shadows(admin: Database) -> list[str]:
    """Drop the shadows left by mend processes of this host that were killed; their names."""
    rows = admin.query(admin.dialect.databases_like("mend\\_shadow\\_p%"))
    dropped = []
    for (name,) in rows:
        if not orphaned(str(name)):
            continue
        try:
            admin.execute(admin.dialect.drop_database(str(name)))
        except MendError:  # not ours to drop after all (rights): left for its owner
            continue
        dropped.append(str(name))
        _LOG.warning(
            "mend: dropped the shadow database `%s`, left behind by mend process %s of this "
            "host, which is gone (killed before it could drop it).",
            name,
            _OWNED.match(str(name)).group(1),  # type: ignore[union-attr]
        )
    return dropped


def _temporary_shadow(server: DatabaseTarget) -> Iterator[Database]:
    name = shadow_name()
    admin = connect(server)
    try:
        with suppress(MendError):  # tidying up others' leftovers never stops this run
            drop_orphaned_shadows(admin)
        try:
            admin.execute(f"CREATE DATABASE {admin.dialect.quote(name)}")
        except DatabaseError as exc:
            if exc.db_error.code in admin.dialect.permission_denied_codes:
                raise MendError(
                    P3014,
                    "mend could not create the shadow database: the user "
                    f"`{server.user}` may not create databases on {server.label()} "
                    f"({exc.db_error.message.strip()}).",
                    "Grant it the right (PostgreSQL: ALTER ROLE ... CREATEDB; MySQL: GRANT "
                    "CREATE ON *.*), or pass --shadow-url with an empty database mend may use.",
                ) from None
            raise
        try:
            target = server.with_database(name)
            default_schema = admin.dialect.default_schema
            if default_schema is not None:
                target = replace(target, schema=default_schema)
            with connect(target) as shadow:
                scratch_session(shadow)
                yield shadow
        finally:
            with suppress(MendError):
                admin.execute(admin.dialect.drop_database(name))
    finally:
        admin.close()


def scratch_session(db: Database) -> None:
    """PostgreSQL: commits in the shadow do not wait for the disk. A shadow's content is thrown
    away (dropped, or emptied again) whatever happens, so it needs no durability, and a replay
    commits once per migration: on a busy disk the flushes were most of its time. Nothing else
    changes: what a transaction sees and what a failure rolls back stay the same."""
    db.dialect.skip_commit_flush(db)


def _given_shadow(target: DatabaseTarget) -> Iterator[Database]:
    with connect(target) as db:
        scratch_session(db)
        if not inspect_database(db).is_empty:
            raise MendError(
                M6002,
                f"The shadow database {target.label()} is not empty; mend replays migrations "
                "into an empty database and empties it again afterwards.",
                "Point --shadow-url at an empty database (it is used only while mend runs), or "
                "drop --shadow-url to let mend create a temporary one.",
            )
        # What the schema model leaves out (functions, extensions) may be there already, and
        # stays: only what the replay created is dropped.
        existing = db.dialect.schema_objects(db)
        try:
            yield db
        finally:
            try:
                empty_database(db, keep=existing)
            except MendError:
                # An interrupted or broken session cannot be trusted: empty through a new one.
                with suppress(MendError), connect(target) as fresh:
                    empty_database(fresh, keep=existing)


def empty_database(db: Database, keep: Collection[DbObject] = ()) -> None:
    """Drop every object but `keep`, so that the given shadow is empty again: a few statements
    (one DROP for many tables) in as few transactions as the database allows, not one
    committed statement per object."""
    if db.in_transaction:  # a replay that failed or was interrupted mid-transaction
        db.rollback()
    db.dialect.drop_all_but(db, keep)


def _catalog(
    dialect: str,
) -> tuple[Callable[[Database], set[DbObject]], Callable[[Database, Collection[DbObject]], None]]:
    """How to list and drop every object of a database of this dialect (its dialect's)."""
    family = dialect_for(dialect)
    return family.schema_objects, family.drop_objects
