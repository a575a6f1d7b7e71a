"""A cache of migration checksums keyed by each file's stat, so that `mend status` over
thousands of migrations stats the files instead of reading them all (as git's index does).

Only status uses it. Deploy and resolve hash the bytes they actually read, so what they record
can never come from a stale cache. A file modified within the last two seconds is not cached
(a change in the same timestamp tick could otherwise go unseen). Location:
$MEND_CACHE_DIR, else $XDG_CACHE_HOME/mend, else ~/.cache/mend; MEND_CACHE_DIR=off disables it.
The file is in marshal format (several times faster to load than JSON), one per Python version.

The cache stays bounded: one file per migrations folder (and Python version), of which the
MAX_FILES most recently used are kept (a file's mtime is its last use: loading one touches it),
each holding at most MAX_ENTRIES checksums (a larger folder has the others read every time).
Entries of migrations no longer in their folder are dropped when the folder is listed.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from contextlib import suppress
from pathlib import Path

_VERSION = 2
_SETTLE_NS = 2_000_000_000
MAX_FILES = 32
MAX_ENTRIES = 20_000  # ~3 MB of marshal; a project rarely has a thousand migrations
_STALE_TEMPORARY_NS = 3600 * 1_000_000_000  # a write that crashed an hour ago left it

StatKey = tuple[int, int, int, int]  # mtime_ns, ctime_ns, size, inode


def cache_dir() -> Path | None:
    explicit = os.environ.get("MEND_CACHE_DIR")
    if explicit == "off":
        return None
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mend"


def cache_path(directory: Path) -> Path | None:
    """Where the checksums of `directory`'s scripts are kept (None: caching is off)."""
    root = cache_dir()
    if root is None:
        return None
    key = hashlib.sha1(str(directory.resolve()).encode(), usedforsecurity=False).hexdigest()
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return root / "checksums" / f"{key}.{python}.marshal"


class ChecksumCache:
    """Checksums of one migrations folder's scripts, loaded once and saved if changed."""

    def __init__(self, directory: Path) -> None:
        self.path = cache_path(directory)
        self.entries: dict[str, tuple[StatKey, str]] = {}
        self.changed = False
        self._now_ns = time.time_ns()
        if self.path is not None:
            try:
                data = marshal.loads(self.path.read_bytes())
                if isinstance(data, dict) and data.get("version") == _VERSION:
                    self.entries = data["entries"]
            except (OSError, ValueError, EOFError, TypeError, KeyError):
                self.entries = {}
            if self.entries:
                with suppress(OSError):  # used now: the last to be pruned
                    os.utime(self.path)

    def get(self, name: str, key: StatKey) -> str | None:
        entry = self.entries.get(name)
        if entry is not None and entry[0] == key:
            return entry[1]
        return None

    def put(self, name: str, key: StatKey, digest: str) -> None:
        if self._now_ns - key[0] < _SETTLE_NS or self._now_ns - key[1] < _SETTLE_NS:
            return
        if len(self.entries) >= MAX_ENTRIES and name not in self.entries:
            return
        self.entries[name] = (key, digest)
        self.changed = True

    def keep_only(self, names: set[str]) -> None:
        stale = [name for name in self.entries if name not in names]
        for name in stale:
            del self.entries[name]
        self.changed = self.changed or bool(stale)

    def save(self) -> None:
        if not self.changed or self.path is None:
            return
        entries = self.entries
        if len(entries) > MAX_ENTRIES:  # a file written before the bound existed
            entries = dict(list(entries.items())[:MAX_ENTRIES])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(marshal.dumps({"version": _VERSION, "entries": entries}))
            os.replace(temporary, self.path)
        except OSError:
            return  # a cache that cannot be written only costs speed
        prune(self.path.parent, self._now_ns)


def prune(folder: Path, now_ns: int) -> None:
    """Keep the MAX_FILES most recently used cache files of `folder`, and remove temporary
    files a crashed write left behind. Run after a write, which is when files are added."""
    caches: list[tuple[int, str]] = []
    try:
        with os.scandir(folder) as found:
            for entry in found:
                if entry.name.endswith(".marshal"):
                    caches.append((entry.stat().st_mtime_ns, entry.path))
                elif (
                    entry.name.endswith(".tmp")
                    and now_ns - entry.stat().st_mtime_ns > _STALE_TEMPORARY_NS
                ):
                    _remove(entry.path)
    except OSError:
        return
    if len(caches) > MAX_FILES:
        caches.sort(reverse=True)
        for _, path in caches[MAX_FILES:]:
            _remove(path)


def _remove(path: str) -> None:
    with suppress(OSError):  # another mend may have removed it first
        os.remove(path)


def stat_key(result: os.stat_result) -> StatKey:
    return (result.st_mtime_ns, result.st_ctime_ns, result.st_size, result.st_ino)
