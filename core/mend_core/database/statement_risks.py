"""What a hand-written statement can destroy: the data-loss warnings of `mend execute`.

The schema engine knows what its own plans lose; a script typed by an operator is read here
instead, statement by statement, for the forms that lose data (DROP TABLE, ALTER TABLE ... DROP
COLUMN, TRUNCATE, DELETE or UPDATE without WHERE), with the live number of rows at stake.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mend_core.database.row_counts import RowCount, count_rows
from mend_core.database.session import Database
from mend_core.database.statements import Statement
from mend_core.dialects import dialect_for

_IDENT = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})?"
_DROP_TABLE = re.compile(
    rf"\ADROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)", re.I
)
_ALTER_TABLE = re.compile(
    rf"\AALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{_NAME})\s+(?P<rest>.*)\Z",
    re.I | re.S,
)
_DROP_COLUMN = re.compile(
    rf"\ADROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?P<column>{_IDENT})(?:\s|;|\Z)", re.I
)
# DROP followed by these is not a column: a constraint, an index, a default...
_NOT_COLUMNS = {
    "constraint",
    "index",
    "key",
    "primary",
    "foreign",
    "check",
    "default",
    "not",
    "expression",
    "identity",
    "partitioning",
    "partition",
    "system",
    "period",
}
_TRUNCATE = re.compile(
    rf"\ATRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)", re.I
)
_DELETE = re.compile(rf"\ADELETE\s+FROM\s+(?:ONLY\s+)?(?P<name>{_NAME})(?P<rest>.*)\Z", re.I | re.S)
_UPDATE = re.compile(rf"\AUPDATE\s+(?:ONLY\s+)?(?P<name>{_NAME})\s+(?P<rest>.*)\Z", re.I | re.S)
_WHERE = re.compile(r"\bWHERE\b", re.I)
_NAME_PARTS = re.compile(_IDENT)


RiskKind = Literal[
    "drop_table", "drop_column", "truncate", "delete_all", "update_all", "delete_some"
]


@dataclass(frozen=True)
class StatementRisk:
    """One way a statement loses data, with the live amount at stake."""

    statement: int  # its index in the script
    kind: RiskKind
    table: str
    column: str | None
    rows: RowCount

    def describe(self) -> str:
        where = f"`{self.table}`"
        match self.kind:
            case "drop_table":
                return f"drops table {where} and its {self.rows.words()}"
            case "drop_column":
                lost = self.rows.words("non-NULL value")
                return f"drops column `{self.table}.{self.column}` and its {lost}"
            case "truncate":
                return f"empties table {where}: deletes its {self.rows.words()}"
            case "delete_all":
                return f"deletes every row of {where} (no WHERE): {self.rows.words()}"
            case "update_all":
                return f"changes every row of {where} (no WHERE): {self.rows.words()}"
        return f"deletes rows of {where} (of its {self.rows.words()})"


def statement_risks(db: Database, statements: Sequence[Statement]) -> list[StatementRisk]:
    """The data-loss warnings of a script, counted against the live database."""
    risks: list[StatementRisk] = []
    for statement in statements:
        for kind, table, column in _destructive(statement.code.strip().rstrip(";")):
            name = _object_name(table, db.dialect.name)
            col = _unquote(column, db.dialect.name) if column else None
            rows = count_rows(db, name, col if kind == "drop_column" else None)
            risks.append(StatementRisk(statement.index, kind, name, col, rows))
    return risks


def _destructive(code: str) -> list[tuple[RiskKind, str, str | None]]:
    """(kind, table, column) for each way `code` loses data."""
    if match := _DROP_TABLE.match(code):
        return [("drop_table", name, None) for name in _split_names(match.group("names"))]
    if match := _TRUNCATE.match(code):
        return [("truncate", name, None) for name in _split_names(match.group("names"))]
    if match := _ALTER_TABLE.match(code):
        found: list[tuple[RiskKind, str, str | None]] = []
        for clause in _clauses(match.group("rest")):
            column = _DROP_COLUMN.match(clause)
            if column and column.group("column").strip('"`[]').lower() not in _NOT_COLUMNS:
                found.append(("drop_column", match.group("name"), column.group("column")))
        return found
    if match := _DELETE.match(code):
        kind: RiskKind = "delete_some" if _WHERE.search(match.group("rest")) else "delete_all"
        return [(kind, match.group("name"), None)]
    if (match := _UPDATE.match(code)) and not _WHERE.search(match.group("rest")):
        return [("update_all", match.group("name"), None)]
    return []


def _split_names(text: str) -> list[str]:
    return [part.strip() for part in _clauses(text) if part.strip()]


def _clauses(text: str) -> list[str]:
    """`text` split on the commas outside parentheses and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _object_name(qualified: str, dialect: str) -> str:
    """The table's own name (the schema part dropped: counts run in the session's schema)."""
    parts = _NAME_PARTS.findall(qualified)
    return _unquote(parts[-1], dialect)


def _unquote(identifier: str, dialect: str) -> str:
    if identifier[:1] == '"' and identifier[-1:] == '"':
        return identifier[1:-1].replace('""', '"')
    if identifier[:1] == "`" and identifier[-1:] == "`":
        return identifier[1:-1].replace("``", "`")
    if identifier[:1] == "[" and identifier[-1:] == "]":
        return identifier[1:-1]
    # PostgreSQL folds unquoted names to lower case; MySQL and SQLite keep them.
    return dialect_for(dialect).unquoted_name(identifier)
