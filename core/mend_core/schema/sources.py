"""Where a schema comes from: nothing, a live database, a migrations folder, or a DDL file.

The last two are replayed into a shadow database of the same dialect and inspected there, so
that every source is read by the same inspector.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mend_core.database.session import connect
from mend_core.dialects import family_of_provider, same_database_family
from mend_core.errors import M6001, M6003, MendError
from mend_core.project.target import DatabaseTarget, parse_url
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema, empty_schema

if TYPE_CHECKING:
    from mend_core.schema.replay import ReplayReport, Script

SourceKind = Literal["empty", "url", "migrations", "sql"]  # "url": a live database


@dataclass(frozen=True)
class SchemaSource:
    kind: SourceKind
    value: str | None = None  # the URL or the path
    # A live database already resolved (the project's own, found as every command finds it);
    # a `url` source without it parses `value` relative to the current folder.
    target: DatabaseTarget | None = None

    def database(self, base_dir: Path) -> DatabaseTarget:
        return self.target or parse_url(self.value or "", base_dir=base_dir)


@dataclass(frozen=True)
class ShadowOptions:
    """Where shadow databases are made: the server of `server`, or the given `shadow_url`;
    `replay_data` runs data statements too (Prisma's replay) from the start, instead of only
    after a schema-only replay fails."""

    server: DatabaseTarget | None = None
    shadow_url: DatabaseTarget | None = None
    dialect: str | None = None  # the project's, when no source tells
    replay_data: bool = False


@dataclass(frozen=True)
class LoadedSchema:
    """A source's schema, and what its replay skipped (None: nothing was replayed)."""

    schema: Schema
    replay: ReplayReport | None = None


def source_dialect(source: SchemaSource, base_dir: Path) -> str | None:
    if source.kind == "url":
        return source.database(base_dir).dialect
    if source.kind == "migrations":
        # deferred: a migrations folder is read only for a side given as one (about 5 ms
        # here): a diff of two live databases starts without it
        from mend_core.history.folder import lock_file_provider

        provider = lock_file_provider(Path(source.value or ""))
        return family_of_provider(provider or "")
    return None


def pick_dialect(sources: list[SchemaSource], options: ShadowOptions, base_dir: Path) -> str:
    found = {d for d in (source_dialect(s, base_dir) for s in sources) if d}
    if len(found) > 1:
        raise MendError(
            M6003,
            f"The two sides are different kinds of database ({' and '.join(sorted(found))}); "
            "mend compares schemas of one kind.",
            "Compare a database with migrations or SQL written for the same database kind.",
        )
    if found:
        return found.pop()
    for candidate in (options.shadow_url, options.server):
        if candidate is not None:
            return candidate.dialect
    if options.dialect:
        return options.dialect
    raise MendError(
        M6001,
        "mend cannot tell which kind of database this SQL is for: no side is a database URL "
        "or a migrations folder with a migration_lock.toml.",
        "Pass --shadow-url (its database kind is used), or run from a project whose "
        "DATABASE_URL says it.",
    )


def load_schema(
    source: SchemaSource, dialect: str, options: ShadowOptions, base_dir: Path
) -> LoadedSchema:
    """The schema the source describes, inspected (live) or replayed in a shadow database."""
    if source.kind == "empty":
        return LoadedSchema(empty_schema(dialect))
    if source.kind == "url":
        # Looking is all a diff does: the session itself refuses writes.
        with connect(source.database(base_dir), read_only=True) as db:
            return LoadedSchema(inspect_database(db))
    # deferred: as in source_dialect, only for a side given as a folder or a file
    from mend_core.history.folder import (
        decode_script,
        list_migrations,
        read_bounded,
        require_scripts,
    )

    # deferred: replaying (the runner, shadow databases: about 40 ms here) only for a side that
    # is replayed; a diff of two live databases starts without it
    from mend_core.schema.replay import replayed_shadow

    path = Path(source.value or "")
    if not path.is_absolute():
        path = base_dir / path
    if source.kind == "migrations":
        if not path.is_dir():
            raise MendError(
                M6001,
                f"The migrations folder `{path}` does not exist.",
                "Check the path given to --from-migrations / --to-migrations.",
            )
        migrations = list_migrations(path)
        require_scripts(migrations)
        scripts: list[Script] = list(migrations)
    else:
        try:
            with path.open("rb") as handle:  # one byte past the size limit at most
                data = read_bounded(handle, str(path))
        except OSError as exc:
            raise MendError(
                M6001,
                f"The SQL file `{path}` cannot be read ({exc.strerror}).",
                "Check the path given to --from-sql / --to-sql.",
            ) from None
        scripts = [(path.name, decode_script(data, str(path)))]
    server = (
        options.server
        if options.server and same_database_family(options.server.dialect, dialect)
        else None
    )
    with replayed_shadow(
        dialect, server, options.shadow_url, scripts, data=options.replay_data
    ) as (shadow, report):
        return LoadedSchema(inspect_database(shadow), report)
