"""`mend diff`: the changes and the SQL that take one schema source to another."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mend_core.dialects import dialect_for
from mend_core.schema.model import Schema
from mend_core.schema.plan import SchemaPlan, StepAction, plan_migration
from mend_core.schema.sources import (
    LoadedSchema,
    SchemaSource,
    ShadowOptions,
    load_schema,
    pick_dialect,
)

if TYPE_CHECKING:  # replaying is imported only when a side is replayed
    from mend_core.schema.replay import ReplayReport


@dataclass(frozen=True)
class DiffResult:
    source: SchemaSource
    target: SchemaSource
    before: Schema
    after: Schema
    plan: SchemaPlan
    replays: tuple[ReplayReport, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.plan.is_empty

    def notes(self) -> list[str]:
        """What the output must say besides the changes: a replay that needed its data
        statements, data statements skipped in replays."""
        return [note for r in self.replays for note in r.notes()]


def diff_sources(
    source: SchemaSource,
    target: SchemaSource,
    options: ShadowOptions,
    base_dir: Path | None = None,
) -> DiffResult:
    base_dir = base_dir or Path.cwd()
    dialect = pick_dialect([source, target], options, base_dir)
    before, after = load_both(source, target, dialect, options, base_dir)
    replays = tuple(loaded.replay for loaded in (before, after) if loaded.replay is not None)
    plan = plan_migration(before.schema, after.schema)
    return DiffResult(source, target, before.schema, after.schema, plan, replays)


def load_both(
    source: SchemaSource,
    target: SchemaSource,
    dialect: str,
    options: ShadowOptions,
    base_dir: Path,
) -> tuple[LoadedSchema, LoadedSchema]:
    """Both schemas; on a server the two are read at once, since each mostly waits for it
    (SQLite inspection is Python-bound: threads would only contend for the GIL)."""
    if not dialect_for(dialect).has_server or "empty" in (source.kind, target.kind):
        return (
            load_schema(source, dialect, options, base_dir),
            load_schema(target, dialect, options, base_dir),
        )
    # deferred: concurrent.futures (~5 ms) only on a server; SQLite's are read one after the other
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="mend-inspect") as pool:
        before = pool.submit(load_schema, source, dialect, options, base_dir)
        after = pool.submit(load_schema, target, dialect, options, base_dir)
        return before.result(), after.result()


# The mark before each step of a summary: made, dropped, changed.
MARKERS: dict[StepAction, str] = {"create": "[+]", "drop": "[-]", "change": "[*]"}


def summary_lines(plan: SchemaPlan) -> list[str]:
    """One line per step, with a marker of what it does, and its data-loss warnings."""
    if plan.is_empty:
        return ["No difference detected."]
    lines = []
    for step in plan.steps:
        marker = MARKERS[step.action]
        lines.append(f"{marker} {step.summary}")
        for warning in step.warnings:
            lines.append(f"      ! {warning}")
    return lines
