"""`mend drift`: what the live database has that its applied migrations do not."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mend_core.operations.drift import detect_drift
from mend_core.project.target import parse_url
from mend_core.schema.diff import summary_lines
from mend_tui.commands.common import build_context, header
from mend_tui.terminal import echo, style, write_text


def run_drift(
    *,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
    as_json: bool,
    script: bool,
    shadow_url: str | None,
    replay_data: bool,
) -> None:
    context = build_context(
        url=url, schema=schema, migrations_dir=migrations_dir, read_only=read_only
    )
    shadow = parse_url(shadow_url, base_dir=Path.cwd()) if shadow_url else None
    report = detect_drift(context, shadow, replay_data=replay_data)
    if as_json:
        echo(json.dumps(report.to_json(), indent=2))
    elif script:
        for note in report.replay.notes() if report.replay else []:
            echo(note, err=True)  # stderr: the script on stdout stays pure SQL
        write_text(report.plan.script() or "-- No drift.\n")
    else:
        header(context)
        with_data = " with their data statements" if report.replay and report.replay.data else ""
        count = len(report.replayed)
        echo(f"Replayed {count} applied migration(s) in a shadow database{with_data}.")
        for note in report.replay.notes() if report.replay else []:
            echo(note)
        if report.failed:
            echo(
                style(
                    f"Failed migration(s): {', '.join(report.failed)}: what they ran before "
                    "failing shows up below.",
                    fg="yellow",
                )
            )
        if report.missing_locally:
            echo(
                style(
                    f"Applied but missing locally (not replayed): "
                    f"{', '.join(report.missing_locally)}",
                    fg="yellow",
                )
            )
        if not report.drifted:
            echo("No drift: the database matches its applied migrations.")
        else:
            echo(
                "\nDrift: the database differs from its applied migrations. From what the "
                "migrations build to what the database has:\n"
            )
            echo("\n".join(summary_lines(report.plan)))
            echo("\n`mend drift --script` prints a migration that records these changes.")
    sys.exit(report.exit_code)
