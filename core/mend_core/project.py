"""Find a project's pieces the way Prisma does: schema.prisma, .env files, the database URL and
the migrations folder."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mend_core.errors import M1001, M1005, M1006, MendError
from mend_core.target import DatabaseTarget, parse_url

SCHEMA_CANDIDATES = ("prisma/schema.prisma", "schema.prisma")

_DATASOURCE = re.compile(r"datasource\s+\w+\s*\{(?P<body>[^}]*)\}", re.S)
_ASSIGN = re.compile(
    r"^\s*(?P<key>\w+)\s*=\s*(?:env\(\s*\"(?P<env>[^\"]+)\"\s*\)|\"(?P<literal>(?:[^\"\\]|\\.)*)\")",
    re.M,
)
_LINE_COMMENT = re.compile(r"//[^\n]*")


@dataclass(frozen=True)
class SchemaValue:
    """A datasource setting: either a literal or the name of an environment variable."""

    env: str | None = None
    literal: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PrismaSchema:
    """The parts of schema.prisma's datasource block that mend needs."""

    path: Path
    provider: str | None
    url: SchemaValue | None
    direct_url: SchemaValue | None
    shadow_database_url: SchemaValue | None


@dataclass(frozen=True)
class Project:
    """Where things are: the working folder, the schema (if any) and the migrations folder."""

    root: Path
    schema: PrismaSchema | None
    migrations_dir: Path
    env_files: tuple[Path, ...]

    @property
    def provider(self) -> str | None:
        return self.schema.provider if self.schema else None


@dataclass(frozen=True)
class ResolvedTarget:
    """The database to use and a description of where its URL came from."""

    target: DatabaseTarget
    source: str


def read_schema(path: Path) -> PrismaSchema:
    text = _LINE_COMMENT.sub("", path.read_text(encoding="utf-8", errors="replace"))
    match = _DATASOURCE.search(text)
    values: dict[str, SchemaValue] = {}
    if match:
        for item in _ASSIGN.finditer(match.group("body")):
            values[item.group("key")] = SchemaValue(
                env=item.group("env"), literal=item.group("literal")
            )
    provider = values.get("provider")
    return PrismaSchema(
        path=path,
        provider=provider.literal if provider else None,
        url=values.get("url"),
        direct_url=values.get("directUrl"),
        shadow_database_url=values.get("shadowDatabaseUrl"),
    )


def find_project(
    root: Path | None = None,
    *,
    schema_path: Path | None = None,
    migrations_dir: Path | None = None,
) -> Project:
    """Locate schema.prisma (if any) and the migrations folder under `root` (default: cwd)."""
    root = (root or Path.cwd()).resolve()
    schema_file = schema_path if schema_path is not None else _first_existing(root)
    schema = read_schema(schema_file) if schema_file and schema_file.is_file() else None
    if migrations_dir is None:
        base = schema.path.parent if schema else root / "prisma"
        migrations_dir = base / "migrations"
    elif not migrations_dir.is_absolute():
        migrations_dir = root / migrations_dir
    env_files = [root / ".env"]
    if schema and schema.path.parent.resolve() != root:
        env_files.append(schema.path.parent / ".env")
    return Project(
        root=root,
        schema=schema,
        migrations_dir=migrations_dir,
        env_files=tuple(p for p in env_files if p.is_file()),
    )


def _first_existing(root: Path) -> Path | None:
    for candidate in SCHEMA_CANDIDATES:
        path = root / candidate
        if path.is_file():
            return path
    return None


def load_env_files(project: Project) -> dict[str, str]:
    """Variables from the project's .env files (root first); the process environment wins."""
    if not project.env_files:
        return {}
    from dotenv import dotenv_values

    merged: dict[str, str] = {}
    for env_file in project.env_files:
        for key, value in dotenv_values(env_file).items():
            if value is not None:
                merged.setdefault(key, value)
    return merged


def resolve_target(
    project: Project,
    *,
    url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ResolvedTarget:
    """Pick the database URL: `url`, else DATABASE_URL (environment, then .env), else the
    datasource in schema.prisma (`directUrl` before `url`, as Prisma Migrate does)."""
    environ = os.environ if environ is None else environ
    schema_dir = project.schema.path.parent if project.schema else project.root
    if url is not None:
        resolved = ResolvedTarget(parse_url(url, base_dir=project.root), "--url")
        return _checked(resolved, project)
    dotenv = load_env_files(project)
    if environ.get("DATABASE_URL"):
        target = parse_url(environ["DATABASE_URL"], base_dir=schema_dir)
        return _checked(ResolvedTarget(target, "DATABASE_URL (environment)"), project)
    if dotenv.get("DATABASE_URL"):
        target = parse_url(dotenv["DATABASE_URL"], base_dir=schema_dir)
        return _checked(ResolvedTarget(target, "DATABASE_URL (.env)"), project)
    schema = project.schema
    if schema is not None:
        for key, value in (("directUrl", schema.direct_url), ("url", schema.url)):
            if value is None:
                continue
            where = _relative(schema.path, project.root)
            if value.literal is not None:
                target = parse_url(value.literal, base_dir=schema_dir)
                return _checked(ResolvedTarget(target, f"{where} ({key})"), project)
            assert value.env is not None
            raw = environ.get(value.env) or dotenv.get(value.env)
            if not raw:
                raise MendError(
                    M1005,
                    f"{where} takes its {key} from the environment variable `{value.env}`, "
                    "which is not set in the environment or in a .env file.",
                    f"Set {value.env}, add it to .env, or pass --url.",
                )
            target = parse_url(raw, base_dir=schema_dir)
            return _checked(ResolvedTarget(target, f"{value.env} ({where} {key})"), project)
    raise MendError(
        M1001,
        "No database URL is configured: there is no --url, no DATABASE_URL in the environment "
        "or in a .env file, and no datasource url in prisma/schema.prisma.",
        "Pass --url postgresql://user@host:5432/db (or mysql://..., file:./dev.db), "
        "or set DATABASE_URL.",
    )


def _checked(resolved: ResolvedTarget, project: Project) -> ResolvedTarget:
    provider = project.provider
    dialect = resolved.target.dialect
    if provider and _provider_dialect(provider) not in (None, dialect):
        raise MendError(
            M1006,
            f"The database URL from {resolved.source} is a {dialect} URL, but the datasource "
            f"provider in {project.schema.path.name if project.schema else 'the schema'} is "
            f"`{provider}`.",
            "Point --url or DATABASE_URL at a database of the schema's provider.",
        )
    return resolved


def _provider_dialect(provider: str) -> str | None:
    return {
        "postgresql": "postgresql",
        "cockroachdb": "postgresql",
        "postgres": "postgresql",
        "mysql": "mysql",
        "sqlite": "sqlite",
    }.get(provider)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
