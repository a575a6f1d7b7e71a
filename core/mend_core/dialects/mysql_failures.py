"""MySQL's and MariaDB's failures: the error numbers mend reads a cause from, and what their
messages name (dialects/failures.py)."""

from __future__ import annotations

import re

from mend_core.dialects.failures import ErrorClues, FailureKind, LazyPattern, groups

CODES: dict[str, FailureKind] = {
    "1062": "duplicates",
    "1586": "duplicates",
    "1169": "duplicates",
    "1138": "nulls",
    "1048": "nulls",
    "1263": "nulls",
    "1452": "orphans",
    "1216": "orphans",
    "3819": "check",  # MySQL
    "4025": "check",  # MariaDB
    "1265": "type",  # also MariaDB's word for NULLs in a column made NOT NULL (mysql.py)
    "1264": "type",
    "1406": "type",
    "1366": "type",
    "1292": "type",
    "1205": "lock",
    "1213": "lock",
    "1969": "lock",  # MariaDB max_statement_time
    "3024": "lock",  # MySQL max_execution_time
    "1064": "syntax",
    "1146": "missing_object",
    "1054": "missing_object",
    "1091": "missing_object",
    "1176": "missing_object",
    "1050": "exists",
    "1060": "exists",
    "1061": "exists",
    "1826": "exists",
}

_IDENT = r"`(?:[^`]|``)*`"
_PATTERNS = (
    LazyPattern(r"Duplicate entry '(?P<values>.*)' for key '(?P<name>[^']*)'"),
    LazyPattern(
        r"(?:Data truncated|Data too long|Out of range value) for column '(?P<column>[^']*)'"
    ),
    LazyPattern(r"Column '(?P<column>[^']*)' cannot be null"),
    LazyPattern(
        r"CONSTRAINT (?P<name>"
        + _IDENT
        + r") failed for "
        + _IDENT
        + r"\.(?P<table>"
        + _IDENT
        + ")"
    ),
    LazyPattern(r"Check constraint '(?P<name>[^']*)' is violated"),
)
_FOREIGN_KEY = LazyPattern(
    r"fails \("
    + _IDENT
    + r"\.(?P<table>"
    + _IDENT
    + r"), CONSTRAINT (?P<name>"
    + _IDENT
    + r") FOREIGN KEY \((?P<columns>[^)]*)\) REFERENCES (?P<parent>"
    + _IDENT
    + r") \((?P<parent_columns>[^)]*)\)"
)


def failure_kind(code: str) -> FailureKind | None:
    """The kind an error number names; None: not one mend diagnoses."""
    return CODES.get(code)


def _unquote(identifier: str) -> str:
    return identifier[1:-1].replace("``", "`") if identifier.startswith("`") else identifier


def error_clues(message: str, detail: str | None = None) -> ErrorClues:
    found = {k: _unquote(v) for k, v in groups(_PATTERNS, message).items()}
    name = found.get("name")
    table = found.get("table")
    if name and "." in name and found.get("values") is not None:
        table, name = name.split(".", 1)  # MySQL 8 writes the key as `Table.key`
    clues = ErrorClues(
        table=table,
        columns=(found["column"],) if "column" in found else (),
        name=name,
        values=f"'{found['values']}'" if "values" in found else None,
    )
    foreign = _FOREIGN_KEY.search(message)
    if foreign:
        child = _unquote(foreign["table"])
        clues = ErrorClues(
            # ALTER TABLE checks a copy named `#sql-...`: the real table is not named.
            table=None if child.startswith("#sql") else child,
            columns=_identifiers(foreign["columns"]),
            name=_unquote(foreign["name"]),
            referenced_table=_unquote(foreign["parent"]),
            referenced_columns=_identifiers(foreign["parent_columns"]),
        )
    return clues


def _identifiers(text: str) -> tuple[str, ...]:
    return tuple(_unquote(m) for m in re.findall(_IDENT, text))
