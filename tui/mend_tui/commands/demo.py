"""`mend demo [DIR]`: write the incident project, then open the app on it."""

from __future__ import annotations

from pathlib import Path

from mend_core.operations.demo import check_folder, create_demo
from mend_core.project.context import Context
from mend_tui.commands.app import open_app
from mend_tui.terminal import echo


def run_demo(*, directory: Path, no_tui: bool, ascii_only: bool, no_mouse: bool) -> None:
    check_folder(directory.resolve())  # refused before anything is written or opened
    if no_tui:
        project = create_demo(directory)
        echo(f"Demo project written to {project.root}")
        echo(f"  database: {project.database}")
        echo(
            f"  failed migration: {project.failed_migration}; hotfix index User_email_idx "
            "added by hand (drift)"
        )
        echo(f"\nOpen it with: cd {directory} && mend")
        return

    def prepare() -> Context:
        # Written while the app already shows: the first frame does not wait for it.
        return create_demo(directory).context

    code = open_app(None, ascii_only=ascii_only, no_mouse=no_mouse, prepare=prepare)
    echo(
        f"The demo project is in {directory.resolve()}; open it again with: cd {directory} && mend"
    )
    raise SystemExit(code)
