"""Files that hold incident data (the journal, reports, runbooks): readable by their owner only,
and never written through a link someone else planted.

A report or runbook carries production values from the diagnostics, so it is created 0600 and
exclusively (`O_EXCL`: an existing name, a planted symlink included, is never opened). A file the
operator names with `-o` may exist and is then overwritten, but a symlink or a file with other
hard links is refused: the write would land somewhere the operator did not name.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from mend_core.errors import M1011, MendError

PRIVATE = 0o600
PRIVATE_FOLDER = 0o700
# Not following a final symlink; O_CLOEXEC so that an editor or client mend starts never
# inherits the descriptor.
_FLAGS = os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC


def private_folder(path: Path) -> None:
    """Create `path` (and its parents) if missing; a folder mend creates is 0700. An existing
    folder is left as it is: it may be the operator's own."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)


def create_private(path: Path, data: bytes) -> None:
    """Write `data` to a new file at `path`, 0600; FileExistsError when the name is taken (a
    file, a folder or a symlink, dangling or not)."""
    descriptor = os.open(path, _FLAGS | os.O_CREAT | os.O_EXCL, PRIVATE)
    try:
        _write_all(descriptor, data)
    except BaseException:
        os.close(descriptor)
        path.unlink(missing_ok=True)
        raise
    os.close(descriptor)


def create_private_unique(folder: Path, stem: str, suffix: str, data: bytes) -> Path:
    """`data` in a new 0600 file `folder/stem+suffix`, or `stem-2+suffix`, ... when that name is
    taken: an existing file (or a link planted at the predictable name) is never opened."""
    for number in range(1, 100):
        path = folder / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
        try:
            create_private(path, data)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{folder / stem}{suffix} and 98 other names are taken")


def write_named_file(path: Path, data: bytes) -> None:
    """Write `data` to the file the operator named (`-o FILE`): created 0600 if new; an existing
    regular file is overwritten and keeps its mode (the operator chose it). A symlink, a file
    with other hard links or anything but a regular file is refused with OSError."""
    try:
        descriptor = os.open(path, _FLAGS | os.O_CREAT | os.O_NONBLOCK, PRIVATE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(
                exc.errno, "it is a symbolic link, which mend does not write through"
            ) from None
        raise
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "it is not a regular file")
        if info.st_nlink > 1:
            raise OSError(errno.EMLINK, f"it has {info.st_nlink - 1} other hard link(s)")
        os.ftruncate(descriptor, 0)
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)


def write_output(path: Path, text: str) -> None:
    """`text` to the file named by `-o`, as `write_named_file`; M1011 when it cannot be."""
    try:
        write_named_file(path, text.encode("utf-8"))
    except OSError as exc:
        raise MendError(
            M1011,
            f"`{path}` cannot be written: {exc.strerror or exc}.",
            "Name a regular file in a folder you can write, or leave out `-o` to print to "
            "standard output.",
        ) from None


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
    os.fsync(descriptor)
