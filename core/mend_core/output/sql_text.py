"""Names and values written into SQL text that a database client runs: comments and literals.

A runbook is read by psql, mariadb/mysql or sqlite3, not sent to a driver: a line break in a name
copied into a `--` comment ends the comment, and the next line is SQL or a client command (`\\!`
in psql and mariadb, `.shell` in sqlite3). A string literal must end where the client thinks it
ends: on MySQL a backslash escapes the closing quote under the default sql_mode.
"""

from __future__ import annotations

from mend_core.dialects import dialect_for
from mend_core.output.control_text import is_hidden


def comment(text: str) -> str:
    """`text` as it may stand in a `--` comment line: every control, line-break or format
    character shown as `<U+000A>`. A backslash stays: no client reads one in a `--` comment
    (tried with psql 15, mariadb 10.11 and sqlite3 3.40), and the name should read as it is."""
    if text.isprintable():  # the common case: no character of those categories
        return text
    return "".join(f"<U+{ord(c):04X}>" if is_hidden(c) else c for c in text)


def comment_line(text: str) -> str:
    """One `-- ` comment line holding `text`."""
    return "-- " + comment(text)


def literal(dialect: str, text: str) -> str:
    """A string literal holding `text` exactly, as the dialect's client and server read it.

    PostgreSQL: a backslash goes in an `E''` string (the same whatever
    standard_conforming_strings says). MySQL: backslashes doubled, right under the default
    sql_mode; a runbook that holds one checks the session does not use NO_BACKSLASH_ESCAPES
    (see `needs_backslash_escapes`). SQLite: quotes doubled, nothing else is special."""
    quoted = text.replace("'", "''")
    if "\\" not in text:
        return f"'{quoted}'"
    family = dialect_for(dialect)
    if family.escape_string_prefix is None and not family.backslash_escapes:
        return f"'{quoted}'"
    return f"{family.escape_string_prefix or ''}'" + quoted.replace("\\", "\\\\") + "'"


def needs_backslash_escapes(dialect: str, texts: list[str]) -> bool:
    """Whether literals of these texts are right only when backslashes escape (MySQL)."""
    return dialect_for(dialect).backslash_escapes and any("\\" in text for text in texts)
