"""How each migration stands: the folder and the history table matched by name, with Prisma's
rules. Pure classification: what the writers (deploy, drift, recovery, hotfix) and the status
report all build on; it neither reads nor writes a database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from mend_core.history.checksum import checksum_matches
from mend_core.history.folder import LocalMigration
from mend_core.history.table import HistoryRow, attempts_in_order

if TYPE_CHECKING:
    from mend_core.history.failure import FailureRecord


class MigrationState(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    FAILED = "failed"
    MISSING_LOCALLY = "missing_locally"


class MigrationStatus(NamedTuple):
    """One migration name: its folder (if any), every history row of it, and what they mean."""

    # A NamedTuple, not a dataclass: immutable all the same, and three times cheaper to build,
    # which counts when status reads 10,000 of them.

    name: str
    state: MigrationState
    local: LocalMigration | None
    rows: tuple[HistoryRow, ...]
    edited: bool = False
    row: HistoryRow | None = None  # the attempt that decides the state (see `classify`)
    rolled_back_attempts: int = 0

    @property
    def missing_script(self) -> bool:
        return self.local is not None and self.local.checksum is None

    @property
    def started_at(self) -> datetime | None:
        return self.row.started_at if self.row else None

    @property
    def finished_at(self) -> datetime | None:
        return self.row.finished_at if self.row and not self.row.rolled_back else None

    @property
    def logs(self) -> str | None:
        return self.row.logs if self.row else None

    @property
    def applied_steps_count(self) -> int | None:
        return self.row.applied_steps_count if self.row else None

    def failure(self) -> FailureRecord | None:
        if self.state is not MigrationState.FAILED:
            return None
        # deferred: only a failed migration's record needs it: a clean `mend status` never loads
        # failure.py (its patterns)
        from mend_core.history.failure import FailureRecord

        return FailureRecord.from_logs(self.logs)


def classify(
    local: list[LocalMigration], rows: list[HistoryRow]
) -> tuple[list[MigrationStatus], list[str]]:
    """Each name from the folder and the table, in name order, with its state.

    Written as plain loops: status classifies every migration of the project on each run."""
    by_name: dict[str, list[HistoryRow]] = {}
    for row in rows:
        by_name.setdefault(row.migration_name, []).append(row)
    folders = {m.name: m for m in local}
    # `local` is sorted already; only rows without a folder force a sort of the union.
    if by_name.keys() <= folders.keys():
        names = [m.name for m in local]
    else:
        names = sorted(folders.keys() | by_name.keys())
    statuses: list[MigrationStatus] = []
    removed: list[str] = []
    pending = MigrationState.PENDING
    for name in names:
        folder = folders.get(name)
        found = by_name.get(name)
        if found is None:
            statuses.append(MigrationStatus(name, pending, folder, ()))
            continue
        attempts = tuple(attempts_in_order(found))
        failed = applied = None
        rolled_back = 0
        for row in attempts:
            if row.rolled_back_raw is not None:
                rolled_back += 1
            elif row.finished_raw is None:
                failed = row
            else:
                applied = row
        if failed is not None:
            state, deciding = MigrationState.FAILED, failed
        elif applied is not None:
            state = MigrationState.APPLIED if folder else MigrationState.MISSING_LOCALLY
            deciding = applied
        elif folder is not None:
            state, deciding = pending, attempts[-1]
        else:
            removed.append(name)  # only rolled-back attempts, folder deleted: resolved
            continue
        # As Prisma's engine: the file is compared with the attempt that counts, a failed one
        # included (a script fixed after its failure is what an operator must see).
        edited = _edited(folder, failed or applied)
        statuses.append(
            MigrationStatus(name, state, folder, attempts, edited, deciding, rolled_back)
        )
    return statuses, removed


def _edited(folder: LocalMigration | None, row: HistoryRow | None) -> bool:
    """The file no longer matches the checksum of its applied or failed row (rolled-back rows
    aside)."""
    if row is None or folder is None or folder.checksum is None:
        return False
    stored = row.checksum
    if stored == folder.checksum or not stored:
        return False
    return not checksum_matches(stored, folder.read_bytes())
