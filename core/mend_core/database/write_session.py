"""The one way mend writes: a session, Prisma's migration lock and one journal run.

Deploy, resolve, execute and recovery all open it, so that a repair and the history change that
records it run under one lock, in one journal run, and (where the database allows) in one
transaction. Read-only mode refuses here, before anything connects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass

from mend_core.database.journal import Journal
from mend_core.database.locking import migration_lock
from mend_core.database.session import Database
from mend_core.history.table import HistoryTable
from mend_core.project.context import Context


@dataclass(frozen=True)
class WriteSession:
    """An open write: the database session, its history table and the journal run."""

    context: Context
    db: Database
    history: HistoryTable
    journal: Journal

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around the block where the dialect makes DDL transactional
        (PostgreSQL, SQLite); a plain block on MySQL, where DDL commits implicitly."""
        if not self.db.dialect.transactional_ddl:
            yield
            return
        self.db.begin()
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        self.db.commit()


@contextmanager
def write_session(
    context: Context, command: str, *, lock: bool = True, create: bool = False
) -> Iterator[WriteSession]:
    """Open the journal (refusing in read-only mode), connect, and take the migration lock."""
    journal = context.writer(command)
    with ExitStack() as stack:
        # Last out: whatever the run synced but left unanchored (a deploy's checkpoints) is
        # anchored as it ends, whether it ends well or not.
        stack.enter_context(_anchored_at_exit(journal))
        db = stack.enter_context(context.connect(create=create))
        if lock:
            stack.enter_context(migration_lock(db, context.lock_timeout))
        yield WriteSession(context, db, context.history(db), journal)


@contextmanager
def _anchored_at_exit(journal: Journal) -> Iterator[None]:
    """Anchor the journal when the block ends; after an error, without hiding it."""
    try:
        yield
    except BaseException:
        with suppress(Exception):
            journal.anchor()
        raise
    journal.anchor()


@contextmanager
def repair_timeouts(db: Database, lock_wait_seconds: float) -> Iterator[None]:
    """Bound how long a repair statement waits for a table lock (PostgreSQL `lock_timeout`,
    MySQL `lock_wait_timeout`), so that a repair never queues behind production traffic while
    holding up everyone behind it."""
    db.dialect.bound_lock_wait(db, lock_wait_seconds)
    try:
        yield
    finally:
        with suppress(Exception):
            db.dialect.reset_lock_wait(db)
