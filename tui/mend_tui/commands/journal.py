"""`mend journal [--verify]`: what mend wrote to databases, and whether the record is intact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mend_core.errors import M4007, MendError
from mend_core.journal import default_journal_path, read_journal, verify_journal
from mend_tui.terminal import echo, style

# Fields worth a place on an entry's line, in this order; the rest are in --json.
SHOWN = (
    "migration",
    "direction",
    "step",
    "statement",
    "script",
    "row_id",
    "error_code",
    "seconds",
    "rowcount",
)


def run_journal(
    *, file: Path | None, verify: bool, as_json: bool, run: str | None, last: int
) -> None:
    path = file or default_journal_path()
    if verify:
        check = verify_journal(path)
        if not check.intact:
            lines = "; ".join(f"line {b.line}: {b.reason}" for b in check.breaks[:5])
            raise MendError(
                M4007,
                f"The journal `{path}` has been changed after it was written: {lines}"
                + (f" (and {len(check.breaks) - 5} more)" if len(check.breaks) > 5 else "")
                + ".",
                "Each entry carries the hash of the line before it; compare the file with a "
                "backup or another copy to see what changed.",
            )
        older = (
            f" ({check.unchained} older entries before the chain began)" if check.unchained else ""
        )
        echo(
            f"The journal `{path}` is intact: {check.entries} entries, each chained to the one "
            f"before{older}."
        )
        return
    entries = read_journal(path)
    if run:
        entries = [e for e in entries if str(e.get("run", "")).startswith(run)]
    if last:
        entries = entries[-last:]
    if as_json:
        echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    if not entries:
        echo(f"No entries in `{path}`.")
        return
    current_run = None
    for entry in entries:
        if entry.get("run") != current_run:
            current_run = entry.get("run")
            echo(
                style(
                    f"\n{entry.get('at', '')}  mend {entry.get('command', '?')}  run "
                    f"{str(current_run or '-')[:8]}  by {entry.get('by', '?')}  on "
                    f"{entry.get('target', '?')}",
                    bold=True,
                )
            )
        echo(f"  {entry_line(entry)}")


def entry_line(entry: dict[str, Any]) -> str:
    at = str(entry.get("at", ""))[11:23]
    parts = [f"{key}={entry[key]}" for key in SHOWN if key in entry]
    failure = entry.get("failure")
    if isinstance(failure, dict) and failure.get("error_code"):
        parts.append(f"error={failure['error_code']}")
    return f"{at}  {entry.get('event', '?')}  " + " ".join(parts)
