"""Writing the hotfix migration folder, and taking it back when recording it fails.

The folder is created exclusively (`mkdir` fails if it exists: never an overwrite), then
migration.sql, then migration_lock.toml if the migrations folder has none. Whatever this call
created is removed again if any part fails, and by `remove_migration` if the history row cannot
be written: no folder is left behind for a migration that is not recorded.
"""

from __future__ import annotations

import os
import shutil
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from mend_core.errors import M2006, M8004, MendError
from mend_core.history.checksum import checksum
from mend_core.history.folder import (
    LOCK_FILE_NAME,
    SCRIPT_NAME,
    LocalMigration,
    write_lock_file,
)
from mend_core.hotfix.naming import MigrationName


@dataclass(frozen=True)
class WrittenMigration:
    """What `write_migration` created, so that exactly that can be removed."""

    migration: LocalMigration
    created_migrations_dir: bool
    created_lock_file: bool

    @property
    def path(self) -> Path:
        return self.migration.path


def write_migration(name: MigrationName, script: str, provider: str) -> WrittenMigration:
    """The folder with migration.sql (and migration_lock.toml if absent). M2006 if the folder
    exists, M8004 if it cannot be written; nothing stays behind on failure."""
    directory = name.path.parent
    created_dir = not directory.exists()
    created_lock = False
    data = script.encode("utf-8")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        os.mkdir(name.path)
    except FileExistsError:
        raise MendError(
            M2006,
            f"A migration folder `{name.folder}` already exists; mend never overwrites one.",
            "Choose another --name, or wait a second and try again.",
        ) from None
    except OSError as error:
        _cleanup(directory if created_dir else None, None, None)
        raise _not_writable(directory, error) from None
    try:
        (name.path / SCRIPT_NAME).write_bytes(data)
        created_lock = write_lock_file(directory, provider)
    except OSError as error:
        _cleanup(directory if created_dir else None, name.path, None)
        raise _not_writable(directory, error) from None
    migration = LocalMigration(name.folder, str(name.path), checksum(data), len(data))
    return WrittenMigration(migration, created_dir, created_lock)


def remove_migration(written: WrittenMigration) -> list[str]:
    """Remove what `write_migration` created; the paths removed, for the operator."""
    directory = written.path.parent
    lock = directory / LOCK_FILE_NAME if written.created_lock_file else None
    return _cleanup(directory if written.created_migrations_dir else None, written.path, lock)


def _cleanup(directory: Path | None, folder: Path | None, lock: Path | None) -> list[str]:
    removed = []
    if folder is not None and folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():  # report only what is really gone
            removed.append(str(folder))
    if lock is not None and lock.exists():
        with suppress(OSError):
            lock.unlink()
            removed.append(str(lock))
    if directory is not None:
        with suppress(OSError):
            directory.rmdir()  # only if empty: never anything we did not create
            removed.append(str(directory))
    return removed


def _not_writable(directory: Path, error: OSError) -> MendError:
    return MendError(
        M8004,
        f"The migrations folder {directory} cannot be written ({error.strerror or error}); "
        "nothing was written and nothing was recorded.",
        "Run mend as a user who may write the migrations folder (or fix its permissions), or "
        "pass --migrations-dir.",
    )
