"""Risk notes for a repair step: what it destroys (with live counts), the lock it takes and on
how big a table, and what running it outside a transaction means."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from mend_core.database.row_counts import RowCount, count_rows, estimate_rows
from mend_core.database.session import Database
from mend_core.database.statement_risks import statement_risks
from mend_core.database.statements import Statement

RiskKind = Literal[
    "data_loss",
    "lock",
    "not_transactional",
    "data_statement",
    "generated",
    "collateral",
    "not_made_by_migration",
]


@dataclass(frozen=True)
class RiskNote:
    kind: RiskKind
    text: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


_IDENT = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|[A-Za-z_][\w$]*)'
_NAME = rf"(?:{_IDENT}\s*\.\s*)?(?P<table>{_IDENT})"


@cache
def _table_of() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The statement shapes, compiled on first use: `mend inspect` imports this module (through
    the plan's Inspect summary) but never asks for a risk note."""
    return (
        (
            "alter_table",
            re.compile(rf"\AALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}", re.I),
        ),
        ("drop_table", re.compile(rf"\ADROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_NAME}", re.I)),
        (
            "create_index_concurrently",
            re.compile(
                rf"\ACREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s.*?\bON\s+(?:ONLY\s+)?{_NAME}",
                re.I | re.S,
            ),
        ),
        (
            "create_index",
            re.compile(
                rf"\ACREATE\s+(?:UNIQUE\s+)?INDEX\s.*?\bON\s+(?:ONLY\s+)?{_NAME}", re.I | re.S
            ),
        ),
        ("drop_index_concurrently", re.compile(r"\ADROP\s+INDEX\s+CONCURRENTLY\b", re.I)),
        ("drop_index", re.compile(r"\ADROP\s+INDEX\b", re.I)),
        ("create_table", re.compile(rf"\ACREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}", re.I)),
        ("update", re.compile(rf"\AUPDATE\s+(?:ONLY\s+)?{_NAME}", re.I)),
        ("delete", re.compile(rf"\ADELETE\s+FROM\s+(?:ONLY\s+)?{_NAME}", re.I)),
        ("insert", re.compile(rf"\AINSERT\s+INTO\s+{_NAME}", re.I)),
    )


def statement_kind(code: str) -> tuple[str | None, str | None]:
    """(kind, table) of a statement, as far as risk notes need it."""
    for kind, pattern in _table_of():
        match = pattern.match(code)
        if match:
            table = match.groupdict().get("table")
            return kind, _unquote(table) if table else None
    return None, None


def lock_note(db: Database, code: str) -> RiskNote | None:
    """The lock a statement takes and the size of the table it takes it on."""
    kind, table = statement_kind(code)
    if kind is None or kind == "create_table":
        return None
    size = f" on `{table}` ({estimate_rows(db, table).words()})" if table else ""
    words = db.dialect.lock_words(kind, size)
    return RiskNote("lock", words) if words else None


def statement_notes(db: Database, statement: Statement) -> list[RiskNote]:
    """Data loss (counted live) and the lock, for one statement as written."""
    notes = [RiskNote("data_loss", risk.describe()) for risk in statement_risks(db, [statement])]
    lock = lock_note(db, statement.code)
    if lock is not None:
        notes.append(lock)
    return notes


def dropped_rows(db: Database, table: str, column: str | None = None) -> RowCount:
    return count_rows(db, table, column)


def _unquote(identifier: str) -> str:
    if identifier[:1] in '"`' and identifier[-1:] == identifier[:1]:
        quote = identifier[0]
        return identifier[1:-1].replace(quote * 2, quote)
    return identifier
