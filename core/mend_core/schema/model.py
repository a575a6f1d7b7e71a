"""An immutable model of a database schema, as one dialect spells it.

Two models of the same dialect are compared by `mend_core.schema.diff`. Types, defaults and
expressions are kept as the database reports them (normalised only where the database itself
is inconsistent), so comparing is comparing text.
"""

from __future__ import annotations

import copyreg
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple


class Column(NamedTuple):
    """A column. A NamedTuple, not a dataclass: as immutable, and three times cheaper to build
    when inspecting thousands of tables."""

    name: str
    type: (
        str  # as the dialect spells it: "varchar(191)", "integer", "timestamp(3) without time zone"
    )
    nullable: bool = True
    default: str | None = None  # a SQL expression, as the database reports it
    autoincrement: bool = False  # MySQL AUTO_INCREMENT, SQLite AUTOINCREMENT, PostgreSQL serial
    identity: str | None = None  # PostgreSQL: "ALWAYS" or "BY DEFAULT"
    generated: str | None = None  # a generated column's expression
    generated_stored: bool = True  # STORED, or VIRTUAL (MySQL, SQLite)
    comment: str | None = None
    check: str | None = None  # MariaDB column-level CHECK (what JSON columns carry)
    collation: str | None = None


class IndexColumn(NamedTuple):
    """One key of an index. Only what differs from the default is kept (None otherwise), so
    that an index written with or without the default spelled out compares equal."""

    expression: str  # a column name, or an expression in parentheses
    descending: bool = False
    is_expression: bool = False
    opclass: str | None = None  # PostgreSQL operator class, quoted as needed: gin_trgm_ops
    collation: str | None = None  # PostgreSQL and SQLite: a collation other than the column's
    nulls: str | None = None  # PostgreSQL: "FIRST" or "LAST" where not the order's default


@dataclass(frozen=True)
class Index:
    """An index (not a key or unique constraint's own): its columns or expressions, in order."""

    name: str
    columns: tuple[IndexColumn, ...]
    unique: bool = False
    where: str | None = None  # PostgreSQL and SQLite partial indexes
    method: str | None = None  # PostgreSQL: btree, hash, gin, ...; MySQL: FULLTEXT or SPATIAL
    include: tuple[str, ...] = ()  # PostgreSQL: the INCLUDE columns, stored but not keys

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.expression for c in self.columns)


@dataclass(frozen=True)
class PrimaryKey:
    """A primary key; SQLite and MySQL leave it unnamed (None)."""

    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class UniqueConstraint:
    """A UNIQUE constraint, as opposed to a unique index (PostgreSQL and SQLite tell them apart)."""

    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: its columns, the table and columns they reference, and its actions."""

    name: str | None
    columns: tuple[str, ...]
    referenced_table: str
    referenced_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint, its expression as the database reports it."""

    name: str | None
    expression: str


@dataclass(frozen=True)
class Table:
    """A table and everything defined on it."""

    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    indexes: tuple[Index, ...] = ()
    uniques: tuple[UniqueConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    comment: str | None = None

    def column(self, name: str) -> Column | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class View:
    """A view (or a PostgreSQL materialized view), kept as its SELECT."""

    name: str
    definition: str  # the SELECT, as the database reports it
    materialized: bool = False


@dataclass(frozen=True)
class Enum:
    """A PostgreSQL enum type."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Sequence:
    """A PostgreSQL sequence not owned by a serial or identity column."""

    name: str
    start: int = 1
    increment: int = 1
    minimum: int | None = None
    maximum: int | None = None
    cycle: bool = False


@dataclass(frozen=True)
class Trigger:
    """A SQLite trigger, kept as its CREATE TRIGGER statement."""

    name: str
    table: str
    sql: str


@dataclass(frozen=True)
class Extension:
    """A PostgreSQL extension installed in the schema (plpgsql, always there, is left out).
    Matched by name: the version a server ships is not part of a schema."""

    name: str
    version: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Schema:
    dialect: str
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    enums: tuple[Enum, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    extensions: tuple[Extension, ...] = ()

    @cached_property
    def _tables(self) -> dict[str, Table]:
        return {t.name: t for t in self.tables}

    def table(self, name: str) -> Table | None:
        return self._tables.get(name)

    def view(self, name: str) -> View | None:
        return next((v for v in self.views if v.name == name), None)

    def enum(self, name: str) -> Enum | None:
        return next((e for e in self.enums if e.name == name), None)

    def trigger(self, name: str) -> Trigger | None:
        return next((t for t in self.triggers if t.name == name), None)

    def extension(self, name: str) -> Extension | None:
        return next((e for e in self.extensions if e.name == name), None)

    @property
    def is_empty(self) -> bool:
        """No tables, views, types, sequences or triggers. Extensions do not count: a database
        may come with some installed (a given shadow database, a managed server's defaults)."""
        return not (self.tables or self.views or self.enums or self.sequences or self.triggers)


def empty_schema(dialect: str) -> Schema:
    return Schema(dialect)


# -- pickling (the replay cache, schema/states.py) ---------------------------------------------
# What object.__reduce_ex__ returns for these classes, without its search for the hooks they do
# not have (each lookup that fails raises inside): the same pickle, a fifth faster to write.
_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]  # (not in typeshed's copyreg)


def _reduce_fields(self: object, protocol: int) -> tuple[object, ...]:
    return (_NEWOBJ, (type(self),), self.__dict__)


def _reduce_tuple(self: tuple[object, ...], protocol: int) -> tuple[object, ...]:
    return (_NEWOBJ, (type(self), *self))


_BY_FIELDS: tuple[type, ...] = (Index, PrimaryKey, UniqueConstraint, ForeignKey, CheckConstraint)
_BY_FIELDS += (Table, View, Enum, Sequence, Trigger, Extension, Schema)
for _class in _BY_FIELDS:
    type.__setattr__(_class, "__reduce_ex__", _reduce_fields)
for _class in (Column, IndexColumn):
    type.__setattr__(_class, "__reduce_ex__", _reduce_tuple)


class DbObject(NamedTuple):
    """Any object of a database, as DROP names it: its kind (`TABLE`, `FUNCTION`, ...) and its
    quoted name. Emptying a given shadow database drops these, whatever the model keeps."""

    kind: str
    name: str
