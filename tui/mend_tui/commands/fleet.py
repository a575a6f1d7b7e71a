"""`mend status --targets all|a,b`: a table of the inventory's databases, one exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mend_core.errors import MendError
from mend_core.hotfix.fleet import FleetReport, FleetRow, fleet_status
from mend_core.hotfix.targets import choose_targets
from mend_core.project.discovery import find_project
from mend_tui.terminal import echo, style

HEADINGS = ("TARGET", "LAST APPLIED", "STATE", "PENDING", "FAILED", "DRIFT", "UNREACHABLE")


def run_fleet_status(
    *,
    targets: str,
    schema: Path | None,
    migrations_dir: Path | None,
    as_json: bool,
) -> None:
    """The databases come from mend.toml: --url and DATABASE_URL are not used here."""
    try:
        project = find_project(schema_path=schema, migrations_dir=migrations_dir)
        chosen = choose_targets(project, targets)
        report = fleet_status(project, chosen)
    except MendError as error:
        if not as_json:
            raise
        echo(json.dumps({"error": {"code": error.code, "message": error.message}}, indent=2))
        sys.exit(1)
    if as_json:
        echo(json.dumps(report.to_json(), indent=2))
    else:
        echo("\n".join(render_fleet(report)))
    sys.exit(report.exit_code)


def render_fleet(report: FleetReport) -> list[str]:
    cells = [HEADINGS] + [_cells(row) for row in report.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADINGS) - 1)]
    lines = []
    for index, cell_row in enumerate(cells):
        text = "  ".join(c.ljust(w) for c, w in zip(cell_row, widths, strict=False))
        text = f"{text}  {cell_row[-1]}".rstrip()
        lines.append(style(text, bold=True) if index == 0 else text)
    for row in report.rows:
        if row.problem:
            lines.append(style(f"{row.target.name}: {row.problem}", fg="yellow"))
    lines += [
        "",
        f"{len(report.rows)} target(s) read at once in {report.seconds:.1f} s; exit code "
        f"{report.exit_code} (the worst; drift counts as 5, unreachable as 1).",
    ]
    return lines


def _cells(row: FleetRow) -> tuple[str, ...]:
    if row.unreachable is not None:
        return (row.target.name, "-", "-", "-", "-", "-", row.unreachable)
    state = row.state.value.replace("_", " ") if row.state else "-"
    drift = "-" if row.drift is None else ("yes" if row.drift else "no")
    return (
        row.target.name,
        row.last_applied or "-",
        state,
        str(row.pending),
        str(row.failed),
        drift,
        "",
    )
