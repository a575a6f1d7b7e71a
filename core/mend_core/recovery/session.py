"""A recovery as the CLI and the app run it: one context and its options, a method per stage.

inspect -> plan -> rehearse -> execute (which resolves and verifies) -> report. `mend inspect`,
`mend plan`, `mend recover`, `mend report` and the app's recovery wizard all go through this one
object, so that each stage is decided here, once, and the front ends only present it.

Every method blocks (the app runs them in thread workers). Only two write to the database, and
only through their own write sessions: `rehearse` (rolled back, or in a shadow clone on MySQL)
and `execute` (after the operator confirmed). Everything else reads through read-only sessions;
the files written (runbook, report) go to the project folder, created 0600.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mend_core.database.session import connect
from mend_core.output.private_files import create_private_unique
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget
from mend_core.recovery.incident import Incident, inspect_incident
from mend_core.recovery.plan import Direction, generated_blocker_fixes, make_plan
from mend_core.recovery.runbook import runbook
from mend_core.recovery.steps import DEFAULT_LOCK_WAIT

if TYPE_CHECKING:
    # The later stages' modules load when their stage runs (imports below, at each method):
    # `mend inspect` starts with the analysis alone, and the app's first frame does not wait.
    from mend_core.recovery.data_fix import DataFixTemplate, DedupeStrategy
    from mend_core.recovery.execute import RecoveryResult
    from mend_core.recovery.plan import DataFix, RecoveryPlan
    from mend_core.recovery.rehearse import RehearsalResult
    from mend_core.recovery.report import IncidentReport
    from mend_core.recovery.steps import RecoveryObserver


@dataclass(frozen=True)
class Plans:
    """Both ways out, side by side."""

    roll_back: RecoveryPlan
    roll_forward: RecoveryPlan

    def of(self, direction: Direction) -> RecoveryPlan:
        return self.roll_back if direction is Direction.ROLL_BACK else self.roll_forward


@dataclass(frozen=True)
class RecoverySession:
    """The recovery stages over one context. `shadow_url`: a shadow database to replay the
    history in (default: a temporary one); `replay_data`: replay the history's data statements
    too; `lock_wait`: how long a write waits for the tables it needs."""

    context: Context
    lock_wait: float = DEFAULT_LOCK_WAIT
    shadow_url: DatabaseTarget | None = None
    replay_data: bool = False

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

    # -- reading ----------------------------------------------------------------------------
    def inspect(self, name: str | None = None) -> Incident:
        """What the failed migration `name` (default: the only failed one) did and left.
        Raises SeveralFailed when several failed and none is named."""
        return inspect_incident(
            self.context, name, shadow_url=self.shadow_url, replay_data=self.replay_data
        )

    def plan(
        self,
        incident: Incident,
        direction: Direction,
        data_fix: DataFix | None = None,
        *,
        fix_blockers: bool = False,
    ) -> RecoveryPlan:
        """The plan one way out. `fix_blockers`: each later statement the data blocks too gets
        its first generated fix that runs as it is, right before it."""
        later = generated_blocker_fixes(incident) if fix_blockers else []
        with connect(self.context.target, read_only=True) as db:
            return make_plan(db, incident, direction, data_fix, later)

    def dedupe(self, incident: Incident, strategy: DedupeStrategy) -> DataFixTemplate:
        """The generated fix that makes the failing key unique (M7001 for another cause)."""
        # deferred: data_fix builds its queries with SQLAlchemy (~60 ms): only a dedupe needs it
        from mend_core.recovery.data_fix import dedupe

        with connect(self.context.target, read_only=True) as db:
            return dedupe(db, incident.cause, strategy)

    def plans(self, incident: Incident) -> Plans:
        """Both ways out, planned in one read-only session."""
        with connect(self.context.target, read_only=True) as db:
            return Plans(
                make_plan(db, incident, Direction.ROLL_BACK),
                make_plan(db, incident, Direction.ROLL_FORWARD),
            )

    # -- writing to the database: each its own write session --------------------------------
    def rehearse(
        self, plan: RecoveryPlan, observer: RecoveryObserver | None = None
    ) -> RehearsalResult:
        """Run the plan where it cannot stay (rolled back, or a shadow clone on MySQL)."""
        # deferred: each step's module when the step runs: `mend plan` and `mend report` never load
        # the rehearsal's or the execution's (15-30 ms each)
        from mend_core.recovery.rehearse import rehearse

        return rehearse(
            self.context, plan, observer, lock_wait=self.lock_wait, shadow_url=self.shadow_url
        )

    def execute(
        self, incident: Incident, plan: RecoveryPlan, observer: RecoveryObserver | None = None
    ) -> RecoveryResult:
        """Guard, repair, resolve and verify: the one call that keeps what it writes."""
        # deferred: each step's module when the step runs: `mend plan` and `mend report` never load
        # the rehearsal's or the execution's (15-30 ms each)
        from mend_core.recovery.execute import execute_plan

        return execute_plan(
            self.context,
            plan,
            observer,
            lock_wait=self.lock_wait,
            unrelated_keys=incident.unrelated_keys,
            analysis=incident.to_json(),
        )

    # -- what is handed on ------------------------------------------------------------------
    def runbook(self, incident: Incident, plan: RecoveryPlan) -> str:
        """The plan as a SQL script for the database's own client."""
        return runbook(
            plan,
            target_label=self.target,
            live=incident.live,
            made_at=self.context.clock(),
            new_id=self.context.new_id,
        )

    def save_runbook(self, incident: Incident, plan: RecoveryPlan) -> Path:
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

    def report(self, name: str | None = None) -> IncidentReport:
        """The incident report, from the journal and the database."""
        # deferred: the report's module (the journal's reader, the status) only when a report is
        # asked for
        from mend_core.recovery.report import incident_report

        return incident_report(self.context, name)

    def write_report(self, name: str | None = None) -> Path:
        report = self.report(name)
        stem = f"mend-report-{report.migration}"
        return self._write(stem, report.made_at, ".md", report.markdown())

    def _write(self, stem: str, made_at: datetime, suffix: str, text: str) -> Path:
        # The time in the name: a second runbook or report never replaces one already handed on.
        # Created exclusively, 0600 (it holds production values): a file or a link someone
        # planted at the predictable name is never opened, the next free name (`-2`) is used.
        stem = f"{stem}-{made_at:%Y%m%dT%H%M%SZ}"
        return create_private_unique(self.folder, stem, suffix, text.encode("utf-8"))
