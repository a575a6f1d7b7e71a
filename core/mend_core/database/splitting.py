"""Split a SQL script into statements, with each dialect's own rules.

- SQLite: `sqlite3.complete_statement`, SQLite's own tokenizer (exact, triggers included).
- PostgreSQL: pglast, the real PostgreSQL parser (dollar quotes, BEGIN ATOMIC bodies). A script
  that does not parse is split on the top-level semicolons of pglast's scanner, so the server
  reports the syntax error at the right statement.
- MySQL: sqlparse (BEGIN...END bodies without DELIMITER). `DELIMITER` is a client command that no
  server understands; a script using it is refused with a clear error.
"""

from __future__ import annotations

import re
import sqlite3

from mend_core.database.statements import Statement, build_statements
from mend_core.dialects import dialect_for
from mend_core.errors import M2005, MendError

# Statements PostgreSQL refuses to run inside a transaction block. `ALTER TYPE ... ADD VALUE`
# is not one of them since PostgreSQL 12: it shares the migration's transaction, as in the one
# message Prisma's engine sends, so a failure leaves no label behind (a label kept would make
# the re-run after `resolve --rolled-back` fail with 42710). As with Prisma, using the new label
# later in the same transaction fails (55P04).
POSTGRES_AUTOCOMMIT = re.compile(
    r"(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\b"
    r"|DROP\s+INDEX\s+CONCURRENTLY\b"
    r"|REINDEX\b(?:\s*\([^)]*\))?\s+(?:INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+CONCURRENTLY\b"
    r"|VACUUM\b"
    r"|(?:CREATE|DROP)\s+(?:DATABASE|TABLESPACE)\b"
    r"|ALTER\s+SYSTEM\b"
    r"|(?:CREATE|DROP)\s+SUBSCRIPTION\b"
    r"|ALTER\s+DATABASE\b.*\bSET\s+TABLESPACE\b)",
    re.I | re.S,
)

_DELIMITER_LINE = re.compile(r"^[ \t]*DELIMITER[ \t]+\S+", re.I | re.M)
# Only compound statements (BEGIN ... END bodies) need sqlparse's grammar; a script without
# them is split on the semicolons outside strings, identifiers and comments, ten times faster.
_COMPOUND = re.compile(r"\bBEGIN\b", re.I)
_MYSQL_LEXEMES = re.compile(
    r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`(?:[^`]|``)*`"
    r"|--[ \t][^\n]*|--$|#[^\n]*|/\*.*?\*/|;",
    re.S | re.M,
)

Span = tuple[int, int]


def split_script(dialect: str, script: str) -> list[Statement]:
    """The statements of `script` by the rules of `dialect` (raises on an unknown name)."""
    return dialect_for(dialect).split(script)


def split_postgres(script: str) -> list[Statement]:
    return build_statements(script, _postgres_spans(script), POSTGRES_AUTOCOMMIT)


def split_mysql(script: str) -> list[Statement]:
    return build_statements(script, _mysql_spans(script))


def split_sqlite(script: str) -> list[Statement]:
    return build_statements(script, _sqlite_spans(script))


def _contiguous(ends: list[int], length: int) -> list[Span]:
    """Spans that tile the script: each runs from the previous end to its own end."""
    spans: list[Span] = []
    start = 0
    for end in ends:
        spans.append((start, end))
        start = end
    if start < length:
        spans.append((start, length))
    return spans


def _sqlite_spans(script: str) -> list[Span]:
    ends: list[int] = []
    start = 0
    position = script.find(";")
    while position != -1:
        if sqlite3.complete_statement(script[start : position + 1]):
            ends.append(position + 1)
            start = position + 1
        position = script.find(";", position + 1)
    return _contiguous(ends, len(script))


def _postgres_spans(script: str) -> list[Span]:
    # deferred: pglast (~45 ms) only for PostgreSQL scripts; every dialect imports this module
    import pglast
    from pglast.parser import ParseError

    try:
        slices = pglast.split(script, only_slices=True)
        ends = [_include_semicolon(script, s.stop) for s in slices]
    except ParseError:
        ends = _postgres_scanner_ends(script)
    return _contiguous(ends, len(script))


def _include_semicolon(script: str, end: int) -> int:
    position = end
    while position < len(script) and script[position] in " \t\r\n":
        position += 1
    return position + 1 if position < len(script) and script[position] == ";" else end


def _postgres_scanner_ends(script: str) -> list[int]:
    # deferred: pglast (~45 ms) only for PostgreSQL scripts; every dialect imports this module
    from pglast.parser import ParseError, scan

    try:
        tokens = scan(script)
    except ParseError:
        # Not even tokenisable (an unterminated string): send it whole, the server will say where.
        return []
    return [token.end + 1 for token in tokens if token.name == "ASCII_59"]


def _mysql_semicolons(script: str) -> list[int]:
    return [m.end() for m in _MYSQL_LEXEMES.finditer(script) if m.group() == ";"]


def _mysql_spans(script: str) -> list[Span]:
    delimiter = _DELIMITER_LINE.search(script)
    if delimiter:
        line = script.count("\n", 0, delimiter.start()) + 1
        raise MendError(
            M2005,
            f"Line {line} holds `{delimiter.group(0).strip()}`. DELIMITER is a command of the "
            "mysql command-line client, not SQL: the server rejects it, and so does Prisma.",
            "Remove the DELIMITER lines and end each statement with `;`. Trigger and procedure "
            "bodies (BEGIN ... END) are split correctly without them.",
        )
    if not _COMPOUND.search(script):
        return _contiguous(_mysql_semicolons(script), len(script))
    # deferred: sqlparse (~20 ms) only for MySQL scripts with BEGIN ... END bodies
    import sqlparse

    ends: list[int] = []
    position = 0
    for piece in sqlparse.split(script, strip_semicolon=False):
        if not piece:
            continue
        found = script.find(piece, position)
        if found == -1:  # sqlparse normalised something; fall back to counting characters
            found = position
        position = found + len(piece)
        ends.append(position)
    return _contiguous(ends, len(script))
