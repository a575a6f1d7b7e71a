"""Find a project's pieces the way Prisma does: the config file (Prisma 7), schema.prisma (a file
or a folder of .prisma files), .env files, the database URL and the migrations folder."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mend_core.dialects import family_of_provider, same_database_family
from mend_core.errors import M1001, M1005, M1006, M1008, M1010, MendError
from mend_core.project.config_file import find_config_file
from mend_core.project.target import DatabaseTarget, parse_url

if TYPE_CHECKING:
    from mend_core.project.prisma_config import ConfigValue, Evaluated, PrismaConfig

SCHEMA_CANDIDATES = ("prisma/schema.prisma", "schema.prisma")

_DATASOURCE = re.compile(r"datasource\s+\w+\s*\{(?P<body>[^}]*)\}", re.S)
_ASSIGN = re.compile(
    r"^\s*(?P<key>\w+)\s*=\s*(?:env\(\s*\"(?P<env>[^\"]+)\"\s*\)|\"(?P<literal>(?:[^\"\\]|\\.)*)\")",
    re.M,
)
# A string literal (kept) or a `//` comment (removed): `//` inside "postgresql://..." is not one.
_STRING_OR_COMMENT = re.compile(r"(?P<string>\"(?:[^\"\\\n]|\\.)*\")|//[^\n]*")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Folders never searched for .prisma files of a multi-file schema.
_SKIPPED_FOLDERS = frozenset({"node_modules"})


@dataclass(frozen=True)
class SchemaValue:
    """A datasource setting: either a literal or the name of an environment variable."""

    env: str | None = None
    literal: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PrismaSchema:
    """The parts of schema.prisma's datasource block that mend needs."""

    path: Path  # the file with the datasource block (of a folder: else its first .prisma file)
    provider: str | None
    url: SchemaValue | None
    direct_url: SchemaValue | None
    shadow_database_url: SchemaValue | None
    folder: Path | None = None  # a multi-file schema: the folder named by --schema or the config

    @property
    def sets_url(self) -> bool:
        """Whether the datasource sets url or directUrl, which only Prisma 6 and older accept
        (Prisma 7 rejects them with P1012)."""
        return self.url is not None or self.direct_url is not None


@dataclass(frozen=True)
class Project:
    """Where things are: the working folder, the config and the schema (if any) and the
    migrations folder."""

    root: Path
    schema: PrismaSchema | None
    migrations_dir: Path
    env_files: tuple[Path, ...]
    config: PrismaConfig | None = None

    @property
    def provider(self) -> str | None:
        return self.schema.provider if self.schema else None

    @property
    def shadow_url(self) -> ConfigValue | SchemaValue | None:
        """The shadow database URL as written: the config's `datasource.shadowDatabaseUrl`, else
        schema.prisma's `shadowDatabaseUrl` (see `resolve_shadow_target`)."""
        if self.config is not None and self.config.shadow_database_url is not None:
            return self.config.shadow_database_url
        return self.schema.shadow_database_url if self.schema else None


@dataclass(frozen=True)
class ResolvedTarget:
    """The database to use and a description of where its URL came from."""

    target: DatabaseTarget
    source: str


# --- Reading project files -------------------------------------------------------------------


def read_project_file(path: Path, shown: str | None = None) -> str:
    """A project file's text; a file that cannot be read or is not UTF-8 is an M1010."""
    shown = shown or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MendError(
            M1010,
            f"{shown} cannot be read: {error.strerror or error}.",
            "Check that the file is readable by this user.",
        ) from None
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(path, shown, data, start + error.start) from None


def _not_utf8(path: Path, shown: str, data: bytes, offset: int) -> MendError:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    why = ""
    if data.startswith(_UTF16_BOMS):
        why = (
            " It starts with a UTF-16 byte-order mark: it was saved as UTF-16 (as PowerShell's "
            "`>` does)."
        )
    return MendError(
        M1010,
        f"{shown} is not UTF-8: the byte 0x{data[offset]:02x} at line {line}, column {column} "
        f"is not valid UTF-8.{why}",
        f"Re-save {path.name} as UTF-8 (in most editors: Save with Encoding, UTF-8)"
        + (", or pass --url (mend then does not read .env)." if path.name == ".env" else "."),
    )


def read_schema(path: Path, *, root: Path | None = None) -> PrismaSchema:
    """The datasource block of one schema file (an M1010 if it is not UTF-8)."""
    text = read_project_file(path, _relative(path, root or Path.cwd().resolve()))
    return _schema(path, _datasource_values(text) or {})


def _schema(path: Path, values: dict[str, SchemaValue]) -> PrismaSchema:
    provider = values.get("provider")
    return PrismaSchema(
        path=path,
        provider=provider.literal if provider else None,
        url=values.get("url"),
        direct_url=values.get("directUrl"),
        shadow_database_url=values.get("shadowDatabaseUrl"),
    )


def _datasource_values(text: str) -> dict[str, SchemaValue] | None:
    """The settings of the datasource block, or None when the text has none."""
    text = _STRING_OR_COMMENT.sub(lambda m: m.group("string") or "", text)
    match = _DATASOURCE.search(text)
    if not match:
        return None
    return {
        item.group("key"): SchemaValue(env=item.group("env"), literal=item.group("literal"))
        for item in _ASSIGN.finditer(match.group("body"))
    }


def _read_schema_folder(folder: Path, root: Path, origin: str) -> PrismaSchema:
    """A multi-file schema: the datasource block from whichever .prisma file holds it."""
    files = list(_prisma_files(folder))
    if not files:
        raise MendError(
            M1008,
            f"The schema folder {_relative(folder, root)} (from {origin}) contains no .prisma "
            "files.",
            "Name the schema file or the folder that holds the .prisma files.",
        )
    for path in files:
        values = _datasource_values(read_project_file(path, _relative(path, root)))
        if values is not None:
            return replace(_schema(path, values), folder=folder)
    return PrismaSchema(files[0], None, None, None, None, folder=folder)


def _prisma_files(folder: Path) -> Iterator[Path]:
    for current, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in _SKIPPED_FOLDERS)
        for name in sorted(files):
            if name.endswith(".prisma"):
                yield Path(current) / name


def _load_config(root: Path) -> PrismaConfig | None:
    path = find_config_file(root)
    if path is None:
        return None
    # deferred: the config reader (13 ms of imports) only when the project has a config file
    from mend_core.project.prisma_config import parse_config

    shown = _relative(path, root)
    return parse_config(read_project_file(path, shown), path, shown)


class _LazyEnvFile(Mapping[str, str]):
    """One .env file's variables, read on first use: most configs never need them."""

    def __init__(self, path: Path, root: Path) -> None:
        self._path = path
        self._root = root
        self._values: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._values is None:
            found = self._path.is_file()
            self._values = _read_env_file(self._path, self._root) if found else {}
        return self._values

    def __getitem__(self, key: str) -> str:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _read_env_file(path: Path, root: Path) -> dict[str, str]:
    # deferred: python-dotenv (~15 ms) only when a .env file is read
    from dotenv import dotenv_values

    text = read_project_file(path, _relative(path, root))
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


# --- Finding the project ---------------------------------------------------------------------


def find_project(
    root: Path | None = None,
    *,
    schema_path: Path | None = None,
    migrations_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Project:
    """Locate the config, the schema and the migrations folder under `root` (default: cwd).

    As Prisma 7: `--schema` before the config's `schema` before prisma/schema.prisma and
    schema.prisma; `--migrations-dir` before the config's `migrations.path` before migrations/
    beside the schema. Paths given here are relative to `root`; the config's to its folder.
    `environ` (default: os.environ) is for config paths written with env() or process.env."""
    root = (root or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    config = _load_config(root)
    dotenv = _LazyEnvFile(root / ".env", root)  # `import 'dotenv/config'` reads the cwd's .env
    schema = _find_schema(root, schema_path, config, environ, dotenv)
    migrations = _find_migrations_dir(root, migrations_dir, config, schema, environ, dotenv)
    env_files = [root / ".env"]
    if schema and schema.path.parent.resolve() != root:
        env_files.append(schema.path.parent / ".env")
    return Project(
        root=root,
        schema=schema,
        migrations_dir=migrations,
        env_files=tuple(p for p in env_files if p.is_file()),
        config=config,
    )


def _find_schema(
    root: Path,
    given: Path | None,
    config: PrismaConfig | None,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
) -> PrismaSchema | None:
    if given is not None:
        location = _under(root, given)
        if not location.exists():
            raise MendError(
                M1008,
                f"The schema given with --schema, {given}, does not exist (looked for {location}).",
                f"Check the path; it is relative to the current folder ({root}). Without "
                "--schema, mend reads the schema named in prisma.config.ts, else "
                "prisma/schema.prisma.",
            )
        return _read_schema_at(location, root, "--schema")
    if config is not None and config.schema is not None:
        named = config.schema.evaluate_path(environ, dotenv)
        if named is not None:
            if not named.exists():
                raise MendError(
                    M1008,
                    f"{config.where} (line {config.schema.line}) names the schema "
                    f"{_relative(named, root)}, which does not exist.",
                    f"Fix `schema` in {config.where} (it is relative to the config's folder), "
                    "or pass --schema.",
                )
            return _read_schema_at(named, root, f"{config.where} schema")
    for candidate in SCHEMA_CANDIDATES:
        if (root / candidate).is_file():
            return read_schema(root / candidate, root=root)
    return None


def _read_schema_at(location: Path, root: Path, origin: str) -> PrismaSchema:
    if location.is_dir():
        return _read_schema_folder(location, root, origin)
    return read_schema(location, root=root)


def _find_migrations_dir(
    root: Path,
    given: Path | None,
    config: PrismaConfig | None,
    schema: PrismaSchema | None,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
) -> Path:
    if given is not None:
        path = _under(root, given)
        if not path.is_dir():
            what = "is a file, not a folder" if path.exists() else "does not exist"
            raise MendError(
                M1008,
                f"The migrations folder given with --migrations-dir, {given}, {what} (looked "
                f"for {path}).",
                f"Pass the folder that holds the migration folders and migration_lock.toml; "
                f"it is relative to the current folder ({root}). Without --migrations-dir, mend "
                "uses migrations.path from prisma.config.ts, else migrations/ beside the schema.",
            )
        return path
    if config is not None and config.migrations_path is not None:
        path_from_config = config.migrations_path.evaluate_path(environ, dotenv)
        if path_from_config is not None:
            # Absent is fine (a new project, as the default); a file in its place is not.
            if path_from_config.exists() and not path_from_config.is_dir():
                raise MendError(
                    M1008,
                    f"{config.where} (line {config.migrations_path.line}) names the migrations "
                    f"folder {_relative(path_from_config, root)}, which is a file.",
                    f"Fix `migrations.path` in {config.where}, or pass --migrations-dir.",
                )
            return path_from_config
    return _default_migrations_dir(schema, root)


def _default_migrations_dir(schema: PrismaSchema | None, root: Path) -> Path:
    if schema is None:
        return root / "prisma" / "migrations"
    if schema.folder is None or schema.sets_url:
        # One file: beside it. A folder on Prisma 6 (url in the schema): beside the file with
        # the datasource block.
        return schema.path.parent / "migrations"
    # A folder on Prisma 7: inside it (inferDirectoryConfig uses schemaRootDir).
    return schema.folder / "migrations"


def _under(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path


def load_env_files(project: Project) -> dict[str, str]:
    """Variables from the project's .env files (root first); the process environment wins."""
    merged: dict[str, str] = {}
    for env_file in project.env_files:
        for key, value in _read_env_file(env_file, project.root).items():
            merged.setdefault(key, value)
    return merged


# --- The database URL ------------------------------------------------------------------------


def resolve_target(
    project: Project,
    *,
    url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ResolvedTarget:
    """Pick the database URL: `url`, else DATABASE_URL (environment, then .env), else the config's
    `datasource.url`, else the datasource in schema.prisma (`directUrl` before `url`, as Prisma
    Migrate does)."""
    environ = os.environ if environ is None else environ
    if url is not None:
        resolved = ResolvedTarget(parse_url(url, base_dir=project.root), "--url")
        return _checked(resolved, project)
    dotenv = load_env_files(project)
    base = _database_url_base(project)
    if environ.get("DATABASE_URL"):
        target = parse_url(environ["DATABASE_URL"], base_dir=base)
        return _checked(ResolvedTarget(target, "DATABASE_URL (environment)"), project)
    if dotenv.get("DATABASE_URL"):
        target = parse_url(dotenv["DATABASE_URL"], base_dir=base)
        return _checked(ResolvedTarget(target, "DATABASE_URL (.env)"), project)
    config = project.config
    from_config = None
    if config is not None and config.url is not None:
        from_config = config.url.evaluate(environ, dotenv)
        if from_config.value:
            resolved = _from_config_value(from_config, config, "datasource.url")
            return _checked(resolved, project)
    schema = project.schema
    if schema is not None:
        for key, value in (("directUrl", schema.direct_url), ("url", schema.url)):
            if value is not None:
                return _checked(_from_schema(schema, key, value, project, environ, dotenv), project)
    raise _no_url(project, from_config, dotenv)


def _database_url_base(project: Project) -> Path:
    """What a relative `file:` URL in DATABASE_URL is relative to: the config's folder when the
    config carries the URL (Prisma 7), else the schema's folder (Prisma 6)."""
    config, schema = project.config, project.schema
    if config is not None and not (schema is not None and schema.sets_url):
        return config.folder
    return schema.path.parent if schema else project.root


def _from_config_value(evaluated: Evaluated, config: PrismaConfig, key: str) -> ResolvedTarget:
    # Prisma 7 resolves a relative `file:` URL from the config against the config's folder.
    assert evaluated.value is not None
    target = parse_url(evaluated.value, base_dir=config.folder)
    if evaluated.variable is not None:
        return ResolvedTarget(target, f"{evaluated.variable} ({config.where} {key})")
    return ResolvedTarget(target, f"{config.where} ({key})")


def _from_schema(
    schema: PrismaSchema,
    key: str,
    value: SchemaValue,
    project: Project,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    option: str = "--url",
) -> ResolvedTarget:
    where = _relative(schema.path, project.root)
    schema_dir = schema.path.parent
    if value.literal is not None:
        return ResolvedTarget(parse_url(value.literal, base_dir=schema_dir), f"{where} ({key})")
    assert value.env is not None
    raw = environ.get(value.env) or dotenv.get(value.env)
    if not raw:
        raise MendError(
            M1005,
            f"{where} takes its {key} from the environment variable `{value.env}`, "
            "which is not set in the environment or in a .env file.",
            f"Set {value.env}, add it to .env, or pass {option}.",
        )
    target = parse_url(raw, base_dir=schema_dir)
    return ResolvedTarget(target, f"{value.env} ({where} {key})")


def _no_url(
    project: Project, from_config: Evaluated | None, dotenv: Mapping[str, str]
) -> MendError:
    missing = ["no --url", "no DATABASE_URL in the environment or in a .env file"]
    config = project.config
    if config is not None and config.url is None:
        missing.append(f"no datasource.url in {config.where}")
    elif config is not None:
        unset = from_config.unset if from_config else ()
        why = f" ({', '.join(unset)} not set)" if unset else ""
        in_dotenv = [name for name in unset if name in dotenv]
        if in_dotenv and not config.reads_dotenv:
            why = (
                f" ({', '.join(unset)} not set in the environment; .env sets {in_dotenv[0]}, but "
                f"{config.where} does not `import 'dotenv/config'`, so Prisma 7 would not see it "
                "either)"
            )
        missing.append(f"an empty datasource.url in {config.where}{why}")
    schema = project.schema
    where = _relative(schema.path, project.root) if schema else "prisma/schema.prisma"
    missing.append(f"no datasource url in {where}")
    return MendError(
        M1001,
        "No database URL is configured: there is " + ", ".join(missing[:-1]) + ", and "
        f"{missing[-1]}.",
        "Pass --url postgresql://user@host:5432/db (or mysql://..., file:./dev.db), "
        "or set DATABASE_URL.",
    )


def resolve_shadow_target(
    project: Project, *, environ: Mapping[str, str] | None = None
) -> ResolvedTarget | None:
    """The shadow database configured for the project (`project.shadow_url`), or None when it
    names none or the config's value is empty; an unset variable is an M1005, as for the URL."""
    environ = os.environ if environ is None else environ
    value = project.shadow_url
    if value is None:
        return None
    dotenv = load_env_files(project)
    if isinstance(value, SchemaValue):
        assert project.schema is not None
        key = "shadowDatabaseUrl"
        return _from_schema(project.schema, key, value, project, environ, dotenv, "--shadow-url")
    evaluated = value.evaluate(environ, dotenv)
    if not evaluated.value or project.config is None:
        return None
    return _from_config_value(evaluated, project.config, "datasource.shadowDatabaseUrl")


def _checked(resolved: ResolvedTarget, project: Project) -> ResolvedTarget:
    provider = project.provider
    dialect = resolved.target.dialect
    family = family_of_provider(provider) if provider else None
    if family is not None and not same_database_family(family, dialect):
        raise MendError(
            M1006,
            f"The database URL from {resolved.source} is a {dialect} URL, but the datasource "
            f"provider in {project.schema.path.name if project.schema else 'the schema'} is "
            f"`{provider}`.",
            "Point --url or DATABASE_URL at a database of the schema's provider.",
        )
    return resolved


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
