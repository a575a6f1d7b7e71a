"""Prisma's migration lock, held around every command that writes the history."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from mend_core.db import Database

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
