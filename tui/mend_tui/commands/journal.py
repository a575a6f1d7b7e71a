"""`mend journal [--verify]`: what mend wrote to databases, and whether the record is intact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mend_core.database.journal import (
    JournalHead,
    anchor_path,
    default_journal_path,
    read_journal,
    verify_journal,
)
from mend_core.errors import M4007, MendError
from mend_tui.terminal import echo, json_escaped, style

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
    *,
    file: Path | None,
    verify: bool,
    as_json: bool,
    run: str | None,
    last: int,
    head: str | None = None,
) -> None:
    path = file or default_journal_path()
    if verify:
        verify_file(path, head)
        return
    entries = read_journal(path)
    if run:
        entries = [e for e in entries if str(e.get("run", "")).startswith(run)]
    if last:
        entries = entries[-last:]
    if as_json:
        echo(json_escaped(json.dumps(entries, indent=2, ensure_ascii=False)))
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


def verify_file(path: Path, head: str | None) -> None:
    """`mend journal --verify [--head ENTRIES:SHA256]`: M4007 unless the chain holds and the file
    ends where its anchor (and the head given) says."""
    expected = JournalHead.parse(head) if head else None
    if head and expected is None:
        raise click.UsageError(
            f"`--head {head}` is not a journal head: one is ENTRIES:SHA256 (16 or more hex "
            "digits), as an incident report's `Journal head` line or `mend journal --verify` "
            "prints it."
        )
    check = verify_journal(path, expected)
    if not check.intact:
        lines = "; ".join(
            f"line {b.line}: {b.reason}" if b.line else b.reason for b in check.breaks[:5]
        )
        raise MendError(
            M4007,
            f"The journal `{path}` has been changed after it was written: {lines}"
            + (f" (and {len(check.breaks) - 5} more)" if len(check.breaks) > 5 else "")
            + ".",
            "Each entry carries the hash of the line before it, and its anchor "
            f"`{anchor_path(path)}` the hash of the last; compare the file with a backup or "
            "another copy to see what changed.",
        )
    if not check.exists:
        echo(f"No journal at `{path}`, and no anchor beside it: nothing to check.")
        return
    older = f" ({check.unchained} older entries before the chain began)" if check.unchained else ""
    ends = "where its anchor says" if check.anchor else "where the head given says"
    if check.after_anchor:
        ends += (
            f", then {check.after_anchor} more (written by a mend stopped before it updated "
            "the anchor, or appended by hand)"
        )
    echo(
        f"The journal `{path}` is intact: {check.entries} entries, each chained to the one "
        f"before{older}, ending {ends}. Head: {check.head.token}"
    )
