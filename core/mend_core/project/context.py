"""Everything a command needs to know about where it works: project, database and options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mend_core.database.session import Database, connect, refuse_in_read_only
from mend_core.history.table import HistoryTable, new_uuid
from mend_core.history.timestamps import now
from mend_core.project.discovery import Project, find_project, resolve_target
from mend_core.project.target import DatabaseTarget

if TYPE_CHECKING:
    from mend_core.database.journal import Journal

DEFAULT_LOCK_TIMEOUT = 10.0


@dataclass(frozen=True)
class Context:
    """A project and the database it is pointed at, with the operator's options."""

    project: Project
    target: DatabaseTarget
    url_source: str = "--url"
    read_only: bool = False
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    journal_path: Path | None = field(default=None)
    # Where written rows and journal entries take their time and ids: the real clock and
    # UUIDs, or fixed ones for reproducible scenes (screenshots, snapshot tests).
    clock: Callable[[], datetime] = field(default=now, repr=False)
    new_id: Callable[[], str] = field(default=new_uuid, repr=False)

    @property
    def provider(self) -> str:
        """The provider recorded in migration_lock.toml terms."""
        return self.project.provider or self.target.dialect

    @property
    def migrations_dir(self) -> Path:
        return self.project.migrations_dir

    def connect(self, *, create: bool = False) -> Database:
        return connect(self.target, read_only=self.read_only, create=create)

    def history(self, db: Database) -> HistoryTable:
        """The history table of `db`, writing rows with this context's clock and ids."""
        return HistoryTable(db, clock=self.clock, new_id=self.new_id)

    def writer(self, command: str) -> Journal:
        """Refuse in read-only mode; otherwise open the journal for a command that writes."""
        refuse_in_read_only(self.read_only, command)
        # deferred: the journal (getpass, socket, threading) only for a command that writes
        from mend_core.database.journal import Journal, default_journal_path

        path = self.journal_path or default_journal_path()
        return Journal(path, self.target, command, run=self.new_id(), clock=self.clock).open()


def load_context(
    *,
    root: Path | None = None,
    url: str | None = None,
    schema: Path | None = None,
    migrations_dir: Path | None = None,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    environ: Mapping[str, str] | None = None,
    journal_path: Path | None = None,
) -> Context:
    """Find the project and its database the way the CLI does."""
    project = find_project(root, schema_path=schema, migrations_dir=migrations_dir, environ=environ)
    resolved = resolve_target(project, url=url, environ=environ)
    return Context(
        project=project,
        target=resolved.target,
        url_source=resolved.source,
        read_only=read_only,
        lock_timeout=lock_timeout,
        journal_path=journal_path,
    )
