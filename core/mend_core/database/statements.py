"""One statement of a SQL script, with what mend needs to know to run and report it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

# Comments before a statement: `--`, `/* */`, and MySQL's `#` (no PostgreSQL or SQLite
# statement starts with `#`, so it is safe to skip everywhere).
_LEADING_NOISE = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|#[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)
# A script's own transaction control (not a savepoint, not MariaDB's `BEGIN NOT ATOMIC` block).
_BEGIN = re.compile(
    r"\A(?:BEGIN(?:\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE))?(?:\s+(?:TRANSACTION|WORK))?"
    r"(?:\s+(?:ISOLATION|READ|DEFERRABLE|NOT\s+DEFERRABLE)\b[^;]*)?\s*;?\s*\Z"
    r"|START\s+TRANSACTION\b)",
    re.I | re.S,
)
_COMMIT = re.compile(
    r"\A(?:COMMIT\b|END(?:\s+(?:TRANSACTION|WORK))?\s*;?\s*\Z|PREPARE\s+TRANSACTION\b)", re.I
)
_ROLLBACK = re.compile(r"\A(?:ROLLBACK\b(?!\s+(?:WORK\s+|TRANSACTION\s+)?TO\b)|ABORT\b)", re.I)
# Statements that change rows, not the schema: INSERT, UPDATE, DELETE, MERGE, COPY, TRUNCATE,
# MySQL's REPLACE and LOAD DATA, a plain SELECT, and a WITH that leads to any of them.
_DATA = re.compile(
    r"\A(?:INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE|REPLACE|LOAD\s+DATA|SELECT|WITH|VALUES"
    r"|TABLE\s)\b",
    re.I,
)
# ...but a SELECT that creates a table (SELECT ... INTO) or sets the session's configuration
# (pg_dump's `SELECT pg_catalog.set_config('search_path', ...)`) shapes what follows.
_SELECT_WITH_EFFECT = re.compile(r"\bINTO\b|\bset_config\s*\(|\bsetval\s*\(", re.I)
_SELECT = re.compile(r"\A(?:SELECT|WITH|VALUES|TABLE\s)", re.I)
_DML = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.I)
# Statements that act differently, or not at all, inside a transaction mend opens (SQLite's
# `PRAGMA foreign_keys` is a no-op there, VACUUM and ATTACH refuse it, a savepoint would nest).
_NOT_IN_OURS = re.compile(
    r"\A(?:PRAGMA|VACUUM|ATTACH|DETACH|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|START|COMMIT|END|ABORT)\b",
    re.I,
)


@dataclass(frozen=True)
class Statement:
    """A statement as written in the script (comments kept), with its place in the file."""

    index: int  # 1-based
    sql: str
    line: int  # 1-based line where the statement's text starts (its leading comments)
    autocommit: bool = False  # must run outside a transaction (PostgreSQL CONCURRENTLY, ...)
    # How many statements its script holds (0: not known). A run may get only some of them (a
    # replay skips data statements): its failure still counts them as the script does.
    total: int = 0

    @property
    def end_line(self) -> int:
        return self.line + self.sql.count("\n")

    @property
    def code_line(self) -> int:
        """The line where its code starts, below its leading comments: where a failure is."""
        code = self.code
        return self.line + self.sql.count("\n", 0, len(self.sql) - len(code))

    # Cached (in the instance's __dict__, which a frozen dataclass allows): a run asks for a
    # statement's code and transaction control several times (its mode, its progress, its
    # transaction), and each answer is a regular expression over its text.
    @cached_property
    def code(self) -> str:
        """The statement without its leading comments and blank lines."""
        return _LEADING_NOISE.sub("", self.sql)

    @cached_property
    def transaction_control(self) -> str | None:
        """'begin', 'commit' or 'rollback' for a script's own transaction statements."""
        code = self.code
        if _BEGIN.match(code):
            return "begin"
        if _COMMIT.match(code):
            return "commit"
        if _ROLLBACK.match(code):
            return "rollback"
        return None

    @property
    def may_share_transaction(self) -> bool:
        """Whether it behaves the same inside a transaction mend opens around it (with the
        history's bookkeeping) as run on its own: not a statement that must run alone, nor
        transaction control, a PRAGMA, VACUUM, ATTACH/DETACH or a savepoint."""
        return not self.autocommit and not _NOT_IN_OURS.match(self.code)

    @property
    def changes_data_only(self) -> bool:
        """A statement that changes rows, not the schema (an INSERT, an UPDATE, a plain
        SELECT...): a schema-only replay skips it, and the live catalog cannot tell whether it
        took effect."""
        code = self.code
        if not _DATA.match(code):
            return False
        if _SELECT.match(code):
            if _DML.search(code):  # WITH ... INSERT / UPDATE / DELETE
                return True
            return not _SELECT_WITH_EFFECT.search(code)
        return True

    def first_line(self, width: int = 72) -> str:
        line = " ".join(self.code.split())
        return line if len(line) <= width else line[: width - 1] + "…"


def strip_leading_noise(sql: str) -> str:
    return _LEADING_NOISE.sub("", sql)


def build_statements(
    script: str, spans: list[tuple[int, int]], autocommit_rule: re.Pattern[str] | None = None
) -> list[Statement]:
    """Turn (start, end) character spans of `script` into numbered statements.

    Leading blank lines are trimmed, comments kept; a span holding only comments is dropped.
    """
    pieces: list[tuple[str, int, bool]] = []  # (sql, line, autocommit)
    line = 1
    position = 0
    for start, end in spans:
        text = script[start:end]
        stripped = text.lstrip("\r\n\t ")
        if not strip_leading_noise(stripped).strip().strip(";").strip():
            continue
        start += len(text) - len(stripped)
        line += script.count("\n", position, start)
        position = start
        sql = stripped.rstrip()
        code = strip_leading_noise(sql)
        pieces.append((sql, line, bool(autocommit_rule and autocommit_rule.match(code))))
    total = len(pieces)
    return [
        Statement(index, sql, line, autocommit, total)
        for index, (sql, line, autocommit) in enumerate(pieces, start=1)
    ]
