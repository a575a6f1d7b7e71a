"""The `logs` column of a failed migration: written by mend in a form it parses back, and
Prisma's own forms (P3018 texts, raw engine errors with span traces) parsed as well as they allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mend_core.runner import StatementFailure, statement_ranges
from mend_core.statements import Statement

_MEND_HEADER = re.compile(
    r"\Amend: migration `(?P<name>.*?)` (?P<verb>failed|was interrupted) at statement "
    r"(?P<index>\d+) of (?P<total>\d+)(?: \(line (?P<line>\d+)\))?\.\n"
)
_FIELD = re.compile(r"^(?P<key>Effect|Database error code|Mode): ?(?P<value>.*)$", re.M)

_PRISMA_CODE = re.compile(r"^Database error code: *(?P<code>\S+)", re.M)
_PRISMA_MESSAGE = re.compile(
    r"^Database error:\n(?P<message>.*?)"
    r"(?=\n\n(?:DbError \{|Please check|Position:|\s+0: )|\n\s+0: |\Z)",
    re.M | re.S,
)
_PRISMA_QUERY_NUMBER = re.compile(r"Please check the query number (?P<n>\d+)")
_PRISMA_SQLSTATE = re.compile(r"SqlState\(E?(?P<code>[0-9A-Z]{5})\)")
_SPAN_TRACE = re.compile(r"\n\s+0: \S+::")
_SQLITE_CODE = re.compile(r"\b(?P<code>SQLITE_[A-Z_]+)\b")


@dataclass(frozen=True)
class FailureLogs:
    """What a failed attempt's logs say, whoever wrote them."""

    source: str  # "mend" | "prisma" | "unknown"
    message: str
    error_code: str | None = None
    statement_index: int | None = None
    statement_count: int | None = None
    statement_line: int | None = None
    statement_sql: str | None = None
    effect: str | None = None
    interrupted: bool = False
    raw: str = ""


def format_failure(name: str, failure: StatementFailure) -> str:
    statement = failure.statement
    return (
        f"mend: migration `{name}` failed at statement {statement.index} of {failure.total} "
        f"(line {statement.line}).\n"
        f"Effect: {failure.effect()}\n"
        f"Mode: {failure.mode.description}\n"
        f"Database error code: {failure.error.code}\n"
        f"\nDatabase error:\n{failure.error.message.strip()}\n"
        f"\nFailed statement {statement.index} of {failure.total}:\n{statement.sql}\n"
    )


def format_interrupted(
    name: str, statement: Statement, total: int, committed: tuple[int, ...], why: str
) -> str:

    effect = (
        f"{statement_ranges(committed)} committed and still in effect."
        if committed
        else ("nothing from this migration was committed.")
    )
    return (
        f"mend: migration `{name}` was interrupted at statement {statement.index} of {total} "
        f"(line {statement.line}).\n"
        f"Effect: {effect}\n"
        f"Database error code: M4004\n"
        f"\nDatabase error:\n{why}\n"
        f"\nFailed statement {statement.index} of {total}:\n{statement.sql}\n"
    )


def parse_logs(text: str | None) -> FailureLogs | None:
    """Parse any logs Prisma or mend wrote; None for empty logs (an interrupted run)."""
    if text is None or not text.strip():
        return None
    if text.startswith("mend: "):
        parsed = _parse_mend(text)
        if parsed is not None:
            return parsed
    return _parse_prisma(text)


def _parse_mend(text: str) -> FailureLogs | None:
    header = _MEND_HEADER.match(text)
    if header is None:
        return None
    fields = {m.group("key"): m.group("value") for m in _FIELD.finditer(text.split("\n\n", 1)[0])}
    body = text.split("\nDatabase error:\n", 1)[1] if "\nDatabase error:\n" in text else ""
    index, total = int(header.group("index")), int(header.group("total"))
    message, sql = body, None
    marker = f"\n\nFailed statement {index} of {total}:\n"
    if marker in body:
        message, sql = body.split(marker, 1)
        sql = sql.rstrip("\n")
    return FailureLogs(
        source="mend",
        message=message.strip(),
        error_code=fields.get("Database error code") or None,
        statement_index=index,
        statement_count=total,
        statement_line=int(header.group("line")) if header.group("line") else None,
        statement_sql=sql,
        effect=fields.get("Effect"),
        interrupted=header.group("verb") == "was interrupted",
        raw=text,
    )


def _parse_prisma(text: str) -> FailureLogs:
    code_match = _PRISMA_CODE.search(text) or _PRISMA_SQLSTATE.search(text)
    code = code_match.group("code") if code_match else None
    message_match = _PRISMA_MESSAGE.search(text)
    if message_match:
        message = message_match.group("message").strip()
    else:
        trace = _SPAN_TRACE.search(text)
        message = (text[: trace.start()] if trace else text).strip()
        if code is None:
            sqlite = _SQLITE_CODE.search(message)
            code = sqlite.group("code") if sqlite else None
    number = _PRISMA_QUERY_NUMBER.search(text)
    recognised = bool(message_match or code_match or number or _SPAN_TRACE.search(text))
    return FailureLogs(
        source="prisma" if recognised else "unknown",
        message=message,
        error_code=code,
        statement_index=int(number.group("n")) if number else None,
        raw=text,
    )
