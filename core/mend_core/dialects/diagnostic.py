"""A read-only diagnostic: what one query found about a failure, with the query itself. Made
by recovery/diagnostics.py (the rows at fault) and by the dialects (who holds locks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mend_core.database.session import Row

SAMPLE_ROWS = 20


DiagnosticKind = Literal[
    "duplicates",
    "nulls",
    "rows",
    "orphans",
    "check",
    "too-long",
    "locks",
    "lock-waits",
    "open-transactions",
]


@dataclass(frozen=True)
class Diagnostic:
    """What one read-only query found, with the query itself."""

    kind: DiagnosticKind
    summary: str
    table: str | None
    columns: tuple[str, ...]
    count: int | None  # groups or rows; None when counting took too long
    headers: tuple[str, ...]
    sample: tuple[tuple[Any, ...], ...]  # at most SAMPLE_ROWS rows
    query: str  # the sample's query, as it ran
    total_query: str | None = None  # the count's query, when a second query counted

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "summary": self.summary,
            "table": self.table,
            "columns": list(self.columns),
            "count": self.count,
            "headers": list(self.headers),
            "sample": [[json_value(v) for v in row] for row in self.sample],
            "query": self.query,
            "total_query": self.total_query,
        }


def json_value(value: Any) -> Any:
    """A database value as JSON can hold it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def sample_rows(rows: list[Row]) -> tuple[tuple[Any, ...], ...]:
    """Rows as tuples of hashable values (PostgreSQL arrays arrive as lists)."""
    return tuple(tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows)


def plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
