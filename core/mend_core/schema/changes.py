"""The differences between two schemas, one small immutable record per difference.

`compare` produces them; a dialect's planner turns them into ordered SQL steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from mend_core.schema.model import (
    CheckConstraint,
    Column,
    Enum,
    Extension,
    ForeignKey,
    Index,
    PrimaryKey,
    Sequence,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)


@dataclass(frozen=True)
class TableCreated:
    table: Table


@dataclass(frozen=True)
class TableDropped:
    table: Table


@dataclass(frozen=True)
class ColumnAdded:
    table: str
    column: Column


@dataclass(frozen=True)
class ColumnDropped:
    table: str
    column: Column


@dataclass(frozen=True)
class ColumnAltered:
    table: str
    before: Column
    after: Column


@dataclass(frozen=True)
class PrimaryKeyChanged:
    table: str
    before: PrimaryKey | None
    after: PrimaryKey | None


@dataclass(frozen=True)
class IndexCreated:
    table: str
    index: Index


@dataclass(frozen=True)
class IndexDropped:
    table: str
    index: Index


@dataclass(frozen=True)
class UniqueAdded:
    table: str
    unique: UniqueConstraint


@dataclass(frozen=True)
class UniqueDropped:
    table: str
    unique: UniqueConstraint


@dataclass(frozen=True)
class ForeignKeyAdded:
    table: str
    foreign_key: ForeignKey


@dataclass(frozen=True)
class ForeignKeyDropped:
    table: str
    foreign_key: ForeignKey


@dataclass(frozen=True)
class CheckAdded:
    table: str
    check: CheckConstraint


@dataclass(frozen=True)
class CheckDropped:
    table: str
    check: CheckConstraint


@dataclass(frozen=True)
class TableCommentChanged:
    table: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ViewCreated:
    view: View


@dataclass(frozen=True)
class ViewDropped:
    view: View


@dataclass(frozen=True)
class EnumCreated:
    enum: Enum


@dataclass(frozen=True)
class EnumDropped:
    enum: Enum


@dataclass(frozen=True)
class EnumChanged:
    """Values appended at the end are added in place; anything else rebuilds the type."""

    before: Enum
    after: Enum
    columns: tuple[tuple[str, str], ...]  # (table, column) using the type, in the target

    @property
    def appended_only(self) -> bool:
        return self.after.values[: len(self.before.values)] == self.before.values

    @property
    def removed_values(self) -> tuple[str, ...]:
        return tuple(v for v in self.before.values if v not in self.after.values)


@dataclass(frozen=True)
class SequenceCreated:
    sequence: Sequence


@dataclass(frozen=True)
class SequenceDropped:
    sequence: Sequence


@dataclass(frozen=True)
class SequenceAltered:
    before: Sequence
    after: Sequence


@dataclass(frozen=True)
class TriggerCreated:
    trigger: Trigger


@dataclass(frozen=True)
class TriggerDropped:
    trigger: Trigger


@dataclass(frozen=True)
class ExtensionCreated:
    extension: Extension


@dataclass(frozen=True)
class ExtensionDropped:
    extension: Extension


Change = (
    TableCreated
    | TableDropped
    | ColumnAdded
    | ColumnDropped
    | ColumnAltered
    | PrimaryKeyChanged
    | IndexCreated
    | IndexDropped
    | UniqueAdded
    | UniqueDropped
    | ForeignKeyAdded
    | ForeignKeyDropped
    | CheckAdded
    | CheckDropped
    | TableCommentChanged
    | ViewCreated
    | ViewDropped
    | EnumCreated
    | EnumDropped
    | EnumChanged
    | SequenceCreated
    | SequenceDropped
    | SequenceAltered
    | TriggerCreated
    | TriggerDropped
    | ExtensionCreated
    | ExtensionDropped
)

TABLE_LEVEL = (
    ColumnAdded,
    ColumnDropped,
    ColumnAltered,
    PrimaryKeyChanged,
    IndexCreated,
    IndexDropped,
    UniqueAdded,
    UniqueDropped,
    ForeignKeyAdded,
    ForeignKeyDropped,
    CheckAdded,
    CheckDropped,
    TableCommentChanged,
)
