"""`mend drift`: the live database against the migrations recorded as applied in it.

The applied migrations are replayed into a shadow database; what the live database has beyond
(or short of) that is drift: a hotfix made by hand, or what a failed migration left behind. The
plan from the replayed schema to the live one is exactly the migration that records the drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mend_core.database.session import connect
from mend_core.history.classify import MigrationState, classify
from mend_core.history.folder import list_migrations
from mend_core.history.table import HistoryTable
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.plan import SchemaPlan, plan_migration
from mend_core.schema.replay import ReplayReport, replayed_shadow


@dataclass(frozen=True)
class DriftReport:
    replayed: tuple[str, ...]  # applied migrations replayed into the shadow, in order
    missing_locally: tuple[str, ...]  # applied, but no folder to replay: their objects show up
    failed: tuple[str, ...]  # failed attempts: whatever they ran before failing shows up
    plan: SchemaPlan  # from the migrations' schema to the live one
    replay: ReplayReport | None = None  # what the replay skipped, or why it ran the data

    @property
    def drifted(self) -> bool:
        return not self.plan.is_empty

    @property
    def exit_code(self) -> int:
        return 2 if self.drifted else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "drifted": self.drifted,
            "replayed": list(self.replayed),
            "missing_locally": list(self.missing_locally),
            "failed": list(self.failed),
            "differences": [
                {
                    "summary": step.summary,
                    "objects": list(step.objects),
                    "data_loss": step.warnings,
                    "sql": list(step.sql),
                }
                for step in self.plan.steps
            ],
            "script": self.plan.script(),
            "skipped_data_statements": [
                {"migration": s.migration, "statement": s.statement.index}
                for s in (self.replay.skipped if self.replay else ())
            ],
            "data_replayed": bool(self.replay and self.replay.data),
            "notes": self.replay.notes() if self.replay else [],
        }


def detect_drift(
    context: Context, shadow_url: DatabaseTarget | None = None, *, replay_data: bool = False
) -> DriftReport:
    """The drift; the history replayed schema-only unless `replay_data` (or that fails)."""
    local = list_migrations(context.migrations_dir)
    with connect(context.target, read_only=True) as live:
        table = HistoryTable(live)
        columns = table.columns()
        rows = table.rows() if columns is not None else []
        actual = inspect_database(live)
    statuses, _ = classify(local, rows)
    applied = [s for s in statuses if s.state is MigrationState.APPLIED and s.local is not None]
    missing = tuple(s.name for s in statuses if s.state is MigrationState.MISSING_LOCALLY)
    failed = tuple(s.name for s in statuses if s.state is MigrationState.FAILED)
    scripts = [s.local for s in applied if s.local is not None]
    dialect = context.target.dialect
    replaying = replayed_shadow(dialect, context.target, shadow_url, scripts, data=replay_data)
    with replaying as (shadow, report):
        expected = inspect_database(shadow)
    return DriftReport(
        tuple(s.name for s in applied), missing, failed, plan_migration(expected, actual), report
    )
