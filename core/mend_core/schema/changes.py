"""The differences between two schemas, one small immutable record per difference.

`compare` produces them; a dialect's planner turns them into ordered SQL steps.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, dataclass_transform

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


@dataclass_transform(frozen_default=True)
class ChangeRecord:
    """A change: an immutable record of the fields its class annotates (no defaults), made,
    compared, hashed and shown as a frozen dataclass is; mypy types each one as a frozen
    dataclass (dataclass_transform). Not dataclasses: @dataclass compiles six methods per class,
    and these 27 classes cost every process that compares schemas (`mend inspect`) about 11 ms;
    this class writes its methods once."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = tuple(cls.__annotations__)  # its own (Python 3.10+), in order
        type.__setattr__(cls, "__match_args__", fields)  # positional patterns, as a dataclass

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names: tuple[str, ...] = self.__match_args__  # type: ignore[attr-defined]
        if len(args) > len(names):
            raise TypeError(
                f"{type(self).__name__}() takes {len(names)} arguments but {len(args)} were given"
            )
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(
                    f"{type(self).__name__}() got an unexpected keyword argument {name!r}"
                )
            if name in values:
                raise TypeError(
                    f"{type(self).__name__}() got multiple values for argument {name!r}"
                )
            values[name] = value
        missing = [name for name in names if name not in values]
        if missing:
            raise TypeError(f"{type(self).__name__}() missing arguments: {', '.join(missing)}")
        object.__setattr__(self, "__dict__", {name: values[name] for name in names})

    def _values(self) -> tuple[Any, ...]:
        return tuple(self.__dict__.values())

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


class TableCreated(ChangeRecord):
    table: Table


class TableDropped(ChangeRecord):
    table: Table


class ColumnAdded(ChangeRecord):
    table: str
    column: Column


class ColumnDropped(ChangeRecord):
    table: str
    column: Column


class ColumnAltered(ChangeRecord):
    table: str
    before: Column
    after: Column


class PrimaryKeyChanged(ChangeRecord):
    table: str
    before: PrimaryKey | None
    after: PrimaryKey | None


class IndexCreated(ChangeRecord):
    table: str
    index: Index


class IndexDropped(ChangeRecord):
    table: str
    index: Index


class UniqueAdded(ChangeRecord):
    table: str
    unique: UniqueConstraint


class UniqueDropped(ChangeRecord):
    table: str
    unique: UniqueConstraint


class ForeignKeyAdded(ChangeRecord):
    table: str
    foreign_key: ForeignKey


class ForeignKeyDropped(ChangeRecord):
    table: str
    foreign_key: ForeignKey


class CheckAdded(ChangeRecord):
    table: str
    check: CheckConstraint


class CheckDropped(ChangeRecord):
    table: str
    check: CheckConstraint


class TableCommentChanged(ChangeRecord):
    table: str
    before: str | None
    after: str | None


class ViewCreated(ChangeRecord):
    view: View


class ViewDropped(ChangeRecord):
    view: View


class EnumCreated(ChangeRecord):
    enum: Enum


class EnumDropped(ChangeRecord):
    enum: Enum


class EnumChanged(ChangeRecord):
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


class SequenceCreated(ChangeRecord):
    sequence: Sequence


class SequenceDropped(ChangeRecord):
    sequence: Sequence


class SequenceAltered(ChangeRecord):
    before: Sequence
    after: Sequence


class TriggerCreated(ChangeRecord):
    trigger: Trigger


class TriggerDropped(ChangeRecord):
    trigger: Trigger


class ExtensionCreated(ChangeRecord):
    extension: Extension


class ExtensionDropped(ChangeRecord):
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
