"""MySQL/MariaDB DDL, written the way Prisma writes it (backticks, inline indexes, utf8mb4)."""

from __future__ import annotations

from mend_core.output.sql_text import literal as sql_literal
from mend_core.schema.model import Column, ForeignKey, Index, PrimaryKey, Table
from mend_core.schema.render.base import Renderer


def literal(text: str) -> str:
    """A backslash escapes under MySQL's default sql_mode: doubled, or `'a\\'` never ends."""
    return sql_literal("mysql", text)


class MySQLRenderer(Renderer):
    dialect = "mysql"
    quote_char = "`"

    def column_definition(self, column: Column) -> str:
        parts = [self.q(column.name), column.type]
        if column.generated:
            kind = "STORED" if column.generated_stored else "VIRTUAL"
            parts.append(f"GENERATED ALWAYS AS ({column.generated}) {kind}")
        else:  # MariaDB takes no NULL / NOT NULL on a generated column
            parts.append("NULL" if column.nullable else "NOT NULL")
        if column.default is not None and not column.generated:
            parts.append(f"DEFAULT {column.default}")
        if column.autoincrement:
            parts.append("AUTO_INCREMENT")
        if column.comment:
            parts.append(f"COMMENT {literal(column.comment)}")
        if column.check:
            parts.append(f"CHECK ({column.check})")
        return " ".join(parts)

    def index_clause(self, index: Index) -> str:
        return f"{_index_kind(index)} {self.q(index.name)}({self.index_items(index)})"

    def create_table(self, table: Table) -> list[str]:
        items = [self.column_definition(c) for c in table.columns]
        items += [self.index_clause(i) for i in table.indexes]
        if table.primary_key:
            items.append(f"PRIMARY KEY ({self.names(table.primary_key.columns)})")
        items += [self.check_clause(c) for c in table.checks]
        body = ",\n".join(f"    {item}" for item in items)
        comment = f" COMMENT {literal(table.comment)}" if table.comment else ""
        return [
            f"CREATE TABLE {self.q(table.name)} (\n{body}\n) "
            f"DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci{comment}"
        ]

    def alter_column(self, table: str, before: Column, after: Column) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} MODIFY {self.column_definition(after)}"]

    def create_index(self, table: str, index: Index) -> list[str]:
        return [
            f"CREATE {_index_kind(index)} {self.q(index.name)} ON {self.q(table)}"
            f"({self.index_items(index)})"
        ]

    def drop_index(self, table: str, index: Index) -> list[str]:
        return [f"DROP INDEX {self.q(index.name)} ON {self.q(table)}"]

    def drop_foreign_key(self, table: str, key: ForeignKey) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} DROP FOREIGN KEY {self.q(key.name or '')}"]

    def drop_primary_key(self, table: str, key: PrimaryKey) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} DROP PRIMARY KEY"]

    def change_primary_key(
        self, table: str, before: PrimaryKey | None, after: PrimaryKey | None
    ) -> list[str]:
        """One statement, so that an AUTO_INCREMENT column is never left without a key."""
        parts = []
        if before is not None:
            parts.append("DROP PRIMARY KEY")
        if after is not None:
            parts.append(f"ADD PRIMARY KEY ({self.names(after.columns)})")
        return [f"ALTER TABLE {self.q(table)} {', '.join(parts)}"]

    def table_comment(self, table: str, comment: str | None) -> list[str]:
        return [f"ALTER TABLE {self.q(table)} COMMENT {literal(comment or '')}"]


def _index_kind(index: Index) -> str:
    """`INDEX`, `UNIQUE INDEX`, `FULLTEXT INDEX` or `SPATIAL INDEX`."""
    if index.method in ("FULLTEXT", "SPATIAL"):
        return f"{index.method} INDEX"
    return "UNIQUE INDEX" if index.unique else "INDEX"
