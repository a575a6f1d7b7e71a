"""Under the migration lock, before the folder is written: are the chosen items still unrecorded?

Two `mend hotfix` runs at once both preview the same hand-made index; the first to take the lock
records it, and the second then waits for the lock with a preview that is out of date. Under the
lock, the second reads the migrations folder and `_prisma_migrations` again: when a migration
appeared since its preview (a new folder, or a new finished row), the history is replayed again
and any chosen item that the history now makes refuses the run (M8008), before anything is
written. Recording it a second time would make the history create it twice: `mend drift` fails
and a fresh database no longer deploys.
"""

from __future__ import annotations

from dataclasses import dataclass

from mend_core.database.write_session import WriteSession
from mend_core.errors import M4005, M8008, MendError
from mend_core.history.classify import MigrationState, classify
from mend_core.history.folder import LocalMigration, list_migrations
from mend_core.hotfix.grouping import DriftItem
from mend_core.hotfix.preview import HotfixPreview
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.objects import value
from mend_core.schema.replay import ReplayFailed, replayed_shadow


@dataclass(frozen=True)
class HistoryNow:
    """The history as read under the lock, and what is new in it since the preview."""

    applied: tuple[LocalMigration, ...]  # what `mend drift` replays now
    new: tuple[LocalMigration, ...]  # applied or written since the preview


def read_history_now(session: WriteSession, preview: HotfixPreview) -> HistoryNow:
    """The folder and the history table, read again in the locked session."""
    drift = preview.drift
    local = list_migrations(session.context.migrations_dir)
    rows = session.history.rows() if session.history.columns() is not None else []
    statuses, _ = classify(local, rows)
    applied = tuple(s.local for s in statuses if s.state is MigrationState.APPLIED and s.local)
    before = {(m.name, m.checksum) for m in drift.applied}
    seen = {m.name for m in drift.applied} | set(drift.pending) | set(drift.failed)
    new = [m for m in applied if (m.name, m.checksum) not in before]
    # A folder written since the preview but not (yet) recorded deploys all the same.
    new += [
        s.local
        for s in statuses
        if s.state is MigrationState.PENDING and s.local and s.local.name not in seen
    ]
    return HistoryNow(applied, tuple(sorted(new, key=lambda m: m.name)))


def check_unrecorded(
    session: WriteSession, preview: HotfixPreview, shadow_url: DatabaseTarget | None = None
) -> None:
    """M8008 if a migration written or applied since the preview makes a chosen item."""
    now = read_history_now(session, preview)
    if not now.new:
        return
    drift = preview.drift
    folders = ", ".join(f"`{m.name}`" for m in now.new)
    scripts = [*now.applied, *(m for m in now.new if m not in now.applied)]
    data = drift.replay is not None and drift.replay.data
    try:
        with replayed_shadow(
            drift.dialect, session.context.target, shadow_url, scripts, data=data
        ) as (shadow, _):
            built = inspect_database(shadow)
    except ReplayFailed as error:
        session.journal.record("guard_refused", migration=preview.name.folder, changed=folders)
        raise MendError(
            M4005,
            f"The history changed since the preview ({folders} appeared) and no longer replays "
            f"in a shadow database ({error.message}): whether the chosen items are still "
            "unrecorded cannot be told. Nothing was written.",
            "Run `mend drift` and `mend hotfix --list` again.",
        ) from None
    recorded = [item for item in preview.items if _made_by_history(item, built, drift.expected)]
    if not recorded:
        session.journal.record("history_rechecked", migration=preview.name.folder, new=folders)
        return
    by = _recorded_by(recorded, now.new)
    labels = ", ".join(item.label for item in recorded)
    session.journal.record(
        "hotfix_already_recorded", migration=preview.name.folder, items=labels, by=by
    )
    left = [item for item in preview.items if item not in recorded]
    still = (
        f" Still unrecorded: {', '.join(item.label for item in left)}."
        if left
        else " Nothing is left to record."
    )
    raise MendError(
        M8008,
        f"{labels} {'is' if len(recorded) == 1 else 'are'} already recorded by {by}, a "
        "migration that appeared while this hotfix waited for the migration lock (another "
        "`mend hotfix` or a deploy): recording it again would make the history create it twice. "
        f"Nothing was written.{still}",
        "`mend drift` shows what is still unrecorded; `mend hotfix --list` numbers it."
        if left
        else "`mend drift` should now show no drift for it; commit the other run's folder.",
    )


def _made_by_history(item: DriftItem, built: Schema, expected: Schema) -> bool:
    """The history now builds or changes one of the item's objects."""
    return any(value(built, key) != value(expected, key) for key in item.keys)


def _recorded_by(items: list[DriftItem], new: tuple[LocalMigration, ...]) -> str:
    """The new migrations whose SQL names an item's object (all of them if none does)."""
    names = {item.name for item in items}
    naming = [m for m in new if any(name in _text(m) for name in names)]
    return ", ".join(f"`{m.name}`" for m in naming or new)


def _text(migration: LocalMigration) -> str:
    try:
        return migration.read_bytes().decode("utf-8", errors="replace")
    except (OSError, MendError):
        return ""
