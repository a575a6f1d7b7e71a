"""An append-only record of every write mend makes to a database, one JSON object per line.

Written before and after each statement, so that after a crash the journal shows what was being
done. Default location: $MEND_JOURNAL, else $XDG_STATE_HOME/mend/journal.jsonl
(~/.local/state/mend/journal.jsonl).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mend_core.errors import M4003, MendError
from mend_core.redaction import redact
from mend_core.target import DatabaseTarget
from mend_core.timestamps import now


def default_journal_path() -> Path:
    explicit = os.environ.get("MEND_JOURNAL")
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mend" / "journal.jsonl"


class Journal:
    """Appends entries for one command run against one target."""

    def __init__(self, path: Path, target: DatabaseTarget, command: str) -> None:
        self.path = path
        self.target = target
        self.command = command
        self._who = f"{_user()}@{socket.gethostname()}"

    def open(self) -> Journal:
        """Check that the journal can be written; refuse to start a write otherwise."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise MendError(
                M4003,
                f"The journal `{self.path}` cannot be written ({exc.strerror}); mend does not "
                "write to a database without recording what it does.",
                "Make the folder writable or point MEND_JOURNAL at a writable file.",
            ) from None
        return self

    def record(self, event: str, **fields: Any) -> None:
        entry: dict[str, Any] = {
            "at": now().isoformat(timespec="milliseconds"),
            "event": event,
            "command": self.command,
            "target": self.target.display(),
            "by": self._who,
            "pid": os.getpid(),
        }
        entry.update(fields)
        line = json.dumps(_redacted(entry, self.target.secrets), ensure_ascii=False)
        try:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise MendError(
                M4003,
                f"The journal `{self.path}` could not be written ({exc.strerror}).",
                "Free disk space or fix permissions; check `mend status` for what was applied.",
            ) from None


def read_journal(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


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
