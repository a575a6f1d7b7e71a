"""An append-only, tamper-evident record of every write mend makes to a database, one JSON
object per line.

Written before and after each statement, so that after a crash the journal shows what was being
done. Each entry carries `prev`, the SHA-256 of the line before it, so an edited, removed or
reordered line breaks the chain (`mend journal --verify`). Entries of one command share a `run`
id. The journal is a file, never a table: Prisma would see a table in the database as drift.
Default location: $MEND_JOURNAL, else $XDG_STATE_HOME/mend/journal.jsonl
(~/.local/state/mend/journal.jsonl).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from mend_core.errors import M4003, MendError
from mend_core.redaction import redact
from mend_core.target import DatabaseTarget
from mend_core.timestamps import now

GENESIS = "0" * 64  # the `prev` of the first entry


def default_journal_path() -> Path:
    explicit = os.environ.get("MEND_JOURNAL")
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mend" / "journal.jsonl"


def line_hash(line: bytes) -> str:
    """The hash the next entry's `prev` must carry: of the line's bytes, without its newline."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


class Journal:
    """Appends the entries of one command run (`run`) against one target."""

    def __init__(
        self,
        path: Path,
        target: DatabaseTarget,
        command: str,
        *,
        run: str = "",
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.path = path
        self.target = target
        self.command = command
        self.run = run
        self.clock = clock
        self._who = f"{_user()}@{socket.gethostname()}"

    def open(self) -> Journal:
        """Check that the journal can be written; refuse to start a write otherwise."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab"):
                pass
        except OSError as exc:
            raise MendError(
                M4003,
                f"The journal `{self.path}` cannot be written ({exc.strerror}); mend does not "
                "write to a database without recording what it does.",
                "Make the folder writable or point MEND_JOURNAL at a writable file.",
            ) from None
        return self

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one entry, chained to the last line of the file; return it as written."""
        entry: dict[str, Any] = {
            "at": self.clock().isoformat(timespec="milliseconds"),
            "event": event,
            "command": self.command,
            "run": self.run,
            "target": self.target.display(),
            "by": self._who,
            "pid": os.getpid(),
        }
        entry.update(fields)
        entry = _redacted(entry, self.target.secrets)
        try:
            with _locked_append(self.path) as handle:
                entry["prev"] = _last_hash(handle)
                line = json.dumps(entry, ensure_ascii=False, default=str).encode("utf-8")
                handle.write(line + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise MendError(
                M4003,
                f"The journal `{self.path}` could not be written ({exc.strerror}).",
                "Free disk space or fix permissions; check `mend status` for what was applied.",
            ) from None
        return entry


@contextmanager
def _locked_append(path: Path) -> Iterator[IO[bytes]]:
    """The journal opened for reading its end and appending, locked against other mend
    processes so that two appends cannot chain to the same line."""
    import fcntl

    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _last_hash(handle: IO[bytes]) -> str:
    """The hash of the file's last non-empty line, read backwards from its end."""
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    if end == 0:
        return GENESIS
    chunk = 4096
    position = end
    tail = b""
    while position > 0:
        step = min(chunk, position)
        position -= step
        handle.seek(position)
        tail = handle.read(step) + tail
        stripped = tail.rstrip(b"\n")
        if b"\n" in stripped or position == 0:
            return line_hash(stripped.rsplit(b"\n", 1)[-1])
    return GENESIS


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every entry; lines that are not JSON objects are skipped (`verify_journal` names them)."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_bytes().splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


@dataclass(frozen=True)
class JournalBreak:
    """Where the chain does not hold: a line edited, removed, inserted or unreadable."""

    line: int  # 1-based
    reason: str


@dataclass(frozen=True)
class JournalCheck:
    path: Path
    entries: int
    unchained: int  # entries written before the chain existed (no `prev`), at the start
    breaks: tuple[JournalBreak, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_journal(path: Path) -> JournalCheck:
    """Check every entry's `prev` against the line before it."""
    if not path.exists():
        return JournalCheck(path, 0, 0, ())
    previous = GENESIS
    breaks: list[JournalBreak] = []
    entries = unchained = 0
    chained = False
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        entries += 1
        try:
            entry = json.loads(line)
        except ValueError:
            breaks.append(JournalBreak(number, "not a JSON object (edited or truncated)"))
            previous = line_hash(line)
            continue
        prev = entry.get("prev") if isinstance(entry, dict) else None
        if prev is None:
            if chained:
                breaks.append(JournalBreak(number, "has no `prev` hash after chained entries"))
            else:
                unchained += 1
        elif prev != previous:
            breaks.append(
                JournalBreak(
                    number,
                    "its `prev` does not match the line before it: that line was edited, or a "
                    "line was removed or inserted here",
                )
            )
        if prev is not None:
            chained = True
        previous = line_hash(line)
    return JournalCheck(path, entries, unchained, tuple(breaks))


def _redacted(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {k: _redacted(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, secrets) for v in value]
    return value


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
