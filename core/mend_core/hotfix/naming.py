"""The Name step: the new migration's folder, named as Prisma names them.

`YYYYMMDDHHMMSS_slug`, UTC, the name slugified as Prisma does. The folder must sort after every
existing one (deploy applies migrations in name order, and a hotfix recorded before an older
migration would confuse every later reader), so when a folder already sorts after the clock,
the timestamp is bumped past it. Nothing is written here; an unwritable folder is refused now,
before anything connects.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mend_core.errors import M2006, M8003, M8004, M8009, P3010, MendError
from mend_core.history.folder import MAX_NAME_LENGTH, folder_name, slugify
from mend_core.history.timestamps import now
from mend_core.hotfix.grouping import DriftItem

_STAMP = re.compile(r"^(\d{14})_")
DEFAULT_NAME = "hotfix"


@dataclass(frozen=True)
class MigrationName:
    """Where the migration will be written."""

    folder: str  # `20240104000000_add_user_name_index`
    path: Path  # the folder, inside the migrations folder
    bumped_past: str | None = None  # the existing folder the timestamp was moved after

    @property
    def script_path(self) -> Path:
        return self.path / "migration.sql"


def default_name(items: Sequence[DriftItem]) -> str:
    """`hotfix_index_user_name_idx` for one item, `hotfix` for several."""
    if len(items) == 1:
        item = items[0]
        words = "unique" if item.kind == "unique" else item.kind
        return f"{DEFAULT_NAME} {words} {item.name}"
    return DEFAULT_NAME


def name_migration(
    migrations_dir: Path,
    name: str | None,
    items: Sequence[DriftItem] = (),
    moment: datetime | None = None,
) -> MigrationName:
    """The folder for `name` (default: from the items). M8003 when the name slugifies to
    nothing, P3010 when too long, M8004 when the folder cannot be written, M2006 if taken."""
    given = check_name(default_name(items) if name is None else name)
    writable(migrations_dir)
    moment = moment or now()
    folder = folder_name(given, moment)
    existing = _folders(migrations_dir)
    latest = max((n for n in existing if _STAMP.match(n)), default=None)
    bumped_past = None
    if latest is not None and latest >= folder:
        stamp = latest[:14]
        after = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        folder = folder_name(given, after + timedelta(seconds=1))
        bumped_past = latest
    if len(folder) > MAX_NAME_LENGTH:
        raise MendError(
            P3010,
            f"The name of the migration is too long. It must not be longer than "
            f"{MAX_NAME_LENGTH} characters (bytes).",
            "Choose a shorter --name.",
        )
    _nothing_after(existing, folder)
    path = migrations_dir / folder
    if path.exists():
        raise MendError(
            M2006,
            f"A migration folder `{folder}` already exists; mend never overwrites one.",
            "Choose another --name, or wait a second and try again.",
        )
    return MigrationName(folder, path, bumped_past)


def check_name(name: str) -> str:
    """The name as given; M8003 when Prisma's slug of it is empty."""
    if slugify(name):
        return name
    shown = name.encode("unicode_escape").decode("ascii")
    raise MendError(
        M8003,
        f"The migration name `{shown}` is empty once made a folder name: Prisma keeps only "
        "ASCII letters, digits and `_` (every other run of characters becomes one `_`, "
        "trimmed at both ends).",
        'Pass --name with some letters or digits, for example --name "add user name index".',
    )


def writable(migrations_dir: Path) -> None:
    """M8004 unless a folder can be created in `migrations_dir` (or it can be created)."""
    probe = migrations_dir
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
        return
    what = "is not a folder" if probe.exists() and not probe.is_dir() else "is not writable"
    raise MendError(
        M8004,
        f"The migrations folder {migrations_dir} cannot be written: {probe} {what}. The hotfix "
        "migration must be written there before it is recorded; nothing was written.",
        "Run mend as a user who may write the migrations folder (or fix its permissions), or "
        "pass --migrations-dir.",
    )


def _nothing_after(existing: Sequence[str], folder: str) -> None:
    """M8009 when a folder not named by time (`3_unique`) sorts after `folder`: no timestamp
    passes it, and Prisma applies folders in name order: the hotfix would replay before it, and
    a fresh database (a shadow, `prisma migrate reset`) would fail on it."""
    later = sorted(name for name in existing if name > folder)
    if later:
        raise MendError(
            M8009,
            f"The migration folder `{later[-1]}` sorts after `{folder}`: Prisma applies the "
            "folders in name order, so the hotfix would come before it, and replaying the "
            "history on a fresh database would fail. A folder named by time cannot sort after "
            "a name that starts with a higher digit or a letter; nothing was written.",
            "Record this hotfix by hand under a name that sorts last (for example "
            f"`{_after_name(later[-1])}`, its migration.sql from `mend drift --script`), then "
            "`mend resolve --applied` it; or rename the folders to Prisma's timestamped names.",
        )


def _after_name(last: str) -> str:
    """A folder name that sorts after `last`, in its own style where it has a number."""
    number, _, _ = last.partition("_")
    return f"{int(number) + 1}_hotfix" if number.isdigit() else f"{last}_hotfix"


def _folders(migrations_dir: Path) -> list[str]:
    """The names of the folders in `migrations_dir` (none if it does not exist yet). The
    timestamped one that sorts last is what a new folder's time is bumped past; `0_init` and
    the like cannot be passed by a timestamp, and Prisma's own folders are all timestamped."""
    try:
        with os.scandir(migrations_dir) as entries:
            return [e.name for e in entries if e.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return []
