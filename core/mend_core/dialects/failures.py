"""What a database's error says about why a statement failed: the kind of cause its code names,
and what its message and DETAIL name (a table, columns, a key, a constraint).

The vocabulary and the record are shared by the three families; each family's codes and message
shapes live beside it (`postgresql_failures.py`, `mysql_failures.py`, `sqlite_failures.py`) and
its dialect answers `failure_kind` and `error_clues` (recovery/cause.py asks them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from mend_core.records import record

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


@record
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


# The three families' wordings, for a failure whose code is missing or generic (a log without
# one): the message is read whatever the family, in lower case (the phrases are, too), as plain
# substrings: no pattern to compile on every `mend inspect` of a SQLite failure (its code 1
# is generic). The order is the kinds' precedence: the first whose phrase appears wins.
_MESSAGE_PHRASES: tuple[tuple[FailureKind, tuple[str, ...]], ...] = (
    (
        "duplicates",
        (
            "could not create unique index",
            "violates unique constraint",
            "is duplicated",
            "duplicate entry",
            "unique constraint failed",
        ),
    ),
    (
        "nulls",
        (
            "contains null values",
            "violates not-null constraint",
            "invalid use of null",
            "cannot be null",
            "not null constraint failed",
            "not null column with default value null",
        ),
    ),
    (
        "orphans",
        (
            "violates foreign key constraint",
            "foreign key constraint failed",
            "foreign key constraint fails",  # MySQL's 1452 text
        ),
    ),
    ("check", ("check constraint",)),  # and MariaDB's "CONSTRAINT `c` failed for" (below)
    (
        "type",
        ("value too long", "out of range", "invalid input syntax", "data too long"),
    ),  # and MySQL's "Incorrect <word> value" (below)
    (
        "lock",
        (
            "lock timeout",
            "lock wait timeout",
            "deadlock",
            "database is locked",
            "database table is locked",
            "due to statement timeout",
            "max_statement_time",
        ),
    ),
    ("syntax", ("syntax error", "error in your sql syntax", "incomplete input")),
    (
        "missing_object",
        ("does not exist", "doesn't exist", "no such ", "unknown column", "can't drop"),
    ),
    ("exists", ("already exists", "duplicate column name", "duplicate key name")),
)

# Letters a case-insensitive match also took for i and s (Python's re.IGNORECASE, which read
# these messages before): the same kinds for the same messages.
_LIKE_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def _lowered(message: str) -> str:
    return (message if message.isascii() else message.translate(_LIKE_ASCII)).lower()


def _constraint_failed_for(text: str) -> bool:
    """MariaDB's CHECK failure, "CONSTRAINT `name` failed for `db`.`table`": the two parts on
    one line (lower-cased `text`)."""
    start = text.find("constraint `")
    while start >= 0:
        line_end = text.find("\n", start)
        if line_end < 0:
            line_end = len(text)
        if text.find("` failed for", start + len("constraint `"), line_end) >= 0:
            return True
        start = text.find("constraint `", line_end)
    return False


def _incorrect_value(text: str) -> bool:
    """MySQL's "Incorrect <word> value" (a word: letters, digits, underscores), lower-cased."""
    start = text.find("incorrect ")
    while start >= 0:
        word = end = start + len("incorrect ")
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        if end > word and text.startswith(" value", end):
            return True
        start = text.find("incorrect ", start + 1)
    return False


_SHAPES = {"check": _constraint_failed_for, "type": _incorrect_value}


def kind_from_message(message: str) -> FailureKind | None:
    """The kind the message's wording says, in any family's words; None: none mend knows."""
    text = _lowered(message)
    for kind, phrases in _MESSAGE_PHRASES:
        for phrase in phrases:
            if phrase in text:
                return kind
        shape = _SHAPES.get(kind)
        if shape is not None and shape(text):
            return kind
    return None
