"""The Items step: the live database against its applied history, as numbered drift items.

The applied migrations are replayed in a shadow, schema-only (with their data statements when
asked, or when that fails), as `mend drift` does (or, when a
migration failed, recovery's cached states give that schema). Each item's origin is *hotfix*
(nothing in the history explains it), *left by failed migration NAME* (its objects are ones
that migration's statements touch), or made by hand on what that migration left (an index on
its new column: it waits for the recovery). Only hotfix items are offered here.
Read-only: the live database is read through a read-only session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mend_core.database.session import Database, connect
from mend_core.errors import M8001, M8002, MendError
from mend_core.history.classify import MigrationState, classify
from mend_core.history.folder import LocalMigration, list_migrations
from mend_core.history.table import HistoryTable
from mend_core.hotfix.dependencies import built_on
from mend_core.hotfix.grouping import DriftItem, group_drift
from mend_core.hotfix.leftovers import FailedLeftovers, failed_leftovers
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.replay import ReplayReport, replayed_shadow


@dataclass(frozen=True)
class DriftItems:
    """What the database has beyond (or short of) its applied history, item by item."""

    dialect: str
    target: str  # the database, for people (never the password)
    expected: Schema  # what the applied history builds
    live: Schema  # what the database has
    items: tuple[DriftItem, ...]  # hotfix items, numbered from 1
    leftovers: tuple[DriftItem, ...]  # left by failed migrations: recover them instead
    applied: tuple[LocalMigration, ...]  # replayed, in order
    failed: tuple[str, ...] = ()
    missing_locally: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    unreadable_failed: tuple[str, ...] = ()  # failed migrations without migration.sql
    history_table: bool = True
    replay: ReplayReport | None = None

    def item(self, number: int) -> DriftItem:
        if 1 <= number <= len(self.items):
            return self.items[number - 1]
        raise _no_such_item(str(number), self)

    def warnings(self) -> list[str]:
        """What the operator must know before recording anything."""
        notes = []
        if self.missing_locally:
            notes.append(
                f"{len(self.missing_locally)} applied migration(s) are missing from the folder "
                f"({', '.join(self.missing_locally[:3])}): what they created shows up as items "
                "here. Restore them from version control first."
            )
        if self.unreadable_failed:
            notes.append(
                f"Failed migration(s) without migration.sql ({', '.join(self.unreadable_failed)})"
                ": what they left cannot be told apart from a hotfix."
            )
        if self.pending:
            notes.append(
                f"{len(self.pending)} pending migration(s) ({', '.join(self.pending[:3])}) are "
                "not applied here: check that they do not create the same objects."
            )
        if not self.history_table:
            notes.append(
                "The database has no _prisma_migrations table: everything in it shows up as "
                "drift (recording it is a baseline)."
            )
        notes += self.replay.notes() if self.replay else []
        return notes

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "dialect": self.dialect,
            "replayed": [m.name for m in self.applied],
            "failed": list(self.failed),
            "missing_locally": list(self.missing_locally),
            "pending": list(self.pending),
            "items": [item.to_json(self.dialect) for item in self.items],
            "leftovers": [item.to_json(self.dialect) for item in self.leftovers],
            "warnings": self.warnings(),
        }


def find_items(
    context: Context, shadow_url: DatabaseTarget | None = None, *, replay_data: bool = False
) -> DriftItems:
    """The Items step. Never writes; the shadow is temporary (SQLite: in memory)."""
    local = list_migrations(context.migrations_dir)
    dialect = context.target.dialect
    with connect(context.target, read_only=True) as db:
        table = HistoryTable(db)
        columns = table.columns()
        rows = table.rows() if columns is not None else []
        statuses, _ = classify(local, rows)
        applied = [s.local for s in statuses if s.state is MigrationState.APPLIED and s.local]
        failed = [s for s in statuses if s.state is MigrationState.FAILED]

        def history_side() -> tuple[Schema, ReplayReport | None, FailedLeftovers]:
            leftovers = FailedLeftovers(None, None)
            if failed:
                leftovers = failed_leftovers(
                    dialect, context.target, applied, failed, shadow_url, replay_data=replay_data
                )
            if leftovers.before is not None:
                return leftovers.before, leftovers.history, leftovers
            with replayed_shadow(
                dialect, context.target, shadow_url, applied, data=replay_data
            ) as (shadow, report):
                return inspect_database(shadow), report, leftovers

        (expected, report, leftovers), live = _both(db, history_side)
    hotfixes: list[DriftItem] = []
    left: list[DriftItem] = []
    for item in group_drift(expected, live):
        origin = leftovers.origin_of(item.keys)
        if origin is not None:
            left.append(replace(item, origin=origin))
            continue
        # A hotfix on what a failed migration made would not replay: it waits for the recovery.
        origin = leftovers.origin_of(built_on(item, live, expected)) if leftovers.keys else None
        if origin is not None:
            left.append(replace(item, origin=origin, waits_for_recovery=True))
        else:
            hotfixes.append(replace(item, number=len(hotfixes) + 1))
    return DriftItems(
        dialect=dialect,
        target=context.target.label(),
        expected=expected,
        live=live,
        items=tuple(hotfixes),
        leftovers=tuple(left),
        applied=tuple(applied),
        failed=tuple(s.name for s in failed),
        missing_locally=tuple(
            s.name for s in statuses if s.state is MigrationState.MISSING_LOCALLY
        ),
        pending=tuple(s.name for s in statuses if s.state is MigrationState.PENDING),
        unreadable_failed=leftovers.unreadable,
        history_table=columns is not None,
        replay=report,
    )


_History = tuple[Schema, ReplayReport | None, FailedLeftovers]


def _both(db: Database, history_side: Callable[[], _History]) -> tuple[_History, Schema]:
    """The history's schema (shadow) and the live one. On a server both mostly wait for it, so
    they are read at once; SQLite's inspection is Python-bound: one after the other."""
    if not db.dialect.has_server:
        return history_side(), inspect_database(db)
    # deferred: concurrent.futures (~5 ms) only on a server; SQLite's are read one after the other
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mend-shadow") as pool:
        future = pool.submit(history_side)
        live = inspect_database(db)
        return future.result(), live


def select_items(drift: DriftItems, numbers: Sequence[int] | None = None) -> tuple[DriftItem, ...]:
    """The Name step's input: the items numbered (default: every hotfix item), in number order.
    M8001 for a number that is not a hotfix item, M8002 when nothing is left to record."""
    every = numbers is None
    chosen = list(drift.items) if every else [drift.item(n) for n in sorted(set(numbers or ()))]
    if not chosen:
        raise _nothing_selected(drift, numbers)
    return tuple(chosen)


def parse_item_numbers(texts: Iterable[str]) -> list[int] | None:
    """`--item 1 --item 3,4` as numbers; None when no --item was given (M8001 for a non-number,
    M8002 for an empty one)."""
    texts = list(texts)
    if not texts:
        return None
    numbers = []
    for text in texts:
        parts = [p.strip() for p in text.split(",")]
        if not any(parts):
            raise MendError(
                M8002,
                "`--item` was given without a number: nothing is selected to record.",
                "`mend hotfix --list` numbers the items; pass --item N (once per item, or "
                "N,M), or leave --item out to record every hotfix item.",
            )
        for part in parts:
            if not part.isdigit():
                raise MendError(
                    M8001,
                    f"`{part}` is not an item number: items are numbered 1, 2, 3... by "
                    "`mend hotfix --list`.",
                    "Pass --item N with a number from that list.",
                )
            numbers.append(int(part))
    return numbers


def _no_such_item(given: str, drift: DriftItems) -> MendError:
    count = len(drift.items)
    have = f"items 1 to {count}" if count > 1 else ("item 1" if count else "no hotfix items")
    left = (
        f" The {len(drift.leftovers)} change(s) left by a failed migration are not numbered: "
        "they belong to its recovery."
        if drift.leftovers
        else ""
    )
    return MendError(
        M8001,
        f"There is no hotfix item {given}: the drift of {drift.target} has {have}.{left}",
        "`mend hotfix --list` shows the numbered items; nothing was written.",
    )


def _nothing_selected(drift: DriftItems, numbers: Sequence[int] | None) -> MendError:
    if numbers is not None:
        why = "no item was selected"
    elif drift.leftovers:
        names = ", ".join(sorted({i.origin or "" for i in drift.leftovers}))
        why = (
            "the only drift is what failed migration(s) left behind "
            f"({names}): that belongs to their recovery, not to a hotfix"
        )
        waiting = [i.label for i in drift.leftovers if i.waits_for_recovery]
        if waiting:
            why += (
                f"; {', '.join(waiting)} was made by hand on it, and can be recorded once the "
                "migration is recovered (the history cannot replay it before)"
            )
    else:
        why = "the database matches its applied migrations: there is no drift to record"
    hint = (
        f"Recover it instead: `mend inspect {drift.failed[0]}`, then `mend recover`."
        if drift.leftovers and drift.failed
        else "`mend hotfix --list` shows the items; nothing was written."
    )
    return MendError(M8002, f"Nothing to record as a hotfix: {why}.", hint)
