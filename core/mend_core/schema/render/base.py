"""SQL for schema changes: what the three dialects share."""

from __future__ import annotations

from abc import ABC, abstractmethod

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


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Renderer(ABC):
    """Turns model objects into statements (without the trailing semicolon)."""

    dialect: str
    quote_char = '"'

    def q(self, name: str) -> str:
        return (
            self.quote_char + name.replace(self.quote_char, self.quote_char * 2) + self.quote_char
        )

    def names(self, names: tuple[str, ...]) -> str:
        return ", ".join(self.q(n) for n in names)

    def index_items(self, index: Index) -> str:
        """Each key as CREATE INDEX takes it: `expr [COLLATE c] [opclass] [DESC] [NULLS x]`."""
        items = []
        for item in index.columns:
            text = item.expression if item.is_expression else self.q(item.expression)
            if item.collation:
                text += f" COLLATE {self.collation_name(item.collation)}"
            if item.opclass:
                text += f" {item.opclass}"
            if item.descending:
                text += " DESC"
            if item.nulls:
                text += f" NULLS {item.nulls}"
            items.append(text)
        return ", ".join(items)

    def collation_name(self, name: str) -> str:
        return self.q(name)

    # -- tables -----------------------------------------------------------------------------
    @abstractmethod
    def column_definition(self, column: Column) -> str: ...

    @abstractmethod
    def create_table(self, table: Table) -> list[str]:
        """The table with its columns, keys, uniques and checks, and its indexes."""

    def drop_table(self, table: Table) -> list[str]:
        return [f"DROP TABLE {self.q(table.name)}"]

    def add_column(self, table: str, column: Column) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} ADD COLUMN {self.column_definition(column)}"]

    def drop_column(self, table: str, column: Column) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} DROP COLUMN {self.q(column.name)}"]

    @abstractmethod
    def alter_column(self, table: str, before: Column, after: Column) -> list[str]: ...

    # -- constraints and indexes ------------------------------------------------------------
    def create_index(self, table: str, index: Index) -> list[str]:
        unique = "UNIQUE " if index.unique else ""
        where = f" WHERE {index.where}" if index.where else ""
        return [
            f"CREATE {unique}INDEX {self.q(index.name)} ON {self.q(table)}"
            f"({self.index_items(index)}){where}"
        ]

    def drop_index(self, table: str, index: Index) -> list[str]:
        return [f"DROP INDEX {self.q(index.name)}"]

    def foreign_key_clause(self, key: ForeignKey) -> str:
        name = f"CONSTRAINT {self.q(key.name)} " if key.name else ""
        return (
            f"{name}FOREIGN KEY ({self.names(key.columns)}) REFERENCES "
            f"{self.q(key.referenced_table)}({self.names(key.referenced_columns)}) "
            f"ON DELETE {key.on_delete} ON UPDATE {key.on_update}"
        )

    def add_foreign_key(self, table: str, key: ForeignKey) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} ADD {self.foreign_key_clause(key)}"]

    def drop_foreign_key(self, table: str, key: ForeignKey) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} DROP CONSTRAINT {self.q(key.name or '')}"]

    def unique_clause(self, unique: UniqueConstraint) -> str:
        name = f"CONSTRAINT {self.q(unique.name)} " if unique.name else ""
        return f"{name}UNIQUE ({self.names(unique.columns)})"

    def add_unique(self, table: str, unique: UniqueConstraint) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} ADD {self.unique_clause(unique)}"]

    def drop_unique(self, table: str, unique: UniqueConstraint) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} DROP CONSTRAINT {self.q(unique.name or '')}"]

    def check_clause(self, check: CheckConstraint) -> str:
        name = f"CONSTRAINT {self.q(check.name)} " if check.name else ""
        return f"{name}CHECK {self.check_expression(check.expression)}"

    def check_expression(self, expression: str) -> str:
        text = expression.strip()
        return text if text.startswith("(") and _balanced_outer(text) else f"({text})"

    def add_check(self, table: str, check: CheckConstraint) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} ADD {self.check_clause(check)}"]

    def drop_check(self, table: str, check: CheckConstraint) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} DROP CONSTRAINT {self.q(check.name or '')}"]

    def primary_key_clause(self, key: PrimaryKey) -> str:
        name = f"CONSTRAINT {self.q(key.name)} " if key.name else ""
        return f"{name}PRIMARY KEY ({self.names(key.columns)})"

    @abstractmethod
    def drop_primary_key(self, table: str, key: PrimaryKey) -> list[str]: ...

    def change_primary_key(
        self, table: str, before: PrimaryKey | None, after: PrimaryKey | None
    ) -> list[str]:
        """One statement for both halves (MySQL); other dialects drop and add separately."""
        raise NotImplementedError(f"{self.dialect} changes keys in two steps")

    def add_primary_key(self, table: str, key: PrimaryKey) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} ADD {self.primary_key_clause(key)}"]

    @abstractmethod
    def table_comment(self, table: str, comment: str | None) -> list[str]: ...

    # -- other objects ----------------------------------------------------------------------
    def create_view(self, view: View) -> list[str]:
        kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
        return [f"CREATE {kind} {self.q(view.name)} AS {view.definition.strip().rstrip(';')}"]

    def drop_view(self, view: View) -> list[str]:
        kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
        return [f"DROP {kind} {self.q(view.name)}"]

    def create_enum(self, enum: Enum) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no enum types")

    def drop_enum(self, enum: Enum) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no enum types")

    def add_enum_values(self, before: Enum, after: Enum) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no enum types")

    def rebuild_enum(
        self, before: Enum, after: Enum, columns: tuple[tuple[str, Column], ...]
    ) -> list[str]:
        """`columns`: each column using the type, as the target defines it, with its table."""
        raise NotImplementedError(f"{self.dialect} has no enum types")

    def redefine_table(self, before: Table, after: Table) -> list[str]:
        raise NotImplementedError(f"{self.dialect} alters tables in place")

    def create_extension(self, extension: Extension) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no extensions")

    def drop_extension(self, extension: Extension) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no extensions")

    def create_sequence(self, sequence: Sequence) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no standalone sequences")

    def drop_sequence(self, sequence: Sequence) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no standalone sequences")

    def alter_sequence(self, before: Sequence, after: Sequence) -> list[str]:
        raise NotImplementedError(f"{self.dialect} has no standalone sequences")

    def create_trigger(self, trigger: Trigger) -> list[str]:
        return [trigger.sql.strip().rstrip(";")]

    def drop_trigger(self, trigger: Trigger) -> list[str]:
        return [f"DROP TRIGGER {self.q(trigger.name)}"]


def _balanced_outer(text: str) -> bool:
    """True when the first `(` closes at the very end: `(a > 0)` but not `(a) > (b)`."""
    depth = 0
    for position, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and position != len(text) - 1:
                return False
    return depth == 0
