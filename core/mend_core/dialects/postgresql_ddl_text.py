"""Which tables a PostgreSQL DDL statement touches, read from its text (recovery/touched.py):
the shapes that name their one table (CREATE TABLE, ALTER TABLE, CREATE INDEX, DROP TABLE);
any statement that may reach further (CASCADE, partitions, inheritance, another schema) is
not told."""

from __future__ import annotations

import re
from functools import cache

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_NAME = rf"(?P<schema>{_IDENT}\s*\.\s*)?(?P<table>{_IDENT})"


class _PostgresPatterns:
    """The statement shapes PostgreSQL's text is read with. Compiled on first use (`_postgres`),
    not at import: SQLite, whose catalog tells, never needs them."""

    def __init__(self) -> None:
        self.shapes = (
            re.compile(
                rf"CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}\s*\(",
                re.I | re.S,
            ),
            re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}\s", re.I | re.S),
            re.compile(
                rf"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                rf"(?:{_IDENT}\s+)?ON\s+(?:ONLY\s+)?{_NAME}[\s(]",
                re.I | re.S,
            ),
            re.compile(
                rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_NAME}\s*(?:RESTRICT\s*)?;?\s*$", re.I
            ),
        )
        # Words after which a statement may change other tables than the one it names.
        self.further = re.compile(
            r"\b(?:CASCADE|PARTITION|INHERIT|INHERITS|ATTACH|DETACH|LIKE|TABLESPACE|OF)\b", re.I
        )
        # A rule, not a reach.
        self.referential = re.compile(r"\bON\s+(?:DELETE|UPDATE)\s+CASCADE\b", re.I)
        self.renamed = re.compile(rf"\bRENAME\s+TO\s+(?P<table>{_IDENT})\s*;?\s*$", re.I)


@cache
def _postgres() -> _PostgresPatterns:
    return _PostgresPatterns()


def _unquoted(name: str) -> str:
    """An identifier as PostgreSQL stores it: a quoted one as written, else lower case."""
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


def tables_named(code: str, here: str) -> set[str] | None:
    """The tables a statement's text names, for the shapes that touch no other; None: it may
    touch others (or is of another shape). `here` is the session's schema."""
    patterns = _postgres()
    if patterns.further.search(patterns.referential.sub("", code)):
        return None
    for shape in patterns.shapes:
        found = shape.match(code)
        if found is None:
            continue
        schema = found.group("schema")
        if schema is not None and _unquoted(schema.rstrip(" \t\n.")) != here:
            return None
        tables = {_unquoted(found.group("table"))}
        renamed = patterns.renamed.search(code)
        if renamed is not None:
            tables.add(_unquoted(renamed.group("table")))
        elif re.search(r"\bRENAME\s+TO\b", code, re.I):
            return None
        return tables
    return None
