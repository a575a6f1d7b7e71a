"""A failure's kind read from its message (a missing or generic code): the phrases, read as
plain substrings of the lower-cased message, give the kind the case-insensitive patterns they
replaced gave, for the real messages of the three families and for made-up ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import TestDatabase
from mend_core.database.runner import ScriptFailed, run_statements
from mend_core.database.session import connect
from mend_core.dialects.failures import kind_from_message
from mend_core.project.target import parse_url


def _any_of(*phrases: str) -> re.Pattern[str]:
    return re.compile("|".join(phrases), re.I)


# The patterns kind_from_message read messages with before (dialects/failures.py), in order.
REFERENCE: tuple[tuple[re.Pattern[str], str], ...] = (
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
    (_any_of("foreign key constraint fails"), "orphans"),
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


def reference_kind(message: str) -> str | None:
    for pattern, kind in REFERENCE:
        if pattern.search(message):
            return kind
    return None


PHRASES = [
    "could not create unique index",
    "violates unique constraint",
    "is duplicated",
    "Duplicate entry",
    "UNIQUE constraint failed",
    "contains null values",
    "violates not-null constraint",
    "Invalid use of NULL",
    "cannot be null",
    "NOT NULL constraint failed",
    "NOT NULL column with default value NULL",
    "violates foreign key constraint",
    "FOREIGN KEY constraint failed",
    "foreign key constraint fails",
    "check constraint",
    "value too long",
    "out of range",
    "invalid input syntax",
    "Data too long",
    "lock timeout",
    "Lock wait timeout",
    "deadlock",
    "database is locked",
    "database table is locked",
    "due to statement timeout",
    "max_statement_time",
    "syntax error",
    "error in your SQL syntax",
    "incomplete input",
    "does not exist",
    "doesn't exist",
    "no such ",
    "Unknown column",
    "Can't DROP",
    "already exists",
    "Duplicate column name",
    "Duplicate key name",
]

MADE_UP = [
    "",
    "nothing mend knows",
    "SQLITE_ERROR: no such table: main.nowhere",
    "no such",  # without the space
    "nosuch table",
    "database  is locked",
    "database table table is locked",
    "CONSTRAINT `age_check` failed for `db`.`User`",
    "constraint `` failed for x",
    "CONSTRAINT ` failed for",  # one backtick: not the two the shape has
    "CONSTRAINT `c`\n failed for `t`",  # on two lines
    "CONSTRAINT `c` no\nCONSTRAINT `d` failed for `t`",
    "CONSTRAINT `c` failed\nfor",
    "x constraint `a` ` failed for",
    "Incorrect integer value: 'x' for column 'n' at row 1",
    "Incorrect datetime value: '0'",
    "Incorrect  value",  # no word
    "Incorrect date-time value",  # not one word
    "Incorrect date_time value",
    "incorrect é1 value",
    "Incorrect x value Incorrect",
    "Incorrect Incorrect x value",
    "Incorrect x valuе",  # a Cyrillic e
    "Incorrect x\nvalue",
    "INCORRECT DECIMAL VALUE",
    # Letters a case-insensitive pattern also takes for i and s, and a sign for k.
    "ſyntax error",
    "no ſuch table",
    "ınvalid use of null",
    "İnvalid use of NULL",
    "dupl\u0131cate entry",
    "database \u0130s locked",
    "Loc\u212a wait timeout",
    "\u212aEY",
    # The order decides between kinds.
    "Duplicate entry 'a' for key 'k': syntax error",
    "relation already exists: check constraint",
    "value too long, lock timeout",
    "Incorrect x value; deadlock",
    "Can't DROP 'k'; check that column/key exists; Duplicate key name",
]


def variants(phrase: str) -> list[str]:
    """The phrase as it may appear: in a sentence, cased otherwise, cut, on two lines."""
    return [
        phrase,
        phrase.upper(),
        phrase.lower(),
        phrase.swapcase(),
        f"ERROR: {phrase} at line 3",
        f"first line\n{phrase}\nlast line",
        phrase[:-1],
        phrase[1:],
        phrase.replace(" ", "\n", 1),
        phrase.replace(" ", "  ", 1),
        phrase.replace("s", "ſ").replace("i", "ı"),
        phrase.upper().replace("I", "\u0130"),
        phrase.replace("k", "\u212a"),
    ]


@pytest.mark.parametrize("message", MADE_UP + [v for p in PHRASES for v in variants(p)])
def test_the_same_kind_as_the_patterns(message: str) -> None:
    assert kind_from_message(message) == reference_kind(message), repr(message)


def test_each_phrase_names_its_kind() -> None:
    kinds = {kind_from_message(p) for p in PHRASES}
    assert kinds == {kind for _, kind in REFERENCE}
    assert kind_from_message("nothing mend knows") is None
    assert kind_from_message("CONSTRAINT `c` failed for `db`.`t`") == "check"
    assert kind_from_message("CONSTRAINT `c`\nfailed for `db`.`t`") is None
    assert kind_from_message("Incorrect integer value: 'x'") == "type"
    assert kind_from_message("Incorrect date-time value") is None


# Statements that fail on each family, and the kind their message says (None: it says none
# mend reads from a message; the code does).
FAILING = {
    "duplicates": (
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(20));\n"
        "INSERT INTO {t} (id, name) VALUES (1, 'a'), (2, 'a');\n",
        "CREATE UNIQUE INDEX {k} ON {t} (name);",
    ),
    "nulls": (
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL);\n",
        "INSERT INTO {t} (id, name) VALUES (1, NULL);",
    ),
    "check": (
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, age INTEGER, CONSTRAINT {k} CHECK (age > 0));\n",
        "INSERT INTO {t} (id, age) VALUES (1, -1);",
    ),
    "syntax": ("", "SELEC 1;"),
    "missing_object": ("", "SELECT * FROM {t};"),
    "exists": ("CREATE TABLE {t} (id INTEGER PRIMARY KEY);\n", "CREATE TABLE {t} (id INTEGER);"),
    "type": (
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, n INTEGER);\n",
        "INSERT INTO {t} (id, n) VALUES (1, 'x');",
    ),
}


@pytest.mark.parametrize("expected", sorted(FAILING))
def test_real_messages(db: TestDatabase, expected: str) -> None:
    """Each family's own words for these failures (MariaDB's CHECK: "CONSTRAINT `c` failed
    for"; its type error: "Incorrect integer value") give the kind the patterns gave."""
    setup, failing = FAILING[expected]
    names = {"t": db.q("Pet"), "k": db.q("Pet_key")}
    with connect(parse_url(db.url, base_dir=Path("/"))) as s:
        if setup:
            run_statements(s, s.dialect.split(setup.format(**names)))
        if expected == "type" and db.dialect == "sqlite":
            return  # SQLite stores 'x' in an INTEGER column: nothing fails
        if expected == "type" and db.dialect == "mysql":
            s.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES'")
        with pytest.raises(ScriptFailed) as caught:
            run_statements(s, s.dialect.split(failing.format(**names)))
    message = caught.value.record.message or ""
    assert kind_from_message(message) == reference_kind(message) == expected, message
