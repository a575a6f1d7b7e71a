"""Drift grouped into items a person recognises: one table, one column, one index, one view.

Pure: two schemas in (what the applied history builds, what the database has), items out. An
item is a set of object keys (see `recovery.objects`) and the plan steps that record exactly
those objects, in Prisma's form for the dialect. A table that exists on one side only is one
item, parts and all; inside a table present on both sides, each differing part is its own item.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, describe_key, table_keys, value, with_objects
from mend_core.schema.plan import SchemaPlan, Step, plan_migration

# The kinds of item, in the order items are numbered in: whole tables first, then their parts,
# then the rest.
ItemKind = Literal[
    "extension",  # first: what follows may need it (an operator class, a function)
    "table",
    "column",
    "primary key",
    "index",
    "unique",
    "foreign key",
    "check",
    "comment",
    "view",
    "enum",
    "sequence",
    "trigger",
]
KIND_ORDER: tuple[ItemKind, ...] = get_args(ItemKind)
# "added": only the database has it; "removed": only the history; "changed": both, differing.
ItemChange = Literal["added", "removed", "changed"]
_KIND_OF_KEY: dict[str, ItemKind] = {
    "table": "table",
    "column": "column",
    "pk": "primary key",
    "index": "index",
    "unique": "unique",
    "fk": "foreign key",
    "check": "check",
    "comment": "comment",
    "view": "view",
    "enum": "enum",
    "sequence": "sequence",
    "trigger": "trigger",
    "extension": "extension",
}
_WHOLE: tuple[ItemKind, ...] = ("view", "enum", "sequence", "trigger", "extension")


@dataclass(frozen=True)
class DriftItem:
    """One recognisable difference: its objects, the SQL that records it, and where it came from.

    `number` is its place among the hotfix items (1-based); leftovers of a failed migration have
    none (0) and name the migration in `origin`."""

    kind: ItemKind
    table: str | None  # the table it belongs to (None for views, enums, ...)
    name: str  # the object's own name: the index, the column, the table...
    change: ItemChange
    keys: frozenset[ObjectKey]
    steps: tuple[Step, ...]
    origin: str | None = None  # None: a hotfix; else the failed migration that left it
    number: int = 0
    # Made by hand, but on objects only the failed migration `origin` made (an index on its new
    # column): the history cannot replay it until that migration is recovered.
    waits_for_recovery: bool = False

    @property
    def main_key(self) -> ObjectKey:
        """The key that names the item (a table item also holds its parts' keys)."""
        if self.kind == "table":
            return ("table", self.name)
        return min(self.keys)

    @property
    def label(self) -> str:
        """`index `User_name_idx` on `User``, `table `Post``."""
        return describe_key(self.main_key)

    @property
    def is_hotfix(self) -> bool:
        return self.origin is None

    @property
    def origin_words(self) -> str:
        if self.origin is None:
            return "hotfix"
        if self.waits_for_recovery:
            return f"built on what failed migration {self.origin} left: recover it first"
        return f"left by failed migration {self.origin}"

    @property
    def summary(self) -> str:
        return "; ".join(step.summary for step in self.steps) or f"{self.change} {self.label}"

    @property
    def sql(self) -> tuple[str, ...]:
        return tuple(sql for step in self.steps for sql in step.sql)

    def script(self, dialect: str) -> str:
        return SchemaPlan(dialect, self.steps).script()

    def sort_key(self) -> tuple[int, str, str]:
        return (KIND_ORDER.index(self.kind), self.table or "", self.name)

    def to_json(self, dialect: str) -> dict[str, Any]:
        return {
            "number": self.number or None,
            "kind": self.kind,
            "table": self.table,
            "name": self.name,
            "change": self.change,
            "label": self.label,
            "summary": self.summary,
            "objects": sorted(describe_key(k) for k in self.keys),
            "origin": (
                "hotfix"
                if self.origin is None
                else "built_on_failed_migration"
                if self.waits_for_recovery
                else "failed_migration"
            ),
            "failed_migration": self.origin,
            "data_loss": [w for step in self.steps for w in step.warnings],
            "sql": list(self.sql),
            "script": self.script(dialect),
        }


def group_drift(expected: Schema, live: Schema) -> list[DriftItem]:
    """Every difference between the two schemas as items, sorted by kind and name."""
    groups: list[tuple[ItemKind, str | None, str, ItemChange, frozenset[ObjectKey]]] = []
    for name in sorted({t.name for t in expected.tables} | {t.name for t in live.tables}):
        old, new = expected.table(name), live.table(name)
        if old is None and new is not None:
            groups.append(("table", None, name, "added", frozenset(table_keys(new))))
        elif new is None and old is not None:
            groups.append(("table", None, name, "removed", frozenset(table_keys(old))))
        elif old is not None and new is not None and old != new:
            # Only tables that differ at all are taken apart: most of a big schema is equal.
            for key in sorted(table_keys(old) | table_keys(new)):
                before, after = value(expected, key), value(live, key)
                if before != after:
                    kind, part = _KIND_OF_KEY[key[0]], _part_name(key)
                    groups.append((kind, name, part, _change(before, after), frozenset({key})))
    for kind in _WHOLE:
        for key in sorted(_whole_keys(expected, kind) | _whole_keys(live, kind)):
            before, after = value(expected, key), value(live, key)
            if before != after:
                groups.append((kind, None, key[1], _change(before, after), frozenset({key})))
    items = [
        DriftItem(kind, table, name, change, frozenset(keys), item_steps(expected, live, keys))
        for kind, table, name, change, keys in groups
    ]
    return sorted(items, key=DriftItem.sort_key)


def item_steps(expected: Schema, live: Schema, keys: Collection[ObjectKey]) -> tuple[Step, ...]:
    """The plan steps that give `expected` these objects as `live` has them: Prisma's SQL."""
    return plan_for(expected, live, keys).steps


def plan_for(expected: Schema, live: Schema, keys: Collection[ObjectKey]) -> SchemaPlan:
    """One plan for several items: ordered as Prisma orders a migration (foreign keys last)."""
    return plan_migration(expected, with_objects(expected, live, keys))


def _whole_keys(schema: Schema, kind: str) -> set[ObjectKey]:
    named: Iterable[Any] = {
        "view": schema.views,
        "enum": schema.enums,
        "sequence": schema.sequences,
        "trigger": schema.triggers,
        "extension": schema.extensions,
    }[kind]
    return {(kind, item.name) for item in named}


def _part_name(key: ObjectKey) -> str:
    if key[0] in ("pk", "comment"):
        return key[1]
    return key[2]


def _change(before: Hashable | None, after: Hashable | None) -> ItemChange:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "changed"
