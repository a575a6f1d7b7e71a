"""SQLite DDL, including Prisma's table redefinition for what ALTER TABLE cannot do."""

from __future__ import annotations

import re

from mend_core.schema.model import Column, PrimaryKey, Table, Trigger, View
from mend_core.schema.render.base import Renderer

_SIMPLE_DEFAULT = re.compile(
    r"^(?:[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|'(?:[^']|'')*'|NULL|TRUE|FALSE|"
    r"CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|X'[0-9A-Fa-f]*')$",
    re.I,
)
_WORD = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


class SQLiteRenderer(Renderer):
    dialect = "sqlite"

    def default_expression(self, default: str) -> str:
        return default if _SIMPLE_DEFAULT.match(default.strip()) else f"({default})"

    def column_definition(
        self, column: Column, *, inline_key: bool = False, key_name: str | None = None
    ) -> str:
        parts = [self.q(column.name)]
        if column.type:
            parts.append(column.type)
        if not column.nullable:
            parts.append("NOT NULL")
        if inline_key:
            if key_name:
                parts.append(f"CONSTRAINT {self.q(key_name)}")
            parts.append("PRIMARY KEY")
            if column.autoincrement:
                parts.append("AUTOINCREMENT")
        if column.generated:
            parts.append(
                f"GENERATED ALWAYS AS ({column.generated}) "
                + ("STORED" if column.generated_stored else "VIRTUAL")
            )
        elif column.default is not None:
            parts.append(f"DEFAULT {self.default_expression(column.default)}")
        return " ".join(parts)

    def create_table(self, table: Table, name: str | None = None) -> list[str]:
        key = table.primary_key
        # A one-column key is written inline, as Prisma does: INTEGER PRIMARY KEY stays the
        # rowid alias, and AUTOINCREMENT is only allowed there.
        inline = key.columns[0] if key is not None and len(key.columns) == 1 else None
        items = [
            self.column_definition(
                c, inline_key=c.name == inline, key_name=key.name if key else None
            )
            for c in table.columns
        ]
        if key is not None and inline is None:
            items.append(self.primary_key_clause(key))
        items += [self.unique_clause(u) for u in table.uniques]
        items += [self.check_clause(c) for c in table.checks]
        items += [self.foreign_key_clause(f) for f in table.foreign_keys]
        body = ",\n".join(f"    {item}" for item in items)
        statements = [f"CREATE TABLE {self.q(name or table.name)} (\n{body}\n)"]
        for index in table.indexes:
            statements += self.create_index(table.name, index)
        return statements

    def collation_name(self, name: str) -> str:
        """Bare, as SQLite reports it (NOCASE, RTRIM); quoted only when it must be."""
        return name if _WORD.match(name) else self.q(name)

    def alter_column(self, table: str, before: Column, after: Column) -> list[str]:
        raise NotImplementedError("SQLite alters columns by redefining the table")

    def drop_primary_key(self, table: str, key: PrimaryKey) -> list[str]:
        raise NotImplementedError("SQLite changes keys by redefining the table")

    def table_comment(self, table: str, comment: str | None) -> list[str]:
        return []  # SQLite has no comments

    def redefine_table(self, before: Table, after: Table) -> list[str]:
        """Prisma's RedefineTables: a new table, the rows copied, the old one dropped and the
        new one renamed, with foreign keys off around it (views and triggers are dropped and
        recreated by the plan)."""
        temporary = f"new_{after.name}"
        source = []
        for column in after.columns:
            old = before.column(column.name)
            if old is not None and not old.generated and not column.generated:
                source.append(column.name)
        statements = self.create_table(
            Table(
                after.name,
                after.columns,
                after.primary_key,
                (),
                after.uniques,
                after.foreign_keys,
                after.checks,
            ),
            name=temporary,
        )
        if source:
            columns = self.names(tuple(source))
            statements.append(
                f"INSERT INTO {self.q(temporary)} ({columns}) SELECT {columns} FROM "
                f"{self.q(before.name)}"
            )
        statements += [
            f"DROP TABLE {self.q(before.name)}",
            f"ALTER TABLE {self.q(temporary)} RENAME TO {self.q(after.name)}",
        ]
        for index in after.indexes:
            statements += self.create_index(after.name, index)
        return statements

    def create_view(self, view: View) -> list[str]:
        return [f"CREATE VIEW {self.q(view.name)} AS {view.definition.strip().rstrip(';')}"]

    def drop_trigger(self, trigger: Trigger) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self.q(trigger.name)}"]
