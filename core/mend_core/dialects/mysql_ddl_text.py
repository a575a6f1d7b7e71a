"""Which tables a MySQL DDL statement touches, read from its text (recovery/touched.py): the
shapes that name their one table; any statement that may reach further (partitions, LIKE,
SELECT, another database) is not told."""

from __future__ import annotations

import re
from functools import cache

_MY_IDENT = r"(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
_MY_NAME = rf"(?P<schema>{_MY_IDENT}\s*\.\s*)?(?P<table>{_MY_IDENT})"


class _MysqlPatterns:
    """The statement shapes MySQL's text is read with, compiled on first use (`_mysql`)."""

    def __init__(self) -> None:
        self.shapes = (
            re.compile(
                rf"CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_MY_NAME}\s*\(",
                re.I | re.S,
            ),
            re.compile(rf"ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+{_MY_NAME}\s", re.I | re.S),
            re.compile(
                rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+"
                rf"(?:IF\s+NOT\s+EXISTS\s+)?{_MY_IDENT}\s+(?:USING\s+\w+\s+)?ON\s+{_MY_NAME}[\s(]",
                re.I | re.S,
            ),
            re.compile(rf"DROP\s+INDEX\s+{_MY_IDENT}\s+ON\s+{_MY_NAME}\s*;?\s*$", re.I),
            re.compile(
                rf"DROP\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?{_MY_NAME}\s*;?\s*$", re.I
            ),
        )
        self.inside = re.compile(r"\bRENAME\s+(?:COLUMN|INDEX|KEY)\b", re.I)
        # Words after which a MySQL statement may change other tables than the one it names.
        self.further = re.compile(r"\b(?:PARTITION|LIKE|SELECT|EXCHANGE)\b", re.I)
        self.renamed = re.compile(
            rf"\bRENAME\s+(?:TO\s+|AS\s+)?(?P<table>{_MY_IDENT})\s*;?\s*$", re.I
        )


@cache
def _mysql() -> _MysqlPatterns:
    return _MysqlPatterns()


def tables_named(code: str) -> set[str] | None:
    """The tables a statement's text names, for the shapes that touch no other; None: it may
    touch others (or is of another shape, or names another database)."""
    patterns = _mysql()
    if patterns.further.search(code):
        return None
    for shape in patterns.shapes:
        found = shape.match(code)
        if found is None:
            continue
        if found.group("schema") is not None:
            return None
        tables = {_backquoted(found.group("table"))}
        # Renaming a column or an index stays in the table; renaming the table names
        # another one too.
        rest = patterns.inside.sub("", code)
        if re.search(r"\bRENAME\b", rest, re.I):
            renamed = patterns.renamed.search(rest)
            if renamed is None:
                return None
            tables.add(_backquoted(renamed.group("table")))
        return tables
    return None


def _backquoted(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name
