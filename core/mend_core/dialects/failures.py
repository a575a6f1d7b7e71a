"""What a database's error says about why a statement failed: the kind of cause its code names,
and what its message and DETAIL name (a table, columns, a key, a constraint).

The vocabulary and the record are shared by the three families; each family's codes and message
shapes live beside it (`postgresql_failures.py`, `mysql_failures.py`, `sqlite_failures.py`) and
its dialect answers `failure_kind` and `error_clues` (recovery/cause.py asks them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

FailureKind = Literal[
    "duplicates",
    "nulls",
    "orphans",
    "check",
    "type",
    "lock",
    "syntax",
    "missing_object",
    "exists",
    "other",
]


@dataclass(frozen=True)
class ErrorClues:
    """What the database's message and DETAIL name."""

    table: str | None = None
    columns: tuple[str, ...] = ()
    name: str | None = None
    values: str | None = None
    referenced_table: str | None = None
    referenced_columns: tuple[str, ...] = ()
    expression: str | None = None
    target_type: str | None = None


class LazyPattern:
    """A pattern compiled on first use: a failure needs only its own dialect's clue patterns,
    most need none (the data did not cause them), and compiling all of them at import cost
    `mend inspect` start-up time."""

    __slots__ = ("_compiled", "_source")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self._get().search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self._get().match(text)


def groups(patterns: Sequence[LazyPattern], text: str) -> dict[str, str]:
    """The named groups every matching pattern found in `text` (later patterns win)."""
    found: dict[str, str] = {}
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            found.update({k: v for k, v in match.groupdict().items() if v is not None})
    return found


# Codes that say too little: the message decides (SQLite's SQLITE_ERROR and SQLITE_CONSTRAINT,
# as numbers and as Prisma's logs name them; whichever family the failure is reported on).
GENERIC_CODES = frozenset({"1", "19", "SQLITE_ERROR", "SQLITE_CONSTRAINT"})


def _any_of(*phrases: str) -> LazyPattern:
    return LazyPattern("|".join(phrases), re.I)


# The three families' wordings, for a failure whose code is missing or generic (a log without
# one): the message is read whatever the family.
_MESSAGE_KINDS: tuple[tuple[LazyPattern, FailureKind], ...] = (
    (
        _any_of(
            "could not create unique index",
            "violates unique constraint",
            "is duplicated",
            "Duplicate entry",
            "UNIQUE constraint failed",
        ),
        "duplicates",
    ),
    (
        _any_of(
            "contains null values",
            "violates not-null constraint",
            "Invalid use of NULL",
            "cannot be null",
            "NOT NULL constraint failed",
            "NOT NULL column with default value NULL",
        ),
        "nulls",
    ),
    (_any_of("violates foreign key constraint", "FOREIGN KEY constraint failed"), "orphans"),
    (
        _any_of("foreign key constraint fails"),  # MySQL's 1452 text
        "orphans",
    ),
    (_any_of("check constraint", "CONSTRAINT `.*` failed for"), "check"),
    (
        _any_of(
            "value too long",
            "out of range",
            "invalid input syntax",
            "Data too long",
            r"Incorrect \w+ value",
        ),
        "type",
    ),
    (
        _any_of(
            "lock timeout",
            "Lock wait timeout",
            "deadlock",
            "database (?:table )?is locked",
            "due to statement timeout",
            "max_statement_time",
        ),
        "lock",
    ),
    (_any_of("syntax error", "error in your SQL syntax", "incomplete input"), "syntax"),
    (
        _any_of("does not exist", "doesn't exist", "no such ", "Unknown column", "Can't DROP"),
        "missing_object",
    ),
    (_any_of("already exists", "Duplicate column name", "Duplicate key name"), "exists"),
)


def kind_from_message(message: str) -> FailureKind | None:
    """The kind the message's wording says, in any family's words; None: none mend knows."""
    for pattern, kind in _MESSAGE_KINDS:
        if pattern.search(message):
            return kind
    return None
