"""`mend report [NAME]`: the incident report in Markdown (or JSON), from journal and database."""

from __future__ import annotations

import json
from pathlib import Path

from mend_core.output.private_files import write_output
from mend_core.recovery.session import RecoverySession
from mend_tui.commands.common import build_context
from mend_tui.terminal import echo, write_text


def run_report(
    *,
    name: str | None,
    as_json: bool,
    output: Path | None,
    url: str | None,
    schema: Path | None,
    migrations_dir: Path | None,
    read_only: bool,
) -> None:
    context = build_context(url=url, schema=schema, migrations_dir=migrations_dir, read_only=True)
    report = RecoverySession(context).report(name)
    text = (
        json.dumps(report.to_json(), indent=2, default=str) + "\n" if as_json else report.markdown()
    )
    if output is not None:
        write_output(output, text)
        echo(f"Wrote {output}")
        return
    write_text(text)  # the Markdown shows control characters already (render_markdown)
