"""The Preview step: the migration's SQL, the row it gets, the schema.prisma lines, rehearsed.

The SQL is the schema engine's plan from the history's schema to that schema with the chosen
objects as the database has them: Prisma's statements and order (on SQLite, a table
redefinition where ALTER TABLE cannot do it). The rehearsal replays the applied migrations and
the new one in a shadow (schema-only) and checks that it builds exactly the chosen objects as
the live database has them and nothing else: what `mend drift` will compare afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mend_core.errors import M8002, P3006, MendError
from mend_core.history.checksum import checksum
from mend_core.hotfix.grouping import DriftItem, plan_for
from mend_core.hotfix.items import DriftItems
from mend_core.hotfix.naming import MigrationName
from mend_core.hotfix.prisma_schema import UNDO_WARNING, SchemaHint, read_models, schema_hints
from mend_core.project.context import Context
from mend_core.project.discovery import Project
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.objects import ObjectKey, describe_key, differing_keys, value
from mend_core.schema.plan import SchemaPlan
from mend_core.schema.replay import ReplayFailed, Script, replayed_shadow


@dataclass(frozen=True)
class Rehearsal:
    """The history and the new migration replayed in a shadow."""

    replayed: int  # migrations replayed, the new one included
    mismatched: tuple[str, ...] = ()  # chosen objects the replay does not build as they are
    also_changed: tuple[str, ...] = ()  # objects the new migration changes beyond the items

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.also_changed

    def describe(self) -> str:
        if self.ok:
            return (
                f"Rehearsed: the {self.replayed - 1} applied migration(s) and this one replay in "
                "a shadow database and build the chosen objects exactly as the database has them."
            )
        parts = []
        if self.mismatched:
            parts.append("not built as the database has them: " + ", ".join(self.mismatched))
        if self.also_changed:
            parts.append("also changed: " + ", ".join(self.also_changed))
        return "Rehearsal in a shadow database: " + "; ".join(parts) + "."


@dataclass(frozen=True)
class HotfixPreview:
    """Everything `apply_hotfix` will do, for the operator to confirm."""

    drift: DriftItems
    items: tuple[DriftItem, ...]
    name: MigrationName
    plan: SchemaPlan
    hints: tuple[SchemaHint, ...]
    rehearsal: Rehearsal | None = None

    @property
    def script(self) -> str:
        return self.plan.script()

    @property
    def checksum(self) -> str:
        return checksum(self.script.encode("utf-8"))

    @property
    def keys(self) -> frozenset[ObjectKey]:
        return frozenset(k for item in self.items for k in item.keys)

    @property
    def left_out(self) -> tuple[DriftItem, ...]:
        """Hotfix items not chosen: they stay as drift."""
        chosen = {item.number for item in self.items}
        return tuple(item for item in self.drift.items if item.number not in chosen)

    def row_lines(self) -> list[str]:
        """What is written to `_prisma_migrations`, as `mend resolve --applied` writes it."""
        lines = []
        if not self.drift.history_table:
            lines.append("create the _prisma_migrations table (the database has none)")
        lines.append(
            f"insert a finished row for `{self.name.folder}` (checksum {self.checksum}, logs '', "
            "started_at = finished_at = now, applied_steps_count 0), exactly as `mend resolve "
            "--applied` writes it"
        )
        return lines

    def warnings(self) -> list[str]:
        notes = list(self.drift.warnings())
        if any(hint.line is not None for hint in self.hints):
            notes.append(UNDO_WARNING)
        if self.rehearsal is not None and not self.rehearsal.ok:
            notes.append(self.rehearsal.describe())
        losses = self.plan.data_loss
        if losses:
            notes.append(
                "Recorded only (it does not run here), but where `mend deploy` runs it: "
                + "; ".join(losses)
            )
        return notes

    def to_json(self) -> dict[str, Any]:
        dialect = self.drift.dialect
        return {
            "migration": self.name.folder,
            "path": str(self.name.script_path),
            "bumped_past": self.name.bumped_past,
            "items": [item.to_json(dialect) for item in self.items],
            "left_out": [item.number for item in self.left_out],
            "script": self.script,
            "checksum": self.checksum,
            "history_row": self.row_lines(),
            "schema_prisma": [
                {"item": h.item, "model": h.model, "line": h.line, "placement": h.placement}
                for h in self.hints
            ],
            "rehearsal": None
            if self.rehearsal is None
            else {
                "ok": self.rehearsal.ok,
                "mismatched": list(self.rehearsal.mismatched),
                "also_changed": list(self.rehearsal.also_changed),
            },
            "warnings": self.warnings(),
        }


def preview_hotfix(
    context: Context,
    drift: DriftItems,
    items: tuple[DriftItem, ...],
    name: MigrationName,
    *,
    rehearse: bool = True,
    shadow_url: DatabaseTarget | None = None,
) -> HotfixPreview:
    """The Preview step: the plan for exactly these items, the hints, and (by default) the
    rehearsal. Writes nothing; the shadow is temporary."""
    keys = frozenset(k for item in items for k in item.keys)
    plan = plan_for(drift.expected, drift.live, keys)
    if plan.is_empty or not plan.statements:
        raise MendError(
            M8002,
            "The chosen items need no SQL: there is nothing to record as a migration.",
            "`mend hotfix --list` shows the items and their SQL.",
        )
    hints = schema_hints(items, drift.live, read_models(schema_files(context.project)))
    preview = HotfixPreview(drift, items, name, plan, hints)
    if not rehearse:
        return preview
    rehearsal = rehearse_script(context, drift, name.folder, preview.script, keys, shadow_url)
    return HotfixPreview(drift, items, name, plan, hints, rehearsal)


def rehearse_script(
    context: Context,
    drift: DriftItems,
    folder: str,
    script: str,
    keys: frozenset[ObjectKey],
    shadow_url: DatabaseTarget | None = None,
) -> Rehearsal:
    """Replay the history and the new script; compare what it builds with the live objects."""
    dialect = context.target.dialect
    # The history replays as it did for the items (with its data statements if it needed them).
    data = drift.replay is not None and drift.replay.data
    scripts: list[Script] = [*drift.applied, (folder, script)]
    replaying = replayed_shadow(dialect, context.target, shadow_url, scripts, data=data)
    try:
        with replaying as (shadow, _):
            built = inspect_database(shadow)
    except ReplayFailed as error:
        if error.migration != folder:
            raise
        raise MendError(
            P3006,
            error.message,
            "The chosen items do not stand alone: one needs another that was left out "
            "(a foreign key to a table not chosen, an index on a column not chosen). "
            "Choose both with --item, or all of them. Nothing was written.",
        ) from None
    mismatched = sorted(describe_key(k) for k in keys if value(built, k) != value(drift.live, k))
    also = sorted(describe_key(k) for k in differing_keys(drift.expected, built) - keys)
    return Rehearsal(len(drift.applied) + 1, tuple(mismatched), tuple(also))


def schema_files(project: Project) -> list[Path]:
    """The schema's .prisma files: the one file, or every file of a schema folder."""
    schema = project.schema
    if schema is None:
        return []
    if schema.folder is None:
        return [schema.path]
    return sorted(p for p in schema.folder.rglob("*.prisma") if "node_modules" not in p.parts)
