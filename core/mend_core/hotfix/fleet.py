"""`mend status --targets`: every database of the inventory at a glance.

Per target: its history as `mend status` classifies it (last applied, state, pending, failed)
and whether its schema drifted from that history (its applied migrations replayed in a shadow,
as `mend drift`). The targets are read at once, each in its own thread within the timeout,
read-only; one that cannot be reached is a row of its own and the others go on. One exit code
for the fleet: the worst.

The replays are shared (see `replays`): targets of one server whose histories lie on one line
cost one replay between them, not one each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mend_core.database.session import connect
from mend_core.errors import M9000, MendError
from mend_core.history.classify import MigrationState
from mend_core.history.folder import LocalMigration, list_migrations
from mend_core.history.status import EXIT_CODES, DatabaseState, build_report
from mend_core.hotfix.parallel import Outcome, run_parallel
from mend_core.hotfix.replays import expected_schemas
from mend_core.hotfix.target_check import DEFAULT_TARGET_TIMEOUT, UNREACHABLE_CODES
from mend_core.hotfix.targets import Target
from mend_core.project.context import Context
from mend_core.project.discovery import Project
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.plan import plan_migration

ERROR_EXIT = 1
DRIFT_EXIT = EXIT_CODES[DatabaseState.DIVERGED]  # a drifted schema has left its history
# From best to worst: the fleet's exit code is the worst of its rows'.
SEVERITY = (0, 3, 7, 6, 5, 4, ERROR_EXIT)


@dataclass(frozen=True)
class FleetRow:
    target: Target
    state: DatabaseState | None = None  # None: not read
    last_applied: str | None = None
    pending: int = 0
    failed: int = 0
    drift: bool | None = None  # None: not checked
    unreachable: str | None = None  # why it could not be reached
    problem: str | None = None  # another error, or why drift could not be checked

    @property
    def exit_code(self) -> int:
        if self.unreachable is not None or self.state is None or self.problem is not None:
            return ERROR_EXIT
        return worst([EXIT_CODES[self.state], DRIFT_EXIT if self.drift else 0])

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target.name,
            "database": self.target.display(),
            "url_source": self.target.source,
            "state": self.state.value if self.state else None,
            "last_applied": self.last_applied,
            "pending": self.pending,
            "failed": self.failed,
            "drift": self.drift,
            "unreachable": self.unreachable,
            "problem": self.problem,
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True)
class FleetReport:
    rows: tuple[FleetRow, ...]
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return worst([row.exit_code for row in self.rows])

    def to_json(self) -> dict[str, Any]:
        return {"exit_code": self.exit_code, "targets": [row.to_json() for row in self.rows]}


def worst(codes: Sequence[int]) -> int:
    """The most serious of status exit codes (unknown codes count as errors)."""
    rank = {code: position for position, code in enumerate(SEVERITY)}
    return max(codes, key=lambda code: rank.get(code, len(SEVERITY)), default=0)


def fleet_status(
    project: Project,
    targets: Sequence[Target],
    *,
    timeout: float = DEFAULT_TARGET_TIMEOUT,
    on_row: Callable[[FleetRow], None] | None = None,
) -> FleetReport:
    """Every target at once, in the inventory's order. Never writes. First each target's
    status and live schema (one read-only session each, at once), then the replays its drift
    is measured against (shared, at once: see `replays`); each stage within the timeout."""
    started = time.monotonic()
    # Listed once for all targets: the threads must not race on the status checksum cache.
    local = list_migrations(project.migrations_dir, cached=True)
    by_name = {t.name: t for t in targets}
    tasks: dict[str, Callable[[], _Read]] = {t.name: _reader(project, local, t) for t in targets}
    reads = run_parallel(tasks, timeout)
    rows: dict[str, FleetRow] = {}
    requests = {}
    for name, outcome in reads.items():
        if outcome.value is None:
            rows[name] = _failed_row(by_name[name], outcome, timeout)
        else:
            requests[name] = (by_name[name].database, outcome.value.replayed)
    expected = expected_schemas(requests, timeout)
    for name, schema in expected.items():
        read = reads[name].value
        assert read is not None
        if isinstance(schema, MendError):
            why = f"drift not checked: {schema.code}: {schema.message}"
            rows[name] = replace(read.row, problem=why)
        else:
            rows[name] = replace(read.row, drift=not plan_migration(schema, read.live).is_empty)
    ordered = tuple(rows[t.name] for t in targets)
    if on_row is not None:
        for row in ordered:
            on_row(row)
    return FleetReport(ordered, time.monotonic() - started)


@dataclass(frozen=True)
class _Read:
    """A target's status row (drift not yet known), live schema and applied history."""

    row: FleetRow
    live: Schema
    replayed: tuple[LocalMigration, ...]


def _reader(project: Project, local: list[LocalMigration], target: Target) -> Callable[[], _Read]:
    return lambda: read_target(project, local, target)


def read_target(project: Project, local: list[LocalMigration], target: Target) -> _Read:
    """One read-only session: the history as `mend status` classifies it, and the schema."""
    context = Context(project, target.database, target.source, read_only=True)
    with connect(target.database, read_only=True) as db:
        report = build_report(context, local, db)
        live = inspect_database(db)
    applied = report.named(MigrationState.APPLIED)
    row = FleetRow(
        target,
        state=report.state,
        last_applied=applied[-1].name if applied else None,
        pending=len(report.named(MigrationState.PENDING)),
        failed=len(report.named(MigrationState.FAILED)),
    )
    return _Read(row, live, tuple(m.local for m in applied if m.local is not None))


def _failed_row(target: Target, outcome: Outcome[_Read], timeout: float) -> FleetRow:
    if outcome.timed_out:
        return FleetRow(target, unreachable=f"no answer within {timeout:g} s")
    error = outcome.error or MendError(M9000, "unknown failure")
    text = f"{error.code}: {error.message}"
    if error.code in UNREACHABLE_CODES:
        return FleetRow(target, unreachable=text)
    return FleetRow(target, problem=text)
