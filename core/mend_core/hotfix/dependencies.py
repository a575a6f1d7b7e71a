"""What a drift item is built on: the objects it needs to exist before it can be recorded.

An index needs its table and columns, a foreign key also the table and columns it references, a
column its table, a trigger its table. A hand-made index on a column that only a failed
migration added is a hotfix, but one that cannot be recorded yet: the history does not have that
column, so the new migration would not replay. Such an item waits for the recovery.
"""

from __future__ import annotations

from mend_core.hotfix.grouping import DriftItem
from mend_core.schema.model import Schema, Table, Trigger
from mend_core.schema.objects import ObjectKey, foreign_key_key, unique_key


def built_on(item: DriftItem, live: Schema, expected: Schema) -> frozenset[ObjectKey]:
    """The objects outside the item that it refers to, as the side that has it shows them."""
    needed: set[ObjectKey] = set()
    for key in item.keys:
        kind = key[0]
        if kind == "trigger":
            trigger = _trigger(live, key[1]) or _trigger(expected, key[1])
            if trigger is not None:
                needed.add(("table", trigger.table))
            continue
        if kind in ("view", "enum", "sequence", "table"):
            if kind == "table":
                table = live.table(key[1]) or expected.table(key[1])
                if table is not None:
                    needed |= _references(table, None)
            continue
        name = key[1]
        needed.add(("table", name))
        table = live.table(name) or expected.table(name)
        if table is not None:
            needed |= _references(table, key)
    return frozenset(needed - item.keys)


def _references(table: Table, key: ObjectKey | None) -> set[ObjectKey]:
    """What the part named by `key` refers to (every part's references when None)."""
    name = table.name
    refs: set[ObjectKey] = set()

    def columns(names: tuple[str, ...], on: str = name) -> set[ObjectKey]:
        return {("column", on, column) for column in names}

    def wanted(kind: str, part: str | None = None) -> bool:
        if key is None:
            return kind == "fk"  # a whole table needs only what its foreign keys reference
        return key[0] == kind and (part is None or key[2] == part)

    if table.primary_key is not None and wanted("pk"):
        refs |= columns(table.primary_key.columns)
    for index in table.indexes:
        if wanted("index", index.name):
            refs |= columns(tuple(c.expression for c in index.columns if not c.is_expression))
    for unique in table.uniques:
        if wanted("unique", unique_key(unique)):
            refs |= columns(unique.columns)
    for foreign_key in table.foreign_keys:
        if wanted("fk", foreign_key_key(foreign_key)):
            referenced = foreign_key.referenced_table
            refs |= columns(foreign_key.columns) | {("table", referenced)}
            refs |= columns(foreign_key.referenced_columns, referenced)
    return refs


def _trigger(schema: Schema, name: str) -> Trigger | None:
    return next((t for t in schema.triggers if t.name == name), None)
