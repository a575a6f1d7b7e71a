"""An immutable model of a database schema, as one dialect spells it.

Two models of the same dialect are compared by `mend_core.schema.diff`. Types, defaults and
expressions are kept as the database reports them (normalised only where the database itself
is inconsistent), so comparing is comparing text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as the dialect spells it: "varchar(191)", "integer", "timestamp(3) without time zone"
    nullable: bool = True
    default: str | None = None  # a SQL expression, as the database reports it
    autoincrement: bool = False  # MySQL AUTO_INCREMENT, SQLite AUTOINCREMENT, PostgreSQL serial
    identity: str | None = None  # PostgreSQL: "ALWAYS" or "BY DEFAULT"
    generated: str | None = None  # a generated column's expression
    generated_stored: bool = True  # STORED, or VIRTUAL (MySQL, SQLite)
    comment: str | None = None
    check: str | None = None  # MariaDB column-level CHECK (what JSON columns carry)
    collation: str | None = None


@dataclass(frozen=True)
class IndexColumn:
    expression: str  # a column name, or an expression in parentheses
    descending: bool = False
    is_expression: bool = False


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[IndexColumn, ...]
    unique: bool = False
    where: str | None = None  # PostgreSQL and SQLite partial indexes
    method: str | None = None  # PostgreSQL: btree, hash, gin, ...

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.expression for c in self.columns)


@dataclass(frozen=True)
class PrimaryKey:
    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class UniqueConstraint:
    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ForeignKey:
    name: str | None
    columns: tuple[str, ...]
    referenced_table: str
    referenced_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"


@dataclass(frozen=True)
class CheckConstraint:
    name: str | None
    expression: str


@dataclass(frozen=True)
class Table:
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


def _by_name(items: Iterable[object]) -> dict[str, object]:
    return {item.name: item for item in items}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Schema:
    dialect: str
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    enums: tuple[Enum, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    _index: dict[str, dict[str, object]] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        for kind in ("tables", "views", "enums", "sequences", "triggers"):
            self._index[kind] = _by_name(getattr(self, kind))

    def table(self, name: str) -> Table | None:
        return self._index["tables"].get(name)  # type: ignore[return-value]

    def view(self, name: str) -> View | None:
        return self._index["views"].get(name)  # type: ignore[return-value]

    def enum(self, name: str) -> Enum | None:
        return self._index["enums"].get(name)  # type: ignore[return-value]

    def sequence(self, name: str) -> Sequence | None:
        return self._index["sequences"].get(name)  # type: ignore[return-value]

    def trigger(self, name: str) -> Trigger | None:
        return self._index["triggers"].get(name)  # type: ignore[return-value]

    @property
    def is_empty(self) -> bool:
        return not (self.tables or self.views or self.enums or self.sequences or self.triggers)


def empty_schema(dialect: str) -> Schema:
    return Schema(dialect)
