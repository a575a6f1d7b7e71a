"""Compare two schemas of one dialect: every difference, as a list of changes.

Objects are matched by name. Constraints SQLite leaves unnamed are matched by definition. A
renamed object is a drop and an add, as in Prisma: the plan flags the data it would lose.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from mend_core.dialects import dialect_for
from mend_core.schema.changes import (
    Change,
    CheckAdded,
    CheckDropped,
    ColumnAdded,
    ColumnAltered,
    ColumnDropped,
    EnumChanged,
    EnumCreated,
    EnumDropped,
    ExtensionCreated,
    ExtensionDropped,
    ForeignKeyAdded,
    ForeignKeyDropped,
    IndexCreated,
    IndexDropped,
    PrimaryKeyChanged,
    SequenceAltered,
    SequenceCreated,
    SequenceDropped,
    TableCommentChanged,
    TableCreated,
    TableDropped,
    TriggerCreated,
    TriggerDropped,
    UniqueAdded,
    UniqueDropped,
    ViewCreated,
    ViewDropped,
)
from mend_core.schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)

T = TypeVar("T")


def compare(before: Schema, after: Schema) -> list[Change]:
    """What changes turn `before` into `after`."""
    changes: list[Change] = []
    before_tables = {t.name: t for t in before.tables}
    after_tables = {t.name: t for t in after.tables}
    for name in sorted(before_tables.keys() | after_tables.keys()):
        old, new = before_tables.get(name), after_tables.get(name)
        if old is None and new is not None:
            changes.append(TableCreated(new))
        elif new is None and old is not None:
            changes.append(TableDropped(old))
        elif old is not None and new is not None and old != new:
            changes.extend(compare_tables(old, new, before.dialect))
    changes.extend(_compare_views(before.views, after.views))
    changes.extend(_compare_enums(before, after))
    changes.extend(_compare_sequences(before, after))
    changes.extend(_compare_triggers(before.triggers, after.triggers))
    changes.extend(_compare_extensions(before, after))
    return changes


def compare_tables(old: Table, new: Table, dialect: str) -> list[Change]:
    changes: list[Change] = []
    table = new.name
    old_columns = {c.name: c for c in old.columns}
    new_columns = {c.name: c for c in new.columns}
    for column in old.columns:
        if column.name not in new_columns:
            changes.append(ColumnDropped(table, column))
    for column in new.columns:
        previous = old_columns.get(column.name)
        if previous is None:
            changes.append(ColumnAdded(table, column))
        elif not same_column(previous, column, dialect):
            changes.append(ColumnAltered(table, previous, column))
    if not _same_primary_key(old.primary_key, new.primary_key):
        changes.append(PrimaryKeyChanged(table, old.primary_key, new.primary_key))
    gone_i, added_i = _pairs(old.indexes, new.indexes, key=lambda i: i.name)
    changes.extend(IndexDropped(table, index) for index in gone_i)
    changes.extend(IndexCreated(table, index) for index in added_i)
    gone_u, added_u = _pairs(old.uniques, new.uniques, key=_unique_key)
    changes.extend(UniqueDropped(table, u) for u in gone_u)
    changes.extend(UniqueAdded(table, u) for u in added_u)
    gone_f, added_f = _pairs(old.foreign_keys, new.foreign_keys, key=_foreign_key_key)
    changes.extend(ForeignKeyDropped(table, f) for f in gone_f)
    changes.extend(ForeignKeyAdded(table, f) for f in added_f)
    gone_c, added_c = _pairs(old.checks, new.checks, key=_check_key)
    changes.extend(CheckDropped(table, c) for c in gone_c)
    changes.extend(CheckAdded(table, c) for c in added_c)
    if (old.comment or None) != (new.comment or None):
        changes.append(TableCommentChanged(table, old.comment, new.comment))
    return changes


def same_column(old: Column, new: Column, dialect: str) -> bool:
    """Equal for migration purposes. MariaDB's column-level CHECKs (JSON validity) come with
    the column's creation and are not compared."""
    if dialect_for(dialect).implicit_column_checks:
        return old == _without_check(new, old.check)
    return old == new


def _without_check(column: Column, check: str | None) -> Column:
    return column._replace(check=check)


def _same_primary_key(old: PrimaryKey | None, new: PrimaryKey | None) -> bool:
    if old is None or new is None:
        return old is new
    if old.columns != new.columns:
        return False
    # SQLite forgets the name of an inline primary key; only compare names both sides know.
    return old.name == new.name or old.name is None or new.name is None


def _unique_key(unique: UniqueConstraint) -> Hashable:
    return unique.name or ("unnamed", unique.columns)


def _foreign_key_key(key: ForeignKey) -> Hashable:
    return key.name or ("unnamed", key.columns, key.referenced_table.lower())


def _check_key(check: CheckConstraint) -> Hashable:
    return check.name or ("unnamed", check.expression)


def _pairs(
    old: Iterable[T], new: Iterable[T], key: Callable[[T], Hashable]
) -> tuple[list[T], list[T]]:
    """Items only in `old` or whose definition changed, and items only in `new` or changed."""
    old_by = {key(item): item for item in old}
    new_by = {key(item): item for item in new}
    gone = [item for k, item in old_by.items() if new_by.get(k) != item]
    added = [item for k, item in new_by.items() if old_by.get(k) != item]
    return gone, added


def _compare_views(old: Iterable[View], new: Iterable[View]) -> list[Change]:
    gone, added = _pairs(old, new, key=lambda view: view.name)
    changes: list[Change] = [ViewDropped(v) for v in gone]
    return changes + [ViewCreated(v) for v in added]


def _compare_triggers(old: Iterable[Trigger], new: Iterable[Trigger]) -> list[Change]:
    gone, added = _pairs(old, new, key=lambda trigger: trigger.name)
    changes: list[Change] = [TriggerDropped(t) for t in gone]
    return changes + [TriggerCreated(t) for t in added]


def _compare_extensions(before: Schema, after: Schema) -> list[Change]:
    """By name only: the version a server ships is not part of a schema."""
    old = {e.name for e in before.extensions}
    new = {e.name for e in after.extensions}
    changes: list[Change] = [ExtensionDropped(e) for e in before.extensions if e.name not in new]
    return changes + [ExtensionCreated(e) for e in after.extensions if e.name not in old]


def _compare_enums(before: Schema, after: Schema) -> list[Change]:
    changes: list[Change] = []
    old = {e.name: e for e in before.enums}
    new = {e.name: e for e in after.enums}
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            changes.append(EnumDropped(old[name]))
        elif name not in old:
            changes.append(EnumCreated(new[name]))
        elif old[name] != new[name]:
            users = tuple(
                (t.name, c.name)
                for t in after.tables
                for c in t.columns
                if _type_names_enum(c.type, name)
            )
            changes.append(EnumChanged(old[name], new[name], users))
    return changes


def _type_names_enum(type_text: str, enum: str) -> bool:
    bare = type_text.removesuffix("[]").strip('"')
    return bare == enum


def _compare_sequences(before: Schema, after: Schema) -> list[Change]:
    changes: list[Change] = []
    old = {s.name: s for s in before.sequences}
    new = {s.name: s for s in after.sequences}
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            changes.append(SequenceDropped(old[name]))
        elif name not in old:
            changes.append(SequenceCreated(new[name]))
        elif old[name] != new[name]:
            changes.append(SequenceAltered(old[name], new[name]))
    return changes
