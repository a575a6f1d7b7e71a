"""PostgreSQL DDL, written the way Prisma writes it (quoted names, SERIAL, named constraints)."""

from __future__ import annotations

import re

from mend_core.schema.data_loss import same_family
from mend_core.schema.model import Column, Enum, Extension, Index, PrimaryKey, Sequence, Table
from mend_core.schema.render.base import Renderer, literal

_SERIALS = {"integer": "SERIAL", "bigint": "BIGSERIAL", "smallint": "SMALLSERIAL"}


class PostgresRenderer(Renderer):
    dialect = "postgresql"

    def column_type(self, column: Column) -> str:
        if column.autoincrement and column.type in _SERIALS:
            return _SERIALS[column.type]
        collate = f" COLLATE {self.q(column.collation)}" if column.collation else ""
        return prisma_spelling(column.type) + collate

    def column_definition(self, column: Column) -> str:
        parts = [self.q(column.name), self.column_type(column)]
        if not column.nullable:
            parts.append("NOT NULL")
        if column.generated:
            parts.append(f"GENERATED ALWAYS AS ({column.generated}) STORED")
        elif column.identity:
            parts.append(f"GENERATED {column.identity} AS IDENTITY")
        elif column.default is not None and not column.autoincrement:
            parts.append(f"DEFAULT {column.default}")
        return " ".join(parts)

    def create_table(self, table: Table) -> list[str]:
        items = [self.column_definition(c) for c in table.columns]
        if table.primary_key:
            items.append(self.primary_key_clause(table.primary_key))
        items += [self.unique_clause(u) for u in table.uniques]
        items += [self.check_clause(c) for c in table.checks]
        body = ",\n".join(f"    {item}" for item in items)
        statements = [f"CREATE TABLE {self.q(table.name)} (\n{body}\n)"]
        for index in table.indexes:
            statements += self.create_index(table.name, index)
        statements += self._comments(table)
        return statements

    def _comments(self, table: Table) -> list[str]:
        statements = []
        if table.comment:
            statements += self.table_comment(table.name, table.comment)
        for column in table.columns:
            if column.comment:
                statements.append(self._column_comment(table.name, column.name, column.comment))
        return statements

    def _column_comment(self, table: str, column: str, comment: str | None) -> str:
        value = literal(comment) if comment is not None else "NULL"
        return f"COMMENT ON COLUMN {self.q(table)}.{self.q(column)} IS {value}"

    def create_index(self, table: str, index: Index) -> list[str]:
        unique = "UNIQUE " if index.unique else ""
        method = f" USING {index.method}" if index.method and index.method != "btree" else ""
        include = f" INCLUDE ({self.names(index.include)})" if index.include else ""
        where = f" WHERE {index.where}" if index.where else ""
        return [
            f"CREATE {unique}INDEX {self.q(index.name)} ON {self.q(table)}{method}"
            f"({self.index_items(index)}){include}{where}"
        ]

    def add_column(self, table: str, column: Column) -> list[str]:
        statements = super().add_column(table, column)
        if column.comment:
            statements.append(self._column_comment(table, column.name, column.comment))
        return statements

    def alter_column(self, table: str, before: Column, after: Column) -> list[str]:
        t, c = self.q(table), self.q(after.name)
        alter = f"ALTER TABLE {t} ALTER COLUMN {c}"
        if (before.generated or after.generated) and before.generated != after.generated:
            # A generated expression cannot be altered in place; the values are recomputed.
            return self.drop_column(table, before) + self.add_column(table, after)
        statements: list[str] = []
        default_changes = before.default != after.default or before.autoincrement != (
            after.autoincrement
        )
        if default_changes and (before.default is not None or before.autoincrement):
            statements.append(f"{alter} DROP DEFAULT")
        if before.autoincrement and not after.autoincrement:
            statements.append(f"DROP SEQUENCE IF EXISTS {self.q(f'{table}_{after.name}_seq')}")
        if before.identity and not after.identity:
            statements.append(f"{alter} DROP IDENTITY")
        if (before.type, before.collation) != (after.type, after.collation):
            target = self.column_type(after) if not after.autoincrement else after.type
            # Within a family PostgreSQL's own conversion applies, and it refuses a value that
            # does not fit where an explicit cast would cut it; across families, through text.
            using = (
                "" if same_family(before.type, after.type) else (f" USING {c}::text::{after.type}")
            )
            statements.append(f"{alter} SET DATA TYPE {target}{using}")
        if after.autoincrement and not before.autoincrement:
            sequence = self.q(f"{table}_{after.name}_seq")
            statements += [
                f"CREATE SEQUENCE {sequence} AS {after.type}",
                f"{alter} SET DEFAULT nextval('{sequence}')",
                f"ALTER SEQUENCE {sequence} OWNED BY {t}.{c}",
            ]
        elif default_changes and after.default is not None and not after.autoincrement:
            statements.append(f"{alter} SET DEFAULT {after.default}")
        if after.identity and before.identity != after.identity:
            if before.identity:
                statements.append(f"{alter} SET GENERATED {after.identity}")
            else:
                statements.append(f"{alter} ADD GENERATED {after.identity} AS IDENTITY")
        if before.nullable != after.nullable:
            statements.append(f"{alter} {'DROP' if after.nullable else 'SET'} NOT NULL")
        if before.comment != after.comment:
            statements.append(self._column_comment(table, after.name, after.comment))
        return statements

    def drop_primary_key(self, table: str, key: PrimaryKey) -> list[str]:
        name = key.name or f"{table}_pkey"
        return [f"ALTER TABLE {self.q(table)} DROP CONSTRAINT {self.q(name)}"]

    def table_comment(self, table: str, comment: str | None) -> list[str]:
        value = literal(comment) if comment is not None else "NULL"
        return [f"COMMENT ON TABLE {self.q(table)} IS {value}"]

    def create_enum(self, enum: Enum) -> list[str]:
        values = ", ".join(literal(v) for v in enum.values)
        return [f"CREATE TYPE {self.q(enum.name)} AS ENUM ({values})"]

    def drop_enum(self, enum: Enum) -> list[str]:
        return [f"DROP TYPE {self.q(enum.name)}"]

    def add_enum_values(self, before: Enum, after: Enum) -> list[str]:
        return [
            f"ALTER TYPE {self.q(after.name)} ADD VALUE {literal(value)}"
            for value in after.values[len(before.values) :]
        ]

    def rebuild_enum(
        self, before: Enum, after: Enum, columns: tuple[tuple[str, Column], ...]
    ) -> list[str]:
        """Values removed or reordered: a new type, the columns converted through text. A
        default cannot be cast along with its column ("default for column cannot be cast
        automatically"): it is dropped first and set again, as the target has it, after."""
        old = self.q(f"{after.name}_old")
        statements = [f"ALTER TYPE {self.q(after.name)} RENAME TO {old}"]
        statements += self.create_enum(after)
        for table, column in columns:
            alter = f"ALTER TABLE {self.q(table)} ALTER COLUMN {self.q(column.name)}"
            if column.default is not None:
                statements.append(f"{alter} DROP DEFAULT")
            # The column's own type text: the enum, or an array of it ("Plan"[]).
            statements.append(
                f"{alter} SET DATA TYPE {column.type} USING "
                f"({self.q(column.name)}::text::{column.type})"
            )
            if column.default is not None:
                statements.append(f"{alter} SET DEFAULT {column.default}")
        statements.append(f"DROP TYPE {old}")
        return statements

    def create_extension(self, extension: Extension) -> list[str]:
        """As Prisma writes it: IF NOT EXISTS, in the schema the connection works in."""
        return [f"CREATE EXTENSION IF NOT EXISTS {self.q(extension.name)}"]

    def drop_extension(self, extension: Extension) -> list[str]:
        # No CASCADE: what still uses the extension makes the drop fail rather than go with it.
        return [f"DROP EXTENSION {self.q(extension.name)}"]

    def create_sequence(self, sequence: Sequence) -> list[str]:
        return [f"CREATE SEQUENCE {self.q(sequence.name)}{self._sequence_options(sequence)}"]

    def _sequence_options(self, sequence: Sequence) -> str:
        options = f" INCREMENT {sequence.increment}"
        options += f" MINVALUE {sequence.minimum}" if sequence.minimum is not None else ""
        options += f" MAXVALUE {sequence.maximum}" if sequence.maximum is not None else ""
        options += f" START {sequence.start}"
        return options + (" CYCLE" if sequence.cycle else " NO CYCLE")

    def drop_sequence(self, sequence: Sequence) -> list[str]:
        return [f"DROP SEQUENCE {self.q(sequence.name)}"]

    def alter_sequence(self, before: Sequence, after: Sequence) -> list[str]:
        return [f"ALTER SEQUENCE {self.q(after.name)}{self._sequence_options(after)}"]


# PostgreSQL's own names (format_type) as Prisma writes them in migrations: the same types.
_PRISMA_NAMES = {
    "character varying": "VARCHAR",
    "character": "CHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "double precision": "DOUBLE PRECISION",
    "real": "REAL",
    "numeric": "DECIMAL",
    "date": "DATE",
    "jsonb": "JSONB",
    "json": "JSON",
    "uuid": "UUID",
    "bytea": "BYTEA",
    "inet": "INET",
    "xml": "XML",
    "money": "MONEY",
    "citext": "CITEXT",
    "bit": "BIT",
    "bit varying": "VARBIT",
    "oid": "OID",
}
_TIME = re.compile(
    r"^(?P<kind>timestamp|time)(?P<args>\(\d+\))? (?P<zone>with|without) time zone"
    r"(?P<array>(?:\[\])*)$"
)
_NAMED = re.compile(r"^(?P<base>[a-z][a-z ]*?)(?P<args>\([\d, ]+\))?(?P<array>(?:\[\])*)$")


def prisma_spelling(type_text: str) -> str:
    """`character varying(191)` -> `VARCHAR(191)`, `timestamp(3) without time zone` ->
    `TIMESTAMP(3)`; a type PostgreSQL does not name itself (an enum, a domain) stays as it is."""
    time = _TIME.match(type_text)
    if time:
        name = time.group("kind").upper() + ("TZ" if time.group("zone") == "with" else "")
        return name + (time.group("args") or "") + time.group("array")
    named = _NAMED.match(type_text)
    if named and named.group("base") in _PRISMA_NAMES:
        args = (named.group("args") or "").replace(" ", "")
        return _PRISMA_NAMES[named.group("base")] + args + named.group("array")
    return type_text
