"""The history browser's words: durations, the file's state, the logs and the attempts, as
plain text (no Textual here, so that they are tested as text)."""

from __future__ import annotations

import textwrap
from datetime import datetime

from mend_core.history.failure import RECORD_PREFIX, FailureRecord, excerpt_of
from mend_core.history.folder import shell_word
from mend_core.history.status import MigrationState, MigrationStatus
from mend_core.history.table import HistoryRow
from mend_core.history.timestamps import format_timestamp


def duration(migration: MigrationStatus) -> str:
    seconds = migration.row.duration_seconds if migration.row else None
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def checksum_state(migration: MigrationStatus) -> str:
    if migration.local is None:
        return "no folder"
    if migration.missing_script:
        return "no script"
    if migration.edited:
        return "edited"
    return "matches" if migration.rows else "-"


# The pane shows the head of long logs: a Static lays out all of its text at once, and
# Prisma's logs can hold megabytes (10 MB took the tab 10-25 s). `l` shows all of them.
MORE_KEY = "l"


def logs_for(migration: MigrationStatus, parsed: FailureRecord | None = None) -> str:
    """The logs pane's text: what the logs say, and the head of the logs themselves."""
    row = migration.row
    if row is None:
        return "Never run: no attempt is recorded in _prisma_migrations."
    if migration.state is not MigrationState.FAILED:
        logs = row.logs
        return (
            "No logs: the attempt succeeded."
            if not logs
            else f"Raw logs:\n{_head(logs, migration.name)}"
        )
    parsed = parsed or migration.failure()
    if parsed is None or parsed.process_died:
        return (
            "No logs: the run was interrupted before it could record its error (the "
            "process was killed or the connection lost). What it ran before is unknown: "
            "`mend inspect` compares each statement with the live schema."
        )
    lines = [f"Written by: {parsed.source}"]
    if parsed.error_code:
        lines.append(f"Database error code: {parsed.error_code}")
    if parsed.statement_index:
        lines.append(f"Failed statement: {parsed.where().removeprefix('statement ')}")
    lines.append(f"Effect: {parsed.effect()}")
    lines.append(f"\nDatabase error:\n{_head(parsed.message)}")
    if parsed.statement_sql:
        lines.append(f"\nStatement:\n{_head(parsed.statement_sql)}")
    lines.append(f"\nRaw logs:\n{_head(readable_logs(row.logs or ''), migration.name)}")
    return "\n".join(lines)


def has_more_logs(migration: MigrationStatus) -> bool:
    """Whether the pane shows only the head of this migration's logs."""
    logs = migration.row.logs if migration.row else None
    return bool(logs) and excerpt_of(logs or "").more_bytes > 0


def _head(text: str, name: str | None = None) -> str:
    """`text`, or its head and how much is left out (and, for the logs, how to see it)."""
    excerpt = excerpt_of(text)
    if not excerpt.more_bytes:
        return text
    tail = f"… {excerpt.more_bytes} more bytes"
    if name is not None:
        tail += (
            f": press {MORE_KEY} to show them all (or `mend inspect {shell_word(name)} "
            "--full-logs`)."
        )
    return excerpt.head.rstrip("\n") + "\n" + tail + "\n"


def full_log_lines(migration: MigrationStatus, width: int = 4096) -> list[str]:
    """Every line of the logs, long lines cut in pieces of `width` (a line of megabytes would
    be laid out whole at each repaint). Run off the UI thread."""
    logs = readable_logs(migration.row.logs or "") if migration.row else ""
    lines: list[str] = []
    for line in logs.splitlines():
        if len(line) <= width:
            lines.append(line or " ")  # the Log drops an empty line; a blank one shows
        else:
            lines += [line[i : i + width] for i in range(0, len(line), width)]
    return lines


def readable_logs(logs: str) -> str:
    """The logs as a person reads them: without mend's machine-readable record line."""
    head, marker, _ = logs.rpartition("\n" + RECORD_PREFIX)
    return head.rstrip("\n") + "\n" if marker else logs


def _second(value: datetime | None) -> str:
    """A timestamp to the second (the logs have the milliseconds): 19 characters."""
    return format_timestamp(value)[:19] if value is not None else "-"


def attempts_table(rows: tuple[HistoryRow, ...]) -> str:
    """Every attempt, oldest first, in 72 columns: the row id on a line of its own, whole
    (it is what a support ticket quotes), then the head of its logs: the Logs tab shows the
    attempt that decides the state, and a failed attempt recovered since stays readable here."""
    if not rows:
        return "No attempt recorded."
    lines = [f"{'#':>2}  {'started (UTC)':<19}  {'finished':<19}  {'rolled back':<19}  steps"]
    for number, row in enumerate(rows, start=1):
        lines.append(
            f"{number:>2}  {_second(row.started_at):<19}  {_second(row.finished_at):<19}  "
            f"{_second(row.rolled_back_at):<19}  {row.applied_steps_count:>5}"
        )
        lines.append(f"    id {row.id}")
        if row.logs:
            excerpt = excerpt_of(readable_logs(row.logs))
            lines.append("    logs:")
            for line in excerpt.head.rstrip("\n").splitlines():
                # Within the table's 72 columns, as the ids: wrapped here, not by the pane.
                lines += textwrap.wrap(
                    line, 72, initial_indent="      ", subsequent_indent="      "
                ) or [""]
            if excerpt.more_bytes:
                lines.append(f"      … {excerpt.more_bytes} more bytes")
    return "\n".join(lines)
