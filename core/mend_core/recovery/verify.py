"""After a recovery: is the database what the plan promised?

The live schema in the plan's scope equals its target (*before* for a roll back, the
migration's result for a roll forward); the unrelated drift is untouched (but for the collateral
the plan named); `mend status` shows the migration rolled back (pending again) or applied.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from mend_core.database.session import connect
from mend_core.errors import M4009, MendError
from mend_core.history.classify import MigrationState
from mend_core.history.status import get_status
from mend_core.project.context import Context
from mend_core.recovery.plan import Direction, RecoveryPlan, scope_mismatches, unrelated_changes
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, describe_key


@dataclass(frozen=True)
class Verification:
    direction: Direction
    migration: str
    mismatches: tuple[str, ...]  # objects in scope that are not as planned
    unrelated_changed: tuple[str, ...]  # unrelated objects that changed (they must not)
    state: str  # the migration's state now, as `mend status` says it
    status_line: str  # `mend status`'s summary now
    # Objects the migration did not make that the plan removed or changed, with their DDL.
    not_ours: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def expected_state(self) -> tuple[str, ...]:
        if self.direction is Direction.ROLL_FORWARD:
            return (MigrationState.APPLIED.value,)
        # Rolled back: pending again (its folder is there), or gone from the report.
        return (MigrationState.PENDING.value, "removed")

    @property
    def ok(self) -> bool:
        return (
            not self.mismatches and not self.unrelated_changed and self.state in self.expected_state
        )

    def describe(self) -> str:
        if self.ok:
            text = (
                f"Verified: the objects `{self.migration}` touches are as planned, everything "
                f"else is untouched, and the migration is {self.state.replace('_', ' ')}."
            )
            return text + self.not_ours_words()
        problems = list(self.mismatches)
        problems += [f"unrelated {c} changed" for c in self.unrelated_changed]
        if self.state not in self.expected_state:
            problems.append(f"the migration is {self.state.replace('_', ' ')}")
        return "Verification failed: " + "; ".join(problems) + "." + self.not_ours_words()

    def not_ours_words(self) -> str:
        """What was removed or changed that the migration did not make, and how to make it
        again."""
        if not self.not_ours:
            return ""
        return (
            "\nChanged or removed as the plan named it (not made by this migration): "
            + "; ".join(f"{what}, to make it again: {' '.join(ddl)}" for what, ddl in self.not_ours)
        )

    def raise_if_failed(self) -> None:
        if not self.ok:
            raise MendError(
                M4009,
                self.describe(),
                f"`mend inspect {self.migration}` and `mend drift` show the state now; the "
                "journal (`mend journal --last 40`) shows every statement that ran.",
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mismatches": list(self.mismatches),
            "unrelated_changed": list(self.unrelated_changed),
            "state": self.state,
            "status": self.status_line,
            "not_made_by_the_migration": [
                {"object": what, "ddl": list(ddl)} for what, ddl in self.not_ours
            ],
        }


def verify(
    context: Context,
    plan: RecoveryPlan,
    live_before: Schema,
    unrelated_keys: Collection[ObjectKey] = (),
) -> Verification:
    """Inspect again, in a fresh read-only session, and compare."""
    with connect(context.target, read_only=True) as db:
        live = inspect_database(db)
    report = get_status(context)
    found = report.get(plan.migration)
    state = found.state.value if found else "removed"
    # Every "left as it is" claim, checked against the catalog: the unrelated drift (but what
    # the plan named) and the objects the migration would change but did not make.
    named = plan.collateral | {key for key, _ in plan.not_ours}
    kept = {k for k in unrelated_keys if k not in named} | (plan.left_alone - named)
    return Verification(
        plan.direction,
        plan.migration,
        tuple(scope_mismatches(plan, live)),
        tuple(unrelated_changes(live_before, live, frozenset(kept))),
        state,
        f"{report.state.value.replace('_', ' ')}: {report.message}",
        tuple((describe_key(key), ddl) for key, ddl in plan.not_ours),
    )
