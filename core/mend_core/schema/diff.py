"""`mend diff`: the changes and the SQL that take one schema source to another."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mend_core.schema.model import Schema
from mend_core.schema.plan import SchemaPlan, plan_migration
from mend_core.schema.sources import (
    SchemaSource,
    ShadowOptions,
    load_schema,
    pick_dialect,
)


@dataclass(frozen=True)
class DiffResult:
    source: SchemaSource
    target: SchemaSource
    before: Schema
    after: Schema
    plan: SchemaPlan

    @property
    def is_empty(self) -> bool:
        return self.plan.is_empty


def diff_sources(
    source: SchemaSource,
    target: SchemaSource,
    options: ShadowOptions,
    base_dir: Path | None = None,
) -> DiffResult:
    base_dir = base_dir or Path.cwd()
    dialect = pick_dialect([source, target], options, base_dir)
    before = load_schema(source, dialect, options, base_dir)
    after = load_schema(target, dialect, options, base_dir)
    return DiffResult(source, target, before, after, plan_migration(before, after))


def summary_lines(plan: SchemaPlan) -> list[str]:
    """One line per step, with a marker of what it does, and its data-loss warnings."""
    if plan.is_empty:
        return ["No difference detected."]
    lines = []
    for step in plan.steps:
        verb = step.summary.split(" ", 1)[0]
        marker = {"create": "[+]", "add": "[+]", "drop": "[-]"}.get(verb, "[*]")
        lines.append(f"{marker} {step.summary}")
        for warning in step.data_loss:
            lines.append(f"      ! {warning}")
    return lines
