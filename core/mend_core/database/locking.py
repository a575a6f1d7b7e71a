"""Prisma's migration lock, held around every command that writes the history."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from mend_core.database.session import Database, connect
from mend_core.dialects import dialect_for
from mend_core.errors import M4006, P1002, MendError
from mend_core.project.target import DatabaseTarget

# Prisma's escape hatch for poolers that break session locks; mend honours it the same way.
DISABLE_VARIABLE = "PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK"


def lock_disabled() -> bool:
    return bool(os.environ.get(DISABLE_VARIABLE))


@contextmanager
def migration_lock(db: Database, timeout: float) -> Iterator[None]:
    """Hold the lock Prisma takes (PostgreSQL advisory lock 72707369, MySQL
    GET_LOCK('prisma_migrate'), SQLite exclusive locking) for the duration of the block."""
    if lock_disabled():
        yield
        return
    db.dialect.acquire_lock(db, timeout)
    try:
        yield
    finally:
        # If releasing fails, the session ending releases the lock anyway.
        with suppress(Exception):
            db.dialect.release_lock(db)


def lock_taken_elsewhere(db: Database) -> str | None:
    """Who holds Prisma's migration lock now, found by trying it without waiting (and letting
    go at once); None when it is free. A failed-looking row (started, never finished, no logs)
    is a migration still running while another session holds the lock."""
    if lock_disabled() or not db.dialect.migration_lock_taken(db):
        return None
    return db.dialect.lock_holder(db) or "a session the database does not name"


def deploy_in_progress(holder: str) -> MendError:
    """M4006: a command that would recover refuses while a deploy holds the lock."""
    return MendError(
        M4006,
        "A deploy is in progress: the migration lock is held by "
        f"{holder}, and the migration it is running has not finished. It has not failed: "
        "there is nothing to recover yet, and nothing was changed.",
        "Wait for it to finish; `mend status` shows when it ends (and whether it failed).",
    )


def connect_to_analyse(target: DatabaseTarget) -> Database:
    """A read-only session for an analysis. A SQLite file that stays locked is held by a
    writer, as a running deploy holds it: that is M4006, not an unreadable database."""
    try:
        return connect(target, read_only=True)
    except MendError as error:
        if dialect_for(target.dialect).has_server or error.code != P1002:
            raise
        raise MendError(
            M4006,
            f"A deploy is in progress: another process has held the SQLite database "
            f"`{target.path}` locked for writing for {target.connect_timeout:g} s, as a "
            "running `prisma migrate deploy` or `mend deploy` holds it. Nothing was read or "
            "changed.",
            "Wait for it to finish, then run the command again; `fuser` or `lsof` on the file "
            "shows which process holds it.",
        ) from None
