"""What a roll back must remove that the migration did not make (indexes and foreign keys built
on what it removes), and the drift it leaves alone: known before any plan is made, for Inspect.
Apart from plan.py (which uses it and re-exports it) so that `mend inspect` does not import the
planner, its risk notes and row counts.
"""

from __future__ import annotations

from mend_core.records import record
from mend_core.recovery.incident import Incident
from mend_core.recovery.provenance import definition_sql
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, describe_key, foreign_key_key, with_objects


def roll_back_collateral(incident: Incident) -> frozenset[ObjectKey]:
    """The objects the migration did not make that a roll back must remove (they are built on
    what it removes), known before any plan is made: for Inspect."""
    keys = incident.states.migration_keys - incident.preexisting_keys
    target = with_objects(incident.live, incident.states.before, keys)
    return frozenset(without_dependents(target, keys)[1])


@record
class UnrelatedDrift:
    """The drift this migration does not explain, for Inspect: what every plan leaves as it is,
    and what a roll back must remove in steps of their own (with the DDL to make it again)."""

    left_alone: tuple[str, ...]
    removed_by_roll_back: tuple[tuple[str, tuple[str, ...]], ...]


def unrelated_drift(incident: Incident) -> UnrelatedDrift:
    collateral = roll_back_collateral(incident)
    names = {f"{key[0]}:{key[-1]}" for key in collateral}
    left = tuple(step.summary for step in incident.unrelated.steps if not names & set(step.objects))
    removed = tuple(
        (describe_key(key), definition_sql(incident.live, key)) for key in sorted(collateral)
    )
    return UnrelatedDrift(left, removed)


def without_dependents(target: Schema, keys: frozenset[ObjectKey]) -> tuple[Schema, set[ObjectKey]]:
    """Unrelated indexes and foreign keys built on columns or tables the target no longer has
    cannot stay: they go too, and are named (collateral)."""
    collateral: set[ObjectKey] = set()
    for table in target.tables:
        columns = set(table.column_names)
        for index in table.indexes:
            key = ("index", table.name, index.name)
            needs = {c.expression for c in index.columns if not c.is_expression}
            if key not in keys and not needs <= columns:
                collateral.add(key)
        for foreign_key in table.foreign_keys:
            key = ("fk", table.name, foreign_key_key(foreign_key))
            parent = target.table(foreign_key.referenced_table)
            broken = not set(foreign_key.columns) <= columns or parent is None
            if parent is not None:
                broken = broken or not set(foreign_key.referenced_columns) <= set(
                    parent.column_names
                )
            if key not in keys and broken:
                collateral.add(key)
    if not collateral:
        return target, collateral
    return with_objects(target, Schema(target.dialect), collateral), collateral
