"""`mend diff --from-* --to-*`: a summary of the changes, or their SQL."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mend_core.errors import M6001, MendError
from mend_core.output.control_text import visible
from mend_core.project.target import parse_url
from mend_core.schema.diff import diff_sources, summary_lines
from mend_core.schema.sources import SchemaSource, ShadowOptions
from mend_tui.terminal import echo, write_text

if TYPE_CHECKING:
    from mend_core.project.target import DatabaseTarget


EMPTY_SCRIPT = "-- This is an empty migration.\n"


def pick_source(
    side: str,
    empty: bool,
    url: str | None,
    migrations: str | None,
    sql: str | None,
    project_database: Callable[[], DatabaseTarget] | None = None,
) -> SchemaSource:
    """The one source given for a side; `project_database` resolves --SIDE-config-datasource."""
    given = [
        SchemaSource(kind, value)  # type: ignore[arg-type]
        for kind, value, present in (
            ("empty", None, empty),
            ("url", url, url is not None),
            ("migrations", migrations, migrations is not None),
            ("sql", sql, sql is not None),
            ("url", None, project_database is not None),
        )
        if present
    ]
    if len(given) == 1 and project_database is not None:
        given = [SchemaSource("url", None, project_database())]
    if len(given) != 1:
        flags = (
            f"--{side}-empty, --{side}-url, --{side}-config-datasource, --{side}-migrations "
            f"or --{side}-sql"
        )
        raise MendError(
            M6001,
            f"Pass exactly one of {flags}" + (f" (got {len(given)})." if given else "."),
            'For example: mend diff --from-url "$DATABASE_URL" --to-migrations '
            "prisma/migrations --script",
        )
    return given[0]


def project_server(
    url: str | None, schema: Path | None, migrations_dir: Path | None
) -> DatabaseTarget | None:
    """The project's database, if one is configured: its server hosts shadow databases."""
    # deferred: the project's files only when a side or the shadow needs them: a diff of two URLs
    # starts faster
    from mend_core.project.discovery import find_project, resolve_target

    try:
        project = find_project(schema_path=schema, migrations_dir=migrations_dir)
        return resolve_target(project, url=url).target
    except MendError:
        return None


def run_diff(
    *,
    from_empty: bool,
    from_url: str | None,
    from_config_datasource: bool,
    from_migrations: str | None,
    from_sql: str | None,
    to_empty: bool,
    to_url: str | None,
    to_config_datasource: bool,
    to_migrations: str | None,
    to_sql: str | None,
    script: bool,
    exit_code: bool,
    replay_data: bool,
    shadow_url: str | None,
    output: Path | None,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
) -> None:
    def project_database() -> DatabaseTarget:
        # Exactly as every command finds its database: a `file:` URL from .env or the schema
        # is relative to the schema, not to the current folder.
        # deferred: the project's files only when a side or the shadow needs them, as above
        from mend_tui.commands.common import build_context

        return build_context(
            url=url, schema=schema, migrations_dir=migrations_dir, read_only=True
        ).target

    source = pick_source(
        "from",
        from_empty,
        from_url,
        from_migrations,
        from_sql,
        project_database if from_config_datasource else None,
    )
    target = pick_source(
        "to",
        to_empty,
        to_url,
        to_migrations,
        to_sql,
        project_database if to_config_datasource else None,
    )
    base = Path.cwd()
    server = None
    for side in (source, target):
        if side.kind == "url":
            server = side.database(base)
    server = server or project_server(url, schema, migrations_dir)
    options = ShadowOptions(
        server=server,
        shadow_url=parse_url(shadow_url, base_dir=base) if shadow_url else None,
        replay_data=replay_data,
    )
    result = diff_sources(source, target, options, base)
    for note in result.notes():
        echo(note, err=True)  # stderr: a --script on stdout stays pure SQL
    if script:
        text = result.plan.script() or EMPTY_SCRIPT
    else:
        text = "\n".join(summary_lines(result.plan)) + "\n"
    if output is not None:
        # The summary is for a person: control characters shown, as on a terminal.

        output.write_text(text if script else visible(text), encoding="utf-8")
        echo(f"Wrote {output}")
    elif script:
        write_text(text)  # exact through a pipe: the SQL names objects as they are
    else:
        echo(text, nl=False)
    if exit_code and not result.is_empty:
        sys.exit(2)
