"""`mend.toml`: the inventory of databases a hotfix is reconciled on (the seed's step 4).

    [targets.production]
    url = "env:PROD_DATABASE_URL"

URLs come only from the environment or the project's .env (`env:NAME`): a file in version
control must never hold a password, so a literal URL is refused, and a file that holds a URL
with a password anywhere (a comment included) is refused without showing it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mend_core.dialects import same_database_family
from mend_core.errors import M8005, M8006, M8007, MendError
from mend_core.project.discovery import Project, load_env_files
from mend_core.project.target import DatabaseTarget, parse_url

INVENTORY_FILE = "mend.toml"
_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
# `scheme://user:password@`: a password in the file, whatever key or comment holds it.
_URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@\"']*:[^\s@\"']+@")
_KNOWN_KEYS = frozenset({"url", "description"})
_EXAMPLE = '[targets.production]\nurl = "env:PROD_DATABASE_URL"'


@dataclass(frozen=True)
class TargetEntry:
    """A target as the file names it: its name and the variable that holds its URL."""

    name: str
    variable: str
    description: str = ""


@dataclass(frozen=True)
class Inventory:
    path: Path
    entries: tuple[TargetEntry, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries)

    def entry(self, name: str) -> TargetEntry | None:
        return next((e for e in self.entries if e.name == name), None)


@dataclass(frozen=True)
class Target:
    """A database of the inventory, its URL resolved (never shown with the password)."""

    name: str
    database: DatabaseTarget
    source: str  # `PROD_DATABASE_URL (environment)`

    def label(self) -> str:
        return f"{self.name} ({self.database.label()})"

    def display(self) -> str:
        return self.database.display()


def inventory_path(root: Path) -> Path:
    return root / INVENTORY_FILE


def load_inventory(root: Path) -> Inventory | None:
    """The inventory at the project root, checked; None when there is no mend.toml."""
    path = inventory_path(root)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _invalid(path, f"it cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(path, "it is not UTF-8") from None
    leaked = _URL_WITH_PASSWORD.search(text)
    if leaked is not None:
        line = text.count("\n", 0, leaked.start()) + 1
        raise MendError(
            M8005,
            f"{path.name} holds a database URL with a password (line {line}; not shown here). "
            "mend.toml is meant for version control: a password must never be in it, not "
            "even in a comment.",
            "Remove it (and change that password: it may have been committed), then name the "
            'URL through the environment: url = "env:PROD_DATABASE_URL", with the variable '
            "set in the environment or in .env.",
        )
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Its message names a line and column, never the text itself.
        raise _invalid(path, f"it is not valid TOML ({error})") from None
    return Inventory(path, tuple(_entries(path, parsed)))


def _entries(path: Path, parsed: Mapping[str, object]) -> list[TargetEntry]:
    targets = parsed.get("targets", {})
    if not isinstance(targets, dict):
        raise _invalid(path, "`targets` is not a table of [targets.NAME] sections")
    entries = []
    for name, body in targets.items():
        if not isinstance(body, dict):
            raise _invalid(path, f"`targets.{name}` is not a [targets.{name}] section")
        unknown = sorted(set(body) - _KNOWN_KEYS)
        if unknown:
            raise _invalid(path, f"[targets.{name}] has unknown key(s) {', '.join(unknown)}")
        url = body.get("url")
        if url is None or url == "":
            raise MendError(
                M8005,
                f"The target `{name}` in {path.name} has no URL.",
                f'Add url = "env:VARIABLE" to [targets.{name}], for example:\n{_EXAMPLE}',
            )
        found = _ENV.match(url) if isinstance(url, str) else None
        if found is None:
            raise MendError(
                M8005,
                f"The target `{name}` in {path.name} gives its URL literally (not shown: it may "
                "hold a password). mend.toml names URLs only through the environment.",
                f'Write url = "env:VARIABLE" and set VARIABLE in the environment or in .env, '
                f"for example:\n{_EXAMPLE}",
            )
        description = body.get("description", "")
        entries.append(TargetEntry(name, found.group(1), str(description)))
    return entries


def choose_targets(
    project: Project,
    spec: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[Target, ...]:
    """`all` or `a,b`: the targets, their URLs resolved from the environment, then .env.
    M8007 for a name the inventory lacks (or no inventory), M8006 for an unset variable."""
    inventory = load_inventory(project.root)
    names = _names(spec)
    if inventory is None:
        raise MendError(
            M8007,
            f"--targets names {', '.join(names) or 'all'}, but there is no {INVENTORY_FILE} in "
            f"{project.root}: no target is defined.",
            f"Create {INVENTORY_FILE} at the project root with one section per database:\n"
            f"{_EXAMPLE}",
        )
    if names == ["all"]:
        if not inventory.entries:
            raise MendError(
                M8007,
                f"--targets all, but {inventory.path.name} defines no target.",
                f"Add a section per database:\n{_EXAMPLE}",
            )
        entries: Sequence[TargetEntry] = inventory.entries
    else:
        unknown = [n for n in names if inventory.entry(n) is None]
        if unknown or not names:
            known = ", ".join(inventory.names) or "none"
            raise MendError(
                M8007,
                f"No target named {', '.join(f'`{n}`' for n in unknown) or '(empty)'} in "
                f"{inventory.path.name} (targets: {known}).",
                "Pass --targets all, or names from that list separated by commas.",
            )
        entries = [e for n in dict.fromkeys(names) if (e := inventory.entry(n)) is not None]
    environ = os.environ if environ is None else environ
    dotenv = load_env_files(project)
    return tuple(_resolve(entry, project, environ, dotenv) for entry in entries)


def _names(spec: str) -> list[str]:
    return [n.strip() for n in spec.split(",") if n.strip()]


def _resolve(
    entry: TargetEntry, project: Project, environ: Mapping[str, str], dotenv: Mapping[str, str]
) -> Target:
    if environ.get(entry.variable):
        raw, where = environ[entry.variable], "environment"
    elif dotenv.get(entry.variable):
        raw, where = dotenv[entry.variable], ".env"
    else:
        raise MendError(
            M8006,
            f"The target `{entry.name}` takes its URL from the environment variable "
            f"`{entry.variable}`, which is not set in the environment or in a .env file.",
            f"Set {entry.variable} (export {entry.variable}=postgresql://...), or leave "
            f"`{entry.name}` out of --targets.",
        )
    database = parse_url(raw, base_dir=project.root)
    return Target(entry.name, database, f"{entry.variable} ({where})")


def same_database(left: DatabaseTarget, right: DatabaseTarget) -> bool:
    """Whether two URLs name one database: the database being repaired is recognised among
    the targets this way, so that it is never marked twice."""
    if not same_database_family(left.dialect, right.dialect):
        return False
    if left.path is not None or left.memory:  # an embedded database: its file
        if left.memory or right.memory or left.path is None or right.path is None:
            return False
        return os.path.realpath(left.path) == os.path.realpath(right.path)
    return (
        _host(left) == _host(right)
        and left.port == right.port
        and left.database == right.database
        and (left.schema or "public") == (right.schema or "public")
    )


def _host(target: DatabaseTarget) -> str:
    host = (target.host or target.socket or "localhost").lower()
    return "localhost" if host in ("localhost", "127.0.0.1", "::1") else host


def _invalid(path: Path, why: str) -> MendError:
    return MendError(
        M8005,
        f"{path.name} cannot be used: {why}.",
        f"Each target is a section with a URL taken from the environment:\n{_EXAMPLE}",
    )
