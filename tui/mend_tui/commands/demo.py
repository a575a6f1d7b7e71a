"""`mend demo [DIR]`: write the incident project, then open the app on it."""

from __future__ import annotations

from pathlib import Path

from mend_core.demo import create_demo
from mend_tui.terminal import echo


def run_demo(*, directory: Path, no_tui: bool, ascii_only: bool, no_mouse: bool) -> None:
    project = create_demo(directory)
    echo(f"Demo project written to {project.root}")
    echo(f"  database: {project.database}")
    echo(
        f"  failed migration: {project.failed_migration}; hotfix index User_email_idx added by "
        "hand (drift)"
    )
    if no_tui:
        echo(f"\nOpen it with: cd {directory} && mend")
        return
    from mend_tui.commands.app import open_app

    raise SystemExit(open_app(project.context, ascii_only=ascii_only, no_mouse=no_mouse))
