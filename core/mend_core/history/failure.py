"""One record of why a script stopped and what of it persisted, whoever ran it.

mend writes it to the `logs` column of `_prisma_migrations` (`to_logs`) as text a person reads,
ending in one line of JSON that `from_logs` reads back exactly. `from_logs` also reads the logs
Prisma writes (its P3018 text, or a raw engine error with a span trace), the logs of earlier
mend versions, and no logs at all (the process was killed or the connection lost).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from mend_core.database.statements import strip_leading_noise

FailureSource = Literal["mend", "prisma", "unknown", "none"]

RECORD_PREFIX = "mend-record: "
# How much of the logs is shown and journaled: Prisma writes whatever the engine said, and a
# failure that echoes a big statement or a data dump can leave megabytes.
SHOWN_BYTES = 4096
SHOWN_LINES = 40
_RECORD_VERSION = 1

MODE_WORDS = {
    "transaction": "one transaction: a failure rolls back every statement of the migration",
    "script-transactions": "the script manages its own transactions (BEGIN/COMMIT)",
    "autocommit": "statement by statement: statements before a failure stay applied",
}


@dataclass(frozen=True)
class FailureRecord:
    """Where a script stopped, the database's error, and which statements persisted.

    `committed`/`rolled_back` are None when unknown (Prisma's logs, a killed process): the
    live catalog, not the logs, then says what took effect."""

    source: FailureSource
    message: str = ""  # the database's error as it said it (for PostgreSQL: ERROR/DETAIL/HINT)
    error_code: str | None = None  # SQLSTATE, MySQL errno, SQLite (extended) code, or M4004
    detail: str | None = None  # PostgreSQL's DETAIL line: the key values of a duplicate, ...
    statement_index: int | None = None  # 1-based
    statement_count: int | None = None
    statement_line: int | None = None
    statement_sql: str | None = None
    committed: tuple[int, ...] | None = None
    rolled_back: tuple[int, ...] | None = None
    mode: str | None = None  # "transaction" | "script-transactions" | "autocommit"
    interrupted: bool = False  # the operator stopped the run (Ctrl-C)
    process_died: bool = False  # no logs: the process was killed or its connection lost
    raw: str = ""

    # -- words ----------------------------------------------------------------------------------
    def effect(self) -> str:
        """What persisted, in one sentence."""
        if self.process_died:
            return (
                "unknown: the run left no logs (the process was killed or its connection lost); "
                "the live schema shows what took effect."
            )
        if self.committed is None and self.rolled_back is None:
            return "not recorded in these logs; the live schema shows what took effect."
        parts = []
        if self.committed:
            parts.append(f"{statement_ranges(self.committed)} committed and still in effect")
        if self.rolled_back:
            parts.append(f"{statement_ranges(self.rolled_back)} rolled back with the transaction")
        if not parts:
            return "nothing ran before the failing statement."
        return "; ".join(parts) + "."

    def where(self) -> str:
        """`statement 3 of 5 (line 12)`, or what is known of it."""
        if self.statement_index is None:
            return "an unknown statement"
        text = f"statement {self.statement_index}"
        if self.statement_count:
            text += f" of {self.statement_count}"
        if self.statement_line:
            text += f" (line {self.statement_line})"
        return text

    def first_message_line(self) -> str:
        lines = self.message.strip().splitlines()
        return lines[0] if lines else ""

    def describe(self) -> str:
        """One paragraph for a person: what stopped, where, why, and what persisted."""
        if self.process_died:
            return (
                "The run stopped without recording an error: the process was killed, or its "
                "connection was lost, before it could write its logs. " + _capital(self.effect())
            )
        verb = "was interrupted" if self.interrupted else "failed"
        text = f"It {verb} at {self.where()}"
        if self.statement_sql:
            text += f": {first_line_of(self.statement_sql)}"
        text += "."
        if self.message:
            code = f" ({self.error_code})" if self.error_code else ""
            text += f" The database said{code}: {' '.join(self.message.split())}"
            text += "" if text.endswith(".") else "."
        return text + " Effect: " + self.effect()

    # -- the logs column ------------------------------------------------------------------------
    def to_logs(self, migration: str) -> str:
        """The text mend writes to `logs`: readable, and ending in a line `from_logs` reads."""
        verb = "was interrupted" if self.interrupted else "failed"
        lines = [f"mend: migration `{migration}` {verb} at {self.where()}."]
        lines.append(f"Effect: {self.effect()}")
        if self.mode:
            lines.append(f"Mode: {MODE_WORDS.get(self.mode, self.mode)}")
        lines.append(f"Database error code: {self.error_code or ''}")
        lines.append(f"\nDatabase error:\n{self.message.strip()}")
        if self.statement_sql is not None:
            lines.append(f"\nFailed {self.where()}:\n{self.statement_sql}")
        fields = {k: v for k, v in asdict(self).items() if k not in ("raw", "source")}
        fields["v"] = _RECORD_VERSION
        lines.append("\n" + RECORD_PREFIX + json.dumps(fields, ensure_ascii=False))
        return "\n".join(lines) + "\n"

    @classmethod
    def from_logs(cls, text: str | None) -> FailureRecord:
        """Whatever a failed row's logs hold, as a record; no logs is a process that died."""
        if text is None or not text.strip():
            return cls(source="none", process_died=True, raw=text or "")
        record = _from_record_line(text)
        if record is not None:
            return record
        readable = _parseable(text)
        if text.startswith("mend: "):
            legacy = _from_legacy_mend(readable)
            if legacy is not None:
                return replace(legacy, raw=text)
        return replace(_from_prisma(readable), raw=text)

    def to_json(self) -> dict[str, Any]:
        """The record for JSON and the journal: the logs and the message capped (the head, the
        length and a sha256 of the whole), so that one journal line stays small."""
        data = asdict(self)
        data["raw"] = logs_digest(self.raw)
        for key in ("message", "statement_sql"):
            value = data[key]
            if isinstance(value, str) and len(value) > SHOWN_BYTES:
                excerpt = excerpt_of(value)
                data[key] = excerpt.head + f"\n… {excerpt.more_bytes} more bytes"
        data["effect"] = self.effect()
        return data


@dataclass(frozen=True)
class LogsExcerpt:
    """The first SHOWN_LINES lines or SHOWN_BYTES bytes of some logs, and how much is left."""

    head: str
    more_bytes: int  # 0: the head is the whole
    total_bytes: int


def excerpt_of(
    text: str, max_bytes: int = SHOWN_BYTES, max_lines: int = SHOWN_LINES
) -> LogsExcerpt:
    """The head of `text`: at most `max_lines` lines and `max_bytes` bytes, cut at a line end
    where one is near, and how many bytes are left out."""
    # Characters before bytes: a prefix of max_bytes characters holds at least max_bytes bytes.
    head = text[:max_bytes]
    end = -1
    for _ in range(max_lines):
        end = head.find("\n", end + 1)
        if end == -1:
            break
    if end != -1:
        head = head[: end + 1]
    encoded = head.encode("utf-8", errors="replace")
    if len(encoded) > max_bytes:
        head = encoded[:max_bytes].decode("utf-8", errors="ignore")
        cut = head.rfind("\n")
        if cut > max_bytes // 2:
            head = head[: cut + 1]
    total = len(text) if text.isascii() else len(text.encode("utf-8", errors="replace"))
    shown = len(head.encode("utf-8", errors="replace"))
    return LogsExcerpt(head, total - shown, total)


def logs_digest(text: str | None) -> dict[str, Any] | None:
    """What the journal keeps of some logs: the head, the whole's length and sha256."""
    if text is None:
        return None
    data = text.encode("utf-8", errors="replace")
    excerpt = excerpt_of(text)
    return {
        "head": excerpt.head,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "truncated": excerpt.more_bytes > 0,
    }


def statement_ranges(indexes: tuple[int, ...]) -> str:
    """(1, 2, 3, 5) -> 'statements 1-3, 5'."""
    if not indexes:
        return "no statements"
    groups: list[str] = []
    start = previous = indexes[0]
    for index in indexes[1:]:
        if index == previous + 1:
            previous = index
            continue
        groups.append(f"{start}-{previous}" if previous != start else str(start))
        start = previous = index
    groups.append(f"{start}-{previous}" if previous != start else str(start))
    noun = "statement" if len(indexes) == 1 else "statements"
    return f"{noun} {', '.join(groups)}"


def first_line_of(sql: str, width: int = 72) -> str:
    line = " ".join(strip_leading_noise(sql).split())
    return line if len(line) <= width else line[: width - 1] + "…"


def detail_of(message: str) -> str | None:
    """PostgreSQL's DETAIL line inside an error text, if any."""
    match = _DETAIL.search(message)
    return match.group("detail").strip() if match else None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- reading ------------------------------------------------------------------------------------
# Logs longer than this are read from their head and their tail: what Prisma writes has its
# code and message first and the engine's trace last, and megabytes in between are an echo
# (a statement, a data dump) that every later search of the message would scan again.
PARSE_CHARS = 256 * 1024


def _parseable(text: str) -> str:
    if len(text) <= PARSE_CHARS:
        return text
    head, tail = text[: PARSE_CHARS * 3 // 4], text[-(PARSE_CHARS // 4) :]
    left_out = len(text) - len(head) - len(tail)
    return f"{head}\n… {left_out} characters left out …\n{tail}"


_DETAIL = re.compile(r"^DETAIL: *(?P<detail>.*)$", re.M)


def _from_record_line(text: str) -> FailureRecord | None:
    position = text.rfind("\n" + RECORD_PREFIX)
    if position == -1:
        return None
    line = text[position + 1 + len(RECORD_PREFIX) :].split("\n", 1)[0]
    try:
        fields = json.loads(line)
    except ValueError:
        return None
    if not isinstance(fields, dict):
        return None
    fields.pop("v", None)
    known = {name for name in FailureRecord.__dataclass_fields__ if name not in ("raw", "source")}
    values = {k: v for k, v in fields.items() if k in known}
    for key in ("committed", "rolled_back"):
        if isinstance(values.get(key), list):
            values[key] = tuple(int(i) for i in values[key])
    try:
        return FailureRecord(source="mend", raw=text, **values)
    except TypeError:
        return None


# The form mend 0.1 wrote, before the record line existed.
_MEND_HEADER = re.compile(
    r"\Amend: migration `(?P<name>.*?)` (?P<verb>failed|was interrupted) at statement "
    r"(?P<index>\d+) of (?P<total>\d+)(?: \(line (?P<line>\d+)\))?\.\n"
)
_FIELD = re.compile(r"^(?P<key>Effect|Database error code|Mode): ?(?P<value>.*)$", re.M)
_RANGES = re.compile(r"statements? (?P<list>[\d, \-]+) (?P<what>committed|rolled back)")


def _parse_ranges(text: str) -> tuple[int, ...]:
    numbers: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            low, high = part.split("-", 1)
            numbers.extend(range(int(low), int(high) + 1))
        elif part.isdigit():
            numbers.append(int(part))
    return tuple(numbers)


def _from_legacy_mend(text: str) -> FailureRecord | None:
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
    committed: tuple[int, ...] = ()
    rolled_back: tuple[int, ...] = ()
    for match in _RANGES.finditer(fields.get("Effect", "")):
        if match.group("what") == "committed":
            committed = _parse_ranges(match.group("list"))
        else:
            rolled_back = _parse_ranges(match.group("list"))
    return FailureRecord(
        source="mend",
        message=message.strip(),
        error_code=fields.get("Database error code") or None,
        detail=detail_of(message),
        statement_index=index,
        statement_count=total,
        statement_line=int(header.group("line")) if header.group("line") else None,
        statement_sql=sql,
        committed=committed,
        rolled_back=rolled_back,
        interrupted=header.group("verb") == "was interrupted",
        raw=text,
    )


_PRISMA_CODE = re.compile(r"^Database error code: *(?P<code>\S+)", re.M)
# `[ \t]+`, not `\s+`, before a span trace's `0:`: `\s` spans newlines too, and a long run of
# blank lines then made each search quadratic (10 MB of logs took minutes, not milliseconds).
_PRISMA_MESSAGE = re.compile(
    r"^Database error:\n(?P<message>.*?)"
    r"(?=\n\n(?:DbError \{|Please check|Position:|[ \t]+0: )|\n[ \t]+0: |\Z)",
    re.M | re.S,
)
_PRISMA_QUERY_NUMBER = re.compile(r"Please check the query number (?P<n>\d+)")
_PRISMA_SQLSTATE = re.compile(r"SqlState\(E?(?P<code>[0-9A-Z]{5})\)")
_SPAN_TRACE = re.compile(r"\n[ \t]+0: \S+::")
_SQLITE_CODE = re.compile(r"\b(?P<code>SQLITE_[A-Z_]+)\b")


def _from_prisma(text: str) -> FailureRecord:
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
    return FailureRecord(
        source="prisma" if recognised else "unknown",
        message=message,
        error_code=code,
        detail=detail_of(message) or _dberror_detail(text),
        statement_index=int(number.group("n")) if number else None,
        raw=text,
    )


# Possessive: an unclosed quote in megabytes of logs fails at once instead of backtracking.
_DBERROR_DETAIL = re.compile(r'detail: Some\("(?P<detail>(?:[^"\\]++|\\.)*+)"\)')


def _dberror_detail(text: str) -> str | None:
    match = _DBERROR_DETAIL.search(text)
    return match.group("detail").replace('\\"', '"') if match else None


def with_statement(
    record: FailureRecord, index: int, count: int, line: int, sql: str
) -> FailureRecord:
    """The record, with the failing statement found by other means (the live catalog)."""
    return replace(
        record, statement_index=index, statement_count=count, statement_line=line, statement_sql=sql
    )
