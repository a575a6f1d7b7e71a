"""The Verify step: drift shows none of the recorded items, status shows the migration applied.

Read-only, after the apply: the history (now with the new migration) is replayed in a shadow
and compared with the database, as `mend drift` does; the status is read as `mend status` reads
it. Each target marked applied is read again too (at once), and an unpatched one must show the
migration pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mend_core.database.session import connect
from mend_core.errors import M4009, MendError
from mend_core.history.folder import LocalMigration, list_migrations
from mend_core.history.status import MigrationState, build_report
from mend_core.hotfix.apply import HotfixResult
from mend_core.hotfix.items import find_items
from mend_core.hotfix.parallel import run_parallel
from mend_core.hotfix.target_check import DEFAULT_TARGET_TIMEOUT, TargetState
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget


@dataclass(frozen=True)
class HotfixVerification:
    migration: str
    remaining: tuple[str, ...]  # recorded items that drift still shows here
    state_here: str  # the migration's state in `mend status` here
    targets: tuple[tuple[str, str, str], ...] = ()  # (target, expected state, state found)

    @property
    def ok(self) -> bool:
        return (
            not self.remaining
            and self.state_here == MigrationState.APPLIED.value
            and all(expected == found for _, expected, found in self.targets)
        )

    def describe(self) -> list[str]:
        lines = []
        if self.remaining:
            lines.append("drift still shows: " + ", ".join(self.remaining))
        else:
            lines.append("drift shows none of the recorded items")
        lines.append(f"status shows {self.migration} {self.state_here.replace('_', ' ')}")
        for name, expected, found in self.targets:
            mark = "" if expected == found else f" (expected {expected})"
            lines.append(f"{name}: {self.migration} {found.replace('_', ' ')}{mark}")
        return lines

    def raise_if_failed(self) -> None:
        if self.ok:
            return
        raise MendError(
            M4009,
            "The hotfix was recorded, but its verification failed: "
            + "; ".join(self.describe())
            + ".",
            "`mend drift` and `mend status` show the details; the journal has every write.",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "remaining": list(self.remaining),
            "state": self.state_here,
            "targets": [
                {"target": name, "expected": expected, "found": found}
                for name, expected, found in self.targets
            ],
        }


def verify_hotfix(
    context: Context,
    result: HotfixResult,
    shadow_url: DatabaseTarget | None = None,
    *,
    timeout: float = DEFAULT_TARGET_TIMEOUT,
) -> HotfixVerification:
    """Read everything again, read-only; never raises for a failed check (see `ok`)."""
    folder = result.migration.name
    keys = result.preview.keys
    # The history replays as it did for the items (with its data statements if it needed them).
    replayed = result.preview.drift.replay
    drift = find_items(context, shadow_url, replay_data=replayed is not None and replayed.data)
    remaining = tuple(i.label for i in (*drift.items, *drift.leftovers) if i.keys & keys)
    # The folder is listed once: threads must not race on the status checksum cache.
    local = list_migrations(context.migrations_dir)
    here = _state(context, local, folder)
    expectations = {
        o.check.target.name: (
            o.check.target.database,
            MigrationState.APPLIED.value if o.marked else MigrationState.PENDING.value,
        )
        for o in result.targets
        if o.marked or o.check.state is TargetState.UNPATCHED
    }
    tasks: dict[str, Callable[[], str]] = {
        name: _reader(replace(context, target=database, read_only=True), local, folder)
        for name, (database, _) in expectations.items()
    }
    found = run_parallel(tasks, timeout)
    targets = tuple(
        (name, expected, found[name].value or "unreachable")
        for name, (_, expected) in expectations.items()
    )
    return HotfixVerification(folder, remaining, here, targets)


def _reader(context: Context, local: list[LocalMigration], folder: str) -> Callable[[], str]:
    return lambda: _state(context, local, folder)


def _state(context: Context, local: list[LocalMigration], folder: str) -> str:
    """The migration's state as `mend status` classifies it (read-only session)."""
    with connect(context.target, read_only=True) as db:
        migration = build_report(context, local, db).get(folder)
    return migration.state.value if migration else "absent"
