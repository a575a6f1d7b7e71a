"""PostgreSQL's failures: the SQLSTATEs mend reads a cause from, and what its messages and
DETAIL lines name (dialects/failures.py)."""

from __future__ import annotations

import re
from dataclasses import replace

from mend_core.dialects.failures import ErrorClues, FailureKind, LazyPattern, groups

CODES: dict[str, FailureKind] = {
    "23505": "duplicates",
    "23502": "nulls",
    "23503": "orphans",
    "23514": "check",
    "55P03": "lock",
    "57014": "lock",
    "40P01": "lock",
    "42601": "syntax",
    "42P01": "missing_object",
    "42703": "missing_object",
    "42704": "missing_object",
    "42883": "missing_object",
    "3F000": "missing_object",
    "42P07": "exists",
    "42701": "exists",
    "42710": "exists",
    "42P06": "exists",
    "42723": "exists",
}

_KEY = LazyPattern(r"^Key \((?P<columns>.*)\)=\((?P<values>.*)\) (?:is duplicated|already exists)")
_MISSING_KEY = LazyPattern(
    r'^Key \((?P<columns>.*)\)=\((?P<values>.*)\) is not present in table "(?P<parent>.*)"\.'
)
_PATTERNS = (
    LazyPattern(r'could not create unique index "(?P<name>.*)"$', re.M),
    LazyPattern(r'violates unique constraint "(?P<name>.*)"$', re.M),
    LazyPattern(r'column "(?P<column>.*)" of relation "(?P<table>.*)" contains null values', re.M),
    LazyPattern(
        r'null value in column "(?P<column>.*)" of relation "(?P<table>.*)" violates', re.M
    ),
    LazyPattern(
        r'insert or update on table "(?P<table>.*)" violates foreign key '
        r'constraint "(?P<name>.*)"$',
        re.M,
    ),
    LazyPattern(r'check constraint "(?P<name>.*)" of relation "(?P<table>.*)" is violated', re.M),
    LazyPattern(
        r'new row for relation "(?P<table>.*)" violates check constraint "(?P<name>.*)"$', re.M
    ),
    LazyPattern(r"value too long for type (?P<type>.*)$", re.M),
)


def failure_kind(code: str) -> FailureKind | None:
    """The kind a SQLSTATE names; None: not one mend diagnoses."""
    kind = CODES.get(code)
    if kind is None and code.startswith("22"):
        return "type"  # SQLSTATE class 22, data exception: a value does not fit
    return kind


def error_clues(message: str, detail: str | None) -> ErrorClues:
    found = groups(_PATTERNS, message)
    clues = ErrorClues(
        table=found.get("table"),
        columns=(found["column"],) if "column" in found else (),
        name=found.get("name"),
        target_type=found.get("type"),
    )
    detail = detail or ""
    key = _KEY.match(detail)
    if key:
        return replace(clues, columns=_identifiers(key["columns"]), values=key["values"])
    missing = _MISSING_KEY.match(detail)
    if missing:
        return replace(
            clues,
            columns=_identifiers(missing["columns"]),
            values=missing["values"],
            referenced_table=missing["parent"],
        )
    return clues


def _identifiers(text: str) -> tuple[str, ...]:
    """`a, "B c"` -> ('a', 'B c'): the column list of a DETAIL `Key (...)`."""
    names: list[str] = []
    for match in re.finditer(r'\s*(?:"((?:[^"]|"")*)"|([^,]+))\s*(?:,|$)', text):
        quoted, bare = match.groups()
        names.append(quoted.replace('""', '"') if quoted is not None else bare.strip())
    return tuple(n for n in names if n)
