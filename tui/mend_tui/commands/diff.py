"""`mend diff --from-* --to-*`: a summary of the changes, or their SQL."""

from __future__ import annotations

import sys
from pathlib import Path

from mend_core.errors import M6001, MendError
from mend_core.project import find_project, resolve_target
from mend_core.schema.diff import diff_sources, summary_lines
from mend_core.schema.sources import SchemaSource, ShadowOptions
from mend_core.target import DatabaseTarget, parse_url
from mend_tui.terminal import echo

EMPTY_SCRIPT = "-- This is an empty migration.\n"


def pick_source(
    side: str, empty: bool, url: str | None, migrations: str | None, sql: str | None
) -> SchemaSource:
    given = [
        SchemaSource(kind, value)  # type: ignore[arg-type]
        for kind, value, present in (
            ("empty", None, empty),
            ("url", url, url is not None),
            ("migrations", migrations, migrations is not None),
            ("sql", sql, sql is not None),
        )
        if present
    ]
    if len(given) != 1:
        flags = f"--{side}-empty, --{side}-url, --{side}-migrations or --{side}-sql"
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
    try:
        project = find_project(schema_path=schema, migrations_dir=migrations_dir)
        return resolve_target(project, url=url).target
    except MendError:
        return None


def run_diff(
    *,
    from_empty: bool,
    from_url: str | None,
    from_migrations: str | None,
    from_sql: str | None,
    to_empty: bool,
    to_url: str | None,
    to_migrations: str | None,
    to_sql: str | None,
    script: bool,
    exit_code: bool,
    shadow_url: str | None,
    output: Path | None,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
) -> None:
    source = pick_source("from", from_empty, from_url, from_migrations, from_sql)
    target = pick_source("to", to_empty, to_url, to_migrations, to_sql)
    base = Path.cwd()
    server = None
    for side in (source, target):
        if side.kind == "url":
            server = parse_url(side.value or "", base_dir=base)
    server = server or project_server(url, schema, migrations_dir)
    options = ShadowOptions(
        server=server,
        shadow_url=parse_url(shadow_url, base_dir=base) if shadow_url else None,
    )
    result = diff_sources(source, target, options, base)
    if script:
        text = result.plan.script() or EMPTY_SCRIPT
    else:
        text = "\n".join(summary_lines(result.plan)) + "\n"
    if output is not None:
        output.write_text(text, encoding="utf-8")
        echo(f"Wrote {output}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if exit_code and not result.is_empty:
        sys.exit(2)
