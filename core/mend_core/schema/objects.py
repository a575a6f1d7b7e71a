"""A schema seen as a set of named objects, each with a value: the unit recovery reasons in.

A table is its existence plus its columns, primary key, indexes, unique constraints, foreign
keys, checks and comment, each an object of its own; views, enums, sequences and triggers are
objects whole. Keys name objects across schemas (`("column", "User", "email")`), values compare
them (`None` where a schema lacks one). This is what lets recovery say which statement's effect
is in the live database, what is unrelated drift, and build the target schema of a roll back or
roll forward by taking some objects from one schema and the rest from another.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable
from dataclasses import replace
from typing import Any

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
from mend_core.schema.compare import compare
from mend_core.schema.model import (
    CheckConstraint,
    ForeignKey,
    Schema,
    Table,
    UniqueConstraint,
)

ObjectKey = tuple[str, ...]  # ("table", T), ("column", T, c), ("index", T, name), ...
TABLE_PARTS = ("column", "pk", "index", "unique", "fk", "check", "comment")


def unique_key(unique: UniqueConstraint) -> str:
    return unique.name or "(" + ",".join(unique.columns) + ")"


def foreign_key_key(key: ForeignKey) -> str:
    return key.name or "(" + ",".join(key.columns) + ")->" + key.referenced_table.lower()


def check_key(check: CheckConstraint) -> str:
    return check.name or check.expression


def table_keys(table: Table) -> set[ObjectKey]:
    """The table and every part of it."""
    name = table.name
    keys: set[ObjectKey] = {("table", name), ("comment", name)}
    keys |= {("column", name, c.name) for c in table.columns}
    if table.primary_key is not None:
        keys.add(("pk", name))
    keys |= {("index", name, i.name) for i in table.indexes}
    keys |= {("unique", name, unique_key(u)) for u in table.uniques}
    keys |= {("fk", name, foreign_key_key(f)) for f in table.foreign_keys}
    keys |= {("check", name, check_key(c)) for c in table.checks}
    return keys


def all_keys(schema: Schema, skip: Collection[str] = ()) -> set[ObjectKey]:
    """Every object's key, but those of the tables named in `skip`."""
    keys: set[ObjectKey] = set()
    for table in schema.tables:
        if table.name not in skip:
            keys |= table_keys(table)
    keys |= {("view", v.name) for v in schema.views}
    keys |= {("enum", e.name) for e in schema.enums}
    keys |= {("sequence", s.name) for s in schema.sequences}
    keys |= {("trigger", t.name) for t in schema.triggers}
    keys |= {("extension", e.name) for e in schema.extensions}
    return keys


def value(schema: Schema, key: ObjectKey) -> Hashable | None:
    """The object's definition in `schema`, comparable across schemas; None if absent."""
    kind = key[0]
    if kind == "extension":  # present or not: its version is not part of the schema
        return True if schema.extension(key[1]) is not None else None
    if kind in ("view", "enum", "sequence", "trigger"):
        finder = {
            "view": schema.view,
            "enum": schema.enum,
            "sequence": lambda n: next((s for s in schema.sequences if s.name == n), None),
            "trigger": schema.trigger,
        }[kind]
        return finder(key[1])
    table = schema.table(key[1])
    if table is None:
        return None
    if kind == "table":
        return True
    if kind == "column":
        column = table.column(key[2])
        # MariaDB's column-level CHECKs come with the column (see schema.compare.same_column).
        if column is not None and dialect_for(schema.dialect).implicit_column_checks:
            return column._replace(check=None)
        return column
    if kind == "pk":
        # SQLite forgets the name of an inline primary key: the columns are what counts.
        return table.primary_key.columns if table.primary_key else None
    if kind == "comment":
        return table.comment or None
    found: Iterable[tuple[str, Hashable]] = {
        "index": ((i.name, i) for i in table.indexes),
        "unique": ((unique_key(u), u) for u in table.uniques),
        "fk": ((foreign_key_key(f), f) for f in table.foreign_keys),
        "check": ((check_key(c), c) for c in table.checks),
    }[kind]
    return next((item for name, item in found if name == key[2]), None)


def change_keys(change: Change, before: Schema, after: Schema) -> set[ObjectKey]:
    """The objects one change of `compare(before, after)` touches."""
    match change:
        case TableCreated(table=table) | TableDropped(table=table):
            return table_keys(table)
        case ColumnAdded(table=t, column=c) | ColumnDropped(table=t, column=c):
            return {("column", t, c.name)}
        case ColumnAltered(table=t, after=c):
            return {("column", t, c.name)}
        case PrimaryKeyChanged(table=t):
            return {("pk", t)}
        case IndexCreated(table=t, index=i) | IndexDropped(table=t, index=i):
            return {("index", t, i.name)}
        case UniqueAdded(table=t, unique=u) | UniqueDropped(table=t, unique=u):
            return {("unique", t, unique_key(u))}
        case ForeignKeyAdded(table=t, foreign_key=f) | ForeignKeyDropped(table=t, foreign_key=f):
            return {("fk", t, foreign_key_key(f))}
        case CheckAdded(table=t, check=c) | CheckDropped(table=t, check=c):
            return {("check", t, check_key(c))}
        case TableCommentChanged(table=t):
            return {("comment", t)}
        case ViewCreated(view=v) | ViewDropped(view=v):
            return {("view", v.name)}
        case EnumCreated(enum=e) | EnumDropped(enum=e):
            return {("enum", e.name)}
        case EnumChanged(after=e):
            return {("enum", e.name)}
        case SequenceCreated(sequence=s) | SequenceDropped(sequence=s):
            return {("sequence", s.name)}
        case SequenceAltered(after=s):
            return {("sequence", s.name)}
        case TriggerCreated(trigger=x) | TriggerDropped(trigger=x):
            return {("trigger", x.name)}
        case ExtensionCreated(extension=e) | ExtensionDropped(extension=e):
            return {("extension", e.name)}
    return set()


def delta_keys(before: Schema, after: Schema) -> set[ObjectKey]:
    """Every object that differs between two schemas."""
    keys: set[ObjectKey] = set()
    for change in compare(before, after):
        keys |= change_keys(change, before, after)
    return {key for key in keys if value(before, key) != value(after, key)}


def differing_keys(left: Schema, right: Schema) -> set[ObjectKey]:
    """The objects whose values differ, found object by object (no change records needed)."""
    # A table equal in both (most of them, often the very same object) has no part that
    # differs: the value of a table's part depends on that table alone. Its keys are skipped.
    same = {t.name for t in left.tables if (other := right.table(t.name)) is t or other == t}
    keys = all_keys(left, skip=same) | all_keys(right, skip=same)
    return {k for k in keys if value(left, k) != value(right, k)}


def with_objects(base: Schema, source: Schema, keys: Collection[ObjectKey]) -> Schema:
    """`base`, with the objects named by `keys` as `source` has them (absent where it lacks
    them). A table that `source` lacks and `keys` names goes, parts and all; one that only
    `source` has comes from it."""
    keys = set(keys)
    # The parts named, by table: most tables have none, and stay as `base` has them.
    parts_of: dict[str, set[ObjectKey]] = {}
    for key in keys:
        if key[0] in TABLE_PARTS:
            parts_of.setdefault(key[1], set()).add(key)
    tables: list[Table] = []
    names = [t.name for t in base.tables] + [
        t.name for t in source.tables if base.table(t.name) is None
    ]
    for name in names:
        table = _table_with(base, source, name, keys, parts_of.get(name, set()))
        if table is not None:
            tables.append(table)
    return replace(
        base,
        tables=tuple(tables),
        views=_whole(base.views, source.views, "view", keys),
        enums=_whole(base.enums, source.enums, "enum", keys),
        sequences=_whole(base.sequences, source.sequences, "sequence", keys),
        triggers=_whole(base.triggers, source.triggers, "trigger", keys),
        extensions=_whole(base.extensions, source.extensions, "extension", keys),
    )


def _table_with(
    base: Schema, source: Schema, name: str, keys: set[ObjectKey], parts: set[ObjectKey]
) -> Table | None:
    """The table `name` of `base` with `parts` (the keys naming its parts) as `source` has
    them; `keys`: every key (one may name the table itself)."""
    if not parts and ("table", name) not in keys:
        return base.table(name)
    mine, theirs = base.table(name), source.table(name)
    if ("table", name) in keys:
        if theirs is None:
            return None
        if mine is None:
            mine = replace(theirs, columns=(), indexes=(), uniques=(), foreign_keys=(), checks=())
            mine = replace(mine, primary_key=None, comment=None)
    if mine is None:
        return None
    if not parts:
        return mine
    empty = Table(name, ())
    other = theirs or empty
    columns = _merge(
        [(c.name, c) for c in mine.columns],
        [(c.name, c) for c in other.columns],
        "column",
        name,
        parts,
    )
    indexes = _merge(
        [(i.name, i) for i in mine.indexes],
        [(i.name, i) for i in other.indexes],
        "index",
        name,
        parts,
    )
    uniques = _merge(
        [(unique_key(u), u) for u in mine.uniques],
        [(unique_key(u), u) for u in other.uniques],
        "unique",
        name,
        parts,
    )
    foreign_keys = _merge(
        [(foreign_key_key(f), f) for f in mine.foreign_keys],
        [(foreign_key_key(f), f) for f in other.foreign_keys],
        "fk",
        name,
        parts,
    )
    checks = _merge(
        [(check_key(c), c) for c in mine.checks],
        [(check_key(c), c) for c in other.checks],
        "check",
        name,
        parts,
    )
    primary_key = other.primary_key if ("pk", name) in parts else mine.primary_key
    comment = other.comment if ("comment", name) in parts else mine.comment
    return replace(
        mine,
        columns=tuple(columns),
        indexes=tuple(indexes),
        uniques=tuple(uniques),
        foreign_keys=tuple(foreign_keys),
        checks=tuple(checks),
        primary_key=primary_key,
        comment=comment,
    )


def _merge(
    mine: list[tuple[str, Any]],
    theirs: list[tuple[str, Any]],
    kind: str,
    table: str,
    keys: set[ObjectKey],
) -> list[Any]:
    """Mine, in my order, with the named parts replaced, removed or appended from theirs."""
    wanted = {k[2] for k in keys if k[0] == kind}
    from_theirs = dict(theirs)
    result = []
    for name, item in mine:
        if name not in wanted:
            result.append(item)
        elif name in from_theirs:
            result.append(from_theirs[name])
    present = {name for name, _ in mine}
    result += [item for name, item in theirs if name in wanted and name not in present]
    return result


def _whole(
    mine: tuple[Any, ...], theirs: tuple[Any, ...], kind: str, keys: set[ObjectKey]
) -> tuple[Any, ...]:
    wanted = {k[1] for k in keys if k[0] == kind}
    named = {getattr(item, "name"): item for item in theirs}  # noqa: B009 - every kind has one
    kept = [item for item in mine if getattr(item, "name") not in wanted]  # noqa: B009
    return tuple(kept + [named[n] for n in sorted(wanted) if n in named])


def describe_key(key: ObjectKey) -> str:
    """`column User.email`, `index User_name_key on User`, `table Post`."""
    kind = key[0]
    if kind in ("table", "view", "enum", "sequence", "trigger", "extension"):
        return f"{kind} `{key[1]}`"
    if kind == "column":
        return f"column `{key[1]}.{key[2]}`"
    if kind == "pk":
        return f"primary key of `{key[1]}`"
    if kind == "comment":
        return f"comment of `{key[1]}`"
    words = {"index": "index", "unique": "unique constraint", "fk": "foreign key", "check": "check"}
    return f"{words[kind]} `{key[2]}` on `{key[1]}`"
