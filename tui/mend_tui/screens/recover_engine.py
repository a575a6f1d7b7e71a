"""The recovery engine as the wizard calls it: one object bound to the app's context, with a
method per call the wizard makes. Every method blocks (the wizard runs them in thread workers)
and none touches Textual.

Only two of them write to the database, and only through the engine's own write sessions:
`rehearse` (rolled back, or in a shadow clone on MySQL) and `execute` (after the operator typed
the migration's name). Everything else reads through read-only sessions; the files it writes
(the runbook, the report) go to the project folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mend_core.context import Context
from mend_core.db import connect
from mend_core.recovery.execute import RecoveryResult, execute_plan
from mend_core.recovery.incident import Incident, inspect_incident
from mend_core.recovery.plan import (
    DataFix,
    Direction,
    RecoveryPlan,
    generated_blocker_fixes,
    make_plan,
)
from mend_core.recovery.rehearse import RehearsalResult, rehearse
from mend_core.recovery.steps import RecoveryObserver

DEFAULT_LOCK_WAIT = 5.0


@dataclass(frozen=True)
class Plans:
    """Both ways out, side by side."""

    roll_back: RecoveryPlan
    roll_forward: RecoveryPlan

    def of(self, direction: Direction) -> RecoveryPlan:
        return self.roll_back if direction is Direction.ROLL_BACK else self.roll_forward


@dataclass(frozen=True)
class RecoveryEngine:
    context: Context
    lock_wait: float = DEFAULT_LOCK_WAIT

    @property
    def read_only(self) -> bool:
        return self.context.read_only

    @property
    def folder(self) -> Path:
        """Where the runbook and the report are written: the project folder."""
        return self.context.project.root

    @property
    def target(self) -> str:
        return self.context.target.label()

    # -- reading ------------------------------------------------------------------------------
    def inspect(self, name: str | None) -> Incident:
        return inspect_incident(self.context, name)

    def plan(
        self, incident: Incident, direction: Direction, data_fix: DataFix | None = None
    ) -> RecoveryPlan:
        # With a data fix, the later blockers get theirs too (the Data fix step says which).
        later = generated_blocker_fixes(incident) if data_fix is not None else []
        with connect(self.context.target, read_only=True) as db:
            return make_plan(db, incident, direction, data_fix, later)

    def plans(self, incident: Incident) -> Plans:
        with connect(self.context.target, read_only=True) as db:
            return Plans(
                make_plan(db, incident, Direction.ROLL_BACK),
                make_plan(db, incident, Direction.ROLL_FORWARD),
            )

    # -- writing to the database: the engine's own write sessions ------------------------------
    def rehearse(self, plan: RecoveryPlan, observer: RecoveryObserver) -> RehearsalResult:
        return rehearse(self.context, plan, observer, lock_wait=self.lock_wait)

    def execute(
        self, incident: Incident, plan: RecoveryPlan, observer: RecoveryObserver
    ) -> RecoveryResult:
        return execute_plan(
            self.context,
            plan,
            observer,
            lock_wait=self.lock_wait,
            unrelated_keys=incident.unrelated_keys,
            analysis=incident.to_json(),
        )

    # -- files --------------------------------------------------------------------------------
    def save_runbook(self, incident: Incident, plan: RecoveryPlan) -> Path:
        from mend_core.recovery.runbook import runbook

        made_at = self.context.clock()
        text = runbook(
            plan,
            target_label=self.target,
            live=incident.live,
            made_at=made_at,
            new_id=self.context.new_id,
        )
        direction = plan.direction.value.replace("_", "-")
        return self._write(f"mend-runbook-{plan.migration}-{direction}", made_at, ".sql", text)

    def write_report(self, name: str | None) -> Path:
        from mend_core.recovery.report import incident_report

        report = incident_report(self.context, name)
        stem = f"mend-report-{report.migration}"
        return self._write(stem, report.made_at, ".md", report.markdown())

    def _write(self, stem: str, made_at: datetime, suffix: str, text: str) -> Path:
        # The time in the name: a second runbook or report never replaces one already handed on.
        # Created exclusively, 0600 (it holds production values): a file or a link someone
        # planted at the predictable name is never opened, the next free name (`-2`) is used.
        from mend_core.private_files import create_private_unique

        stem = f"{stem}-{made_at:%Y%m%dT%H%M%SZ}"
        return create_private_unique(self.folder, stem, suffix, text.encode("utf-8"))


def shown_path(path: Path) -> str:
    """The path as the operator reads it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
