"""An append-only, tamper-evident record of every write mend makes to a database, one JSON
object per line.

Written before and after each statement, so that after a crash the journal shows what was being
done; most entries are synced to disk at once, a deploy's progress entries (`note`) with the
entry that ends their migration. Each entry carries `prev`, the SHA-256 of the line before it,
so an edited, removed or reordered line breaks the chain (`mend journal --verify`). A chain
cannot see its own end, so after every write the head (entries, hash of the last line) is also
written to an anchor beside the journal, `journal.jsonl.head`: lines removed from the end, an
emptied file, or an edit with the chain recomputed after it no longer match it (unless the
anchor is rewritten too; a head recorded elsewhere, as in the incident report, catches that).
Entries of one command share a `run` id. The journal, its anchor and the folder mend creates for
them are its owner's only (0600, 0700): entries hold production values. The journal is a file,
never a table: Prisma would see a table in the database as drift. Default location:
$MEND_JOURNAL, else $XDG_STATE_HOME/mend/journal.jsonl (~/.local/state/mend/journal.jsonl).
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from mend_core.errors import M4003, MendError
from mend_core.history.timestamps import now
from mend_core.output.private_files import PRIVATE, create_private, private_folder
from mend_core.output.redaction import redact
from mend_core.project.target import DatabaseTarget

GENESIS = "0" * 64  # the `prev` of the first entry
# One encoder for every entry: json.dumps with these options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)
# At most this many seconds of a deploy's synced progress go unanchored (see `checkpoint`).
ANCHOR_EVERY = 1.0


def default_journal_path() -> Path:
    explicit = os.environ.get("MEND_JOURNAL")
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mend" / "journal.jsonl"


def line_hash(line: bytes) -> str:
    """The hash the next entry's `prev` must carry: of the line's bytes, without its newline."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


@dataclass(frozen=True)
class JournalHead:
    """Where a journal ends: how many entries it holds and the hash of the last one (GENESIS
    when empty). Recorded in the anchor beside the journal after every write, and in reports:
    a chain alone cannot show that lines were removed from its end, its head can."""

    entries: int
    last: str

    @property
    def token(self) -> str:
        """`ENTRIES:SHA256`, as `mend journal --verify --head` takes it."""
        return f"{self.entries}:{self.last}"

    @classmethod
    def parse(cls, token: str) -> JournalHead | None:
        """The head written as `token`; a hash prefix of 16 or more hex digits is enough."""
        entries, _, last = token.strip().partition(":")
        last = last.lower()
        if not entries.isdigit() or len(last) < 16 or len(last) > 64:
            return None
        if any(c not in "0123456789abcdef" for c in last):
            return None
        return cls(int(entries), last)


def anchor_path(path: Path) -> Path:
    """The anchor of the journal at `path`: its head, in a small file beside it."""
    return path.with_name(path.name + ".head")


def read_anchor(path: Path) -> JournalHead | None:
    """The head recorded beside the journal at `path`; None when there is no anchor. An anchor
    that is not one mend wrote raises ValueError."""
    try:
        data = json.loads(anchor_path(path).read_bytes())
    except FileNotFoundError:
        return None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    head = JournalHead.parse(f"{data.get('entries')}:{data.get('last')}")
    if head is None or len(head.last) != 64:
        raise ValueError("no `entries` and `last` hash")
    return head


def _write_anchor(path: Path, head: JournalHead) -> None:
    """Replace the anchor at once (a new 0600 file renamed over it): never half written."""
    anchor = anchor_path(path)
    temporary = anchor.with_name(f".{anchor.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.unlink(missing_ok=True)
    data = json.dumps({"entries": head.entries, "last": head.last}).encode() + b"\n"
    create_private(temporary, data)
    os.replace(temporary, anchor)


def journal_head(path: Path) -> JournalHead:
    """The head of the journal file as it is now (read from the file, not its anchor)."""
    hashes = _entry_hashes(path.read_bytes()) if path.exists() else []
    return JournalHead(len(hashes), hashes[-1][1] if hashes else GENESIS)


def _entry_hashes(data: bytes) -> list[tuple[int, str]]:
    """(line number, hash) of every non-empty line."""
    return [
        (number, line_hash(line))
        for number, line in enumerate(data.splitlines(), start=1)
        if line.strip()
    ]


class Journal:
    """Appends the entries of one command run (`run`) against one target.

    Every write checks that the file still ends where its anchor says (else it was truncated or
    edited: M4003) and, once this run has written, that it is still the same file: a journal
    deleted or replaced in the middle of a run stops the run instead of starting a new chain."""

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
        # The host as socket.gethostname() names it, without importing socket (~5 ms).
        self._who = f"{_user()}@{os.uname().nodename}"
        # Once this run has written: the journal file it wrote to, kept open (its inode cannot
        # be reused by a file put in its place; closed with this object) and written through,
        # with its identity, and where it ended and the line it ended with after this run's
        # last write: the next write checks those instead of reopening and rereading the file.
        self._kept: int | None = None
        self._identity: tuple[int, int] = (0, 0)
        self._end = 0
        self._last_line = b""
        self.head: JournalHead | None = None  # after this run's last write
        self._anchored: JournalHead | None = None  # the head this run last anchored
        self._anchored_at = time.monotonic()  # a run's first checkpoint is anchored after 1 s
        # The fields every entry of this run carries, redacted once, and what is masked.
        self._constant: dict[str, Any] = {}
        self._secrets: tuple[str, ...] = ()
        self._held: list[dict[str, Any]] = []  # `note_later` entries, not written yet
        self._redacted_names: dict[str, str] = {}  # short texts as redacted (see `_entry`)

    def open(self) -> Journal:
        """Check that the journal can be written; refuse to start a write otherwise."""
        try:
            private_folder(self.path.parent)
            with self._locked():
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
        """Append one entry, chained to the last line of the file, synced to disk and anchored;
        return it as written."""
        return self._append(event, fields, sync=True, anchor=True)

    def checkpoint(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one entry that ends a stretch of progress (a deploy's migration finished):
        chained and synced to disk at once, with the notes before it, but anchored only when the
        anchor is more than ANCHOR_EVERY seconds old, and always by the next `record` and by
        `anchor` (which a write session calls as it ends). A deploy applying hundreds of
        migrations a second would otherwise pay a second disk sync per migration for the anchor;
        a mend killed in between leaves at most that much of the journal after its anchor,
        which `--verify` counts and the next write accepts, as after any stop between a line and
        its anchor."""
        return self._append(event, fields, sync=True, anchor=None)

    def note(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one progress entry (a deploy's migration or statement started, a statement
        finished): chained and handed to the operating system, so a killed mend leaves it, but
        neither synced to disk nor anchored; the next `record` or `checkpoint` syncs it with its
        own. Many statements per second would otherwise each cost two disk syncs."""
        return self._append(event, fields, sync=False, anchor=False)

    def note_later(self, event: str, **fields: Any) -> dict[str, Any]:
        """A progress entry that the next one implies (a statement finished, before the next
        statement starts): made now, with its time, and written with the next entry (`note`,
        `record`, `checkpoint`) or by `anchor`, in one write instead of two. Nothing happens
        to the database in between: a deploy's next statement, or its finished row, follows
        the next entry, and a killed mend leaves the entry of the next statement's start,
        which says as much."""
        entry = self._entry(event, fields)
        self._held.append(entry)
        return entry

    def anchor(self) -> None:
        """Sync and anchor whatever this run wrote since its last anchor (nothing if none, or if
        another mend has appended since: its anchor is then the newer one)."""
        if self._held:
            self._append_entries([], sync=False, anchor=False)
        if self._kept is None or self.head is None or self.head == self._anchored:
            return
        try:
            fcntl.flock(self._kept, fcntl.LOCK_EX)
            try:
                if os.fstat(self._kept).st_size == self._end:
                    os.fsync(self._kept)
                    _write_anchor(self.path, self.head)
                self._anchored = self.head
                self._anchored_at = time.monotonic()
            finally:
                fcntl.flock(self._kept, fcntl.LOCK_UN)
        except OSError as exc:
            raise MendError(
                M4003,
                f"The journal's anchor `{anchor_path(self.path)}` could not be written "
                f"({exc.strerror or exc}).",
                "Free disk space or fix permissions; `mend journal --verify` checks the journal.",
            ) from None

    def _append(
        self, event: str, fields: dict[str, Any], *, sync: bool, anchor: bool | None
    ) -> dict[str, Any]:
        """`anchor` None: when the anchor is older than ANCHOR_EVERY."""
        entry = self._entry(event, fields)
        self._append_entries([entry], sync=sync, anchor=anchor)
        return entry

    def _entry(self, event: str, fields: dict[str, Any]) -> dict[str, Any]:
        if not self._constant:
            self._secrets = self.target.secrets
            self._constant = _redacted(
                {
                    "command": self.command,
                    "run": self.run,
                    "target": self.target.display(),
                    "by": self._who,
                    "pid": os.getpid(),
                },
                self._secrets,
            )
        secrets = self._secrets
        # The time (mend's clock) and the event's name (mend's own words) hold nothing to mask.
        entry: dict[str, Any] = {
            "at": self.clock().isoformat(timespec="milliseconds"),
            "event": event,
        }
        entry.update(self._constant)
        known = self._redacted_names
        for key, value in fields.items():
            if isinstance(value, str) and len(value) <= 200:
                # A short text (a migration's name, a mode) recurs in every entry of its
                # migration: redacted once (the same function of the same text and secrets).
                shown = known.get(value)
                if shown is None:
                    shown = redact(value, secrets)
                    if len(known) < 4096:
                        known[value] = shown
                entry[key] = shown
            else:
                entry[key] = _redacted(value, secrets)
        return entry

    def _append_entries(
        self, entries: list[dict[str, Any]], *, sync: bool, anchor: bool | None
    ) -> None:
        """Append the held entries, then `entries`, in one write."""
        if self._held:
            entries = [*self._held, *entries]
            self._held = []
        try:
            if self._kept is None:
                # This run's first write: the journal opened, checked against its anchor and
                # made private if it was not; kept open from now on.
                with self._locked() as (handle, head):
                    info = os.fstat(handle.fileno())
                    self._write(handle.fileno(), info.st_size, head, entries, sync, anchor)
                    self._kept = os.dup(handle.fileno())
                    self._identity = (info.st_dev, info.st_ino)
                    weakref.finalize(self, os.close, self._kept)
            else:
                self._append_kept(self._kept, entries, sync, anchor)
        except OSError as exc:
            raise MendError(
                M4003,
                f"The journal `{self.path}` could not be written ({exc.strerror or exc}).",
                "Free disk space or fix permissions; check `mend status` for what was applied.",
            ) from None

    def _append_kept(
        self, descriptor: int, entries: list[dict[str, Any]], sync: bool, anchor: bool | None
    ) -> None:
        """A later write of this run, through the descriptor kept since its first: the path
        must still name that file (else it was deleted or replaced: M4003), and the file must
        still end with this run's last line, unless another mend appended since (then it is
        checked against its anchor, as a first write is)."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            raise self._changed("was deleted") from None
        if (info.st_dev, info.st_ino) != self._identity:
            raise self._changed("was replaced by another file")
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            end = os.fstat(descriptor).st_size
            tail = len(self._last_line) + 1
            if (
                self.head is not None
                and end == self._end
                and os.pread(descriptor, tail, end - tail) == self._last_line + b"\n"
            ):
                head = self.head  # still where this run left it
            else:
                with os.fdopen(os.dup(descriptor), "rb") as handle:
                    head = self._checked_head(handle)
            self._write(descriptor, end, head, entries, sync, anchor)
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _write(
        self,
        descriptor: int,
        end: int,
        head: JournalHead,
        entries: list[dict[str, Any]],
        sync: bool,
        anchor: bool | None,
    ) -> None:
        """Append `entries`, each chained to the one before, the first to `head` (the journal
        locked, ending at `end`)."""
        lines = []
        last, count = head.last, head.entries
        line = b""
        for entry in entries:
            entry["prev"] = last
            line = _ENCODER.encode(entry).encode("utf-8")
            lines.append(line)
            last, count = line_hash(line), count + 1
        if not lines:
            return
        data = b"\n".join(lines) + b"\n"
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        self.head = JournalHead(count, last)
        self._end = end + len(data)
        self._last_line = line
        if sync:
            os.fsync(descriptor)
            moment = time.monotonic()
            if anchor or (anchor is None and moment - self._anchored_at >= ANCHOR_EVERY):
                _write_anchor(self.path, self.head)
                self._anchored = self.head
                self._anchored_at = moment

    @contextmanager
    def _locked(self) -> Iterator[tuple[IO[bytes], JournalHead]]:
        """The journal opened for reading its end and appending, locked against other mend
        processes (two appends never chain to the same line), with the head it ends at."""
        # A symlink at the journal's path is followed: MEND_JOURNAL is the operator's choice and
        # the default folder is theirs alone (0700). Reports and runbooks are another matter.
        flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
        if self._kept is None:
            if not self.path.exists() and anchor_path(self.path).exists():
                raise self._changed("is gone, but its anchor `{anchor}` is still there")
            flags |= os.O_CREAT  # the journal's first write ever, or this run's first
        try:
            descriptor = os.open(self.path, flags, PRIVATE)
        except FileNotFoundError:
            raise self._changed("was deleted") from None
        with os.fdopen(descriptor, "a+b") as handle:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                info = os.fstat(descriptor)
                if self._kept is not None:
                    kept = os.fstat(self._kept)
                    if (kept.st_dev, kept.st_ino) != (info.st_dev, info.st_ino):
                        raise self._changed("was replaced by another file")
                if info.st_mode & 0o077:
                    os.fchmod(descriptor, PRIVATE)  # written by an older mend: readable by all
                yield handle, self._checked_head(handle)
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _checked_head(self, handle: IO[bytes]) -> JournalHead:
        """The head the next entry chains to, once the file is found to end where its anchor
        says; MendError (M4003) if it does not."""
        last = _last_hash(handle)
        if self.head is not None and self.head.last == last:
            # This run wrote the last line (under the lock since): its count is known, even
            # past an anchor its progress notes did not move.
            return self.head
        try:
            anchor = read_anchor(self.path)
        except (ValueError, UnicodeDecodeError):
            raise self._changed("has an anchor `{anchor}` mend did not write") from None
        if anchor is not None and anchor.last == last:
            return anchor
        if anchor is None and last == GENESIS:
            return JournalHead(0, GENESIS)
        if anchor is None and self._kept is not None:
            raise self._changed("lost its anchor `{anchor}`")
        handle.seek(0)
        hashes = _entry_hashes(handle.read())
        head = JournalHead(len(hashes), last)
        if anchor is None:
            return head  # written before anchors existed: anchored from now on
        if len(hashes) > anchor.entries and (
            anchor.entries == 0 or hashes[anchor.entries - 1][1] == anchor.last
        ):
            return head  # lines after the anchor: a mend stopped between its two writes
        removed = (
            f"{anchor.entries - head.entries} of its last entries were removed"
            if head.entries < anchor.entries
            else "an entry was edited"
        )
        raise self._changed(
            f"does not end where mend left it: its anchor `{{anchor}}` records {anchor.entries} "
            f"entries, the file holds {head.entries} ({removed})"
        )

    def _changed(self, what: str) -> MendError:
        during = " during this run" if self._kept is not None else ""
        return MendError(
            M4003,
            f"The journal `{self.path}` {what.format(anchor=anchor_path(self.path))}{during}; "
            "mend does not write to a database while its record of what it did has been "
            "changed, nor starts a new journal in its place.",
            "`mend journal --verify` shows what changed. Restore the journal from a backup, or "
            "keep it as evidence and move it and its `.head` anchor aside to start a new one.",
        )


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
    """Where the journal does not hold: a line edited, removed, inserted or unreadable, or its
    end not where its anchor (or a head recorded elsewhere) says. Line 0: the whole file."""

    line: int  # 1-based; 0 when the problem is the file or its end, not one line
    reason: str


@dataclass(frozen=True)
class JournalCheck:
    path: Path
    entries: int
    unchained: int  # entries written before the chain existed (no `prev`), at the start
    breaks: tuple[JournalBreak, ...]
    head: JournalHead = JournalHead(0, GENESIS)  # where the file ends now
    anchor: JournalHead | None = None  # the head recorded beside it
    after_anchor: int = 0  # entries after the anchor's head (see `verify_journal`)
    exists: bool = True

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_journal(path: Path, expected: JournalHead | None = None) -> JournalCheck:
    """Check every entry's `prev` against the line before it, and the file's end against its
    anchor and `expected` (a head recorded elsewhere, e.g. in a report): the chain alone cannot
    show that lines were removed from its end, nor an edit whose chain was recomputed after it.

    Entries after a head are counted, not broken: after an anchor, a mend killed between
    writing a line and its anchor leaves one (nothing tells it from a line appended by hand);
    after a head recorded elsewhere, they are the entries written since."""
    anchor_file = anchor_path(path)
    breaks: list[JournalBreak] = []
    try:
        anchor = read_anchor(path)
    except (ValueError, UnicodeDecodeError) as exc:
        anchor = None
        breaks.append(JournalBreak(0, f"its anchor `{anchor_file}` is not one mend wrote ({exc})"))
    heads = [(h, who) for h, who in ((anchor, "its anchor"), (expected, "the head given")) if h]
    if not path.exists():
        for reference, who in heads:
            breaks.append(
                JournalBreak(0, f"the file is gone, but {who} records {reference.entries} entries")
            )
        return JournalCheck(path, 0, 0, tuple(breaks), anchor=anchor, exists=False)
    data = path.read_bytes()
    check = _chain(path, data)
    hashes = _entry_hashes(data)
    head = JournalHead(len(hashes), hashes[-1][1] if hashes else GENESIS)
    breaks += check.breaks
    if anchor is None and expected is None and hashes and not any(b.line == 0 for b in breaks):
        breaks.append(
            JournalBreak(
                0,
                f"it has no anchor `{anchor_file}`: its chain holds line to line, but lines "
                "removed from its end, or an edit followed by a recomputed chain, would not show "
                "(a copy is checked against the head its report records: --head)",
            )
        )
    after = 0
    for reference, who in heads:
        if head.entries < reference.entries:
            missing = reference.entries - head.entries
            what = "the file was emptied" if not hashes else f"its last {missing} were removed"
            breaks.append(
                JournalBreak(
                    0,
                    f"{who} records {reference.entries} entries and the file holds "
                    f"{head.entries}: {what}",
                )
            )
            continue
        line, found = hashes[reference.entries - 1] if reference.entries else (0, GENESIS)
        if not found.startswith(reference.last):
            breaks.append(
                JournalBreak(
                    line,
                    f"not the entry {who} records as entry {reference.entries}: it or a line "
                    "before it was edited (and the chain recomputed, if no line before is named)",
                )
            )
        elif who == "its anchor":
            after = head.entries - reference.entries
    return JournalCheck(path, check.entries, check.unchained, tuple(breaks), head, anchor, after)


def _chain(path: Path, data: bytes) -> JournalCheck:
    """Every entry's `prev` checked against the line before it."""
    previous = GENESIS
    breaks: list[JournalBreak] = []
    entries = unchained = 0
    chained = False
    for number, line in enumerate(data.splitlines(), start=1):
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
    if value is None or isinstance(value, int | float):  # the common case, checked cheaply
        return value
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
