"""mend's clock, and the text timestamp forms Prisma's engines may have written."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant in UTC, at millisecond precision like Prisma's engine writes."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def as_utc(value: datetime) -> datetime:
    """Naive values are UTC (MySQL DATETIME, SQLite text); aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_text_timestamp(text: str) -> datetime | None:
    """`YYYY-MM-DD HH:MM:SS[.fff]`, RFC 3339 (`T`, `Z`, offsets) or RFC 2822."""
    candidate = text.strip()
    if not candidate:
        return None
    iso = candidate.replace(" UTC", "+00:00")
    if iso.endswith(("Z", "z")):
        iso = iso[:-1] + "+00:00"
    try:
        return as_utc(datetime.fromisoformat(iso))
    except ValueError:
        pass
    # deferred: email.utils (~10 ms) only for RFC 2822 text, which few rows hold
    from email.utils import parsedate_to_datetime

    try:
        return as_utc(parsedate_to_datetime(candidate))
    except (TypeError, ValueError, IndexError):
        return None


def format_timestamp(value: datetime | None) -> str:
    """As Prisma prints them: `2026-11-25 19:37:53.167 UTC`."""
    if value is None:
        return "-"
    return as_utc(value).isoformat(sep=" ", timespec="milliseconds")[:23] + " UTC"
