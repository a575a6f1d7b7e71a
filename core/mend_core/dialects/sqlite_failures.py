"""SQLite's failures: the extended result codes mend reads a cause from, and what its messages
name (dialects/failures.py)."""

from __future__ import annotations

import re

from mend_core.dialects.failures import ErrorClues, FailureKind, LazyPattern

# SQLite's extended result codes, as numbers (mend) and names (Prisma's logs).
CODES: dict[str, FailureKind] = {
    "2067": "duplicates",
    "1555": "duplicates",
    "1299": "nulls",
    "787": "orphans",
    "275": "check",
    "3091": "type",
    "20": "type",
    "5": "lock",
    "6": "lock",
    "261": "lock",
    "517": "lock",
    "773": "lock",
    "SQLITE_CONSTRAINT_UNIQUE": "duplicates",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "duplicates",
    "SQLITE_CONSTRAINT_NOTNULL": "nulls",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "orphans",
    "SQLITE_CONSTRAINT_CHECK": "check",
    "SQLITE_CONSTRAINT_DATATYPE": "type",
    "SQLITE_MISMATCH": "type",
    "SQLITE_BUSY": "lock",
    "SQLITE_LOCKED": "lock",
    "SQLITE_BUSY_TIMEOUT": "lock",
    "SQLITE_BUSY_SNAPSHOT": "lock",
}

_COLUMNS = LazyPattern(r"(?:UNIQUE|NOT NULL) constraint failed: (?P<list>.*)$", re.M)
_INDEX = LazyPattern(r"UNIQUE constraint failed: index '(?P<name>.*)'$", re.M)
_CHECK = LazyPattern(r"CHECK constraint failed: (?P<check>.*)$", re.M)


def failure_kind(code: str) -> FailureKind | None:
    """The kind a result code names; None: not one mend diagnoses."""
    return CODES.get(code)


def error_clues(message: str, detail: str | None = None) -> ErrorClues:
    if "constraint failed: " not in message:
        # Every shape below says so: most failures (a missing table, a syntax error) compile
        # none of them.
        return ErrorClues()
    index = _INDEX.search(message)
    if index:
        return ErrorClues(name=index["name"])
    columns = _COLUMNS.search(message)
    if columns:
        pairs = [item.split(".", 1) for item in columns["list"].split(", ") if "." in item]
        tables = {table for table, _ in pairs}
        table = tables.pop() if len(tables) == 1 else None
        return ErrorClues(table=table, columns=tuple(column for _, column in pairs))
    check = _CHECK.search(message)
    if check:
        # SQLite names the constraint when it has a name, else writes its expression.
        text = check["check"].strip()
        return ErrorClues(name=text) if re.fullmatch(r"\w+", text) else ErrorClues(expression=text)
    return ErrorClues()
