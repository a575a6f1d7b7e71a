"""`mend` run inside the test's process, through click's CliRunner, as a process would run it.

Starting Python and importing mend costs about a second a run; a call in this process, about
2 ms. What the process would see is set for the call: its folder (os.chdir, and back: an xdist
worker runs one test at a time), its environment (os.environ, all put back after), its stdin (a
pipe's: not a terminal), stdout and stderr (pipes: not terminals). What the process would print
is what the call returns: text with universal newlines (as subprocess's text mode reads it),
a traceback on stderr with code 1 for an exception that got away, and the warnings Python's
last-resort handler would print (pytest's handlers catch them here).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

# What `python -m mend_tui` calls itself in usage lines (click reads it from sys.argv there).
PROGRAM = "python -m mend_tui"


class _LastResort(logging.Handler):
    """logging.lastResort: the message of a WARNING or worse on the current stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(record.getMessage() + "\n")


def _text(data: bytes) -> str:
    """`data` as subprocess's text mode reads it: UTF-8, \\r\\n and \\r read as \\n."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _help_width(environ: Mapping[str, str], settings: Mapping[str, object]) -> int:
    """The width click's help takes in a process whose stdout is a pipe: COLUMNS, else 80,
    less 2, within the command's max_content_width (CliRunner would force 80)."""
    try:
        columns = int(environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    limit = settings.get("max_content_width")
    return max(min(columns if columns > 0 else 80, limit if isinstance(limit, int) else 80) - 2, 50)


def run_mend(
    args: Sequence[str],
    *,
    cwd: Path,
    environ: Mapping[str, str],
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m mend_tui ARGS` in `cwd` with exactly `environ`, here."""
    from click.testing import CliRunner

    from mend_tui.cli import main

    # CliRunner sets what `env` holds and removes what it maps to None, and puts all back.
    changes: dict[str, str | None] = {name: None for name in os.environ if name not in environ}
    changes.update(environ)
    runner = CliRunner(charset="utf-8")
    handler = _LastResort()
    root = logging.getLogger()
    before = os.getcwd()
    environment = dict(os.environ)
    os.chdir(cwd)
    root.addHandler(handler)
    try:
        result = runner.invoke(
            main,
            list(args),
            input=input,
            env=changes,
            prog_name=PROGRAM,
            catch_exceptions=True,
            terminal_width=_help_width(environ, main.context_settings),
        )
    finally:
        root.removeHandler(handler)
        os.chdir(before)
        if os.environ != environment:  # a variable the command set ends with it, as a process's
            os.environ.clear()
            os.environ.update(environment)
    stderr = _text(result.stderr_bytes)
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        # What the interpreter prints for an exception no one caught.
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(
        [sys.executable, "-m", "mend_tui", *args],
        result.exit_code,
        _text(result.stdout_bytes),
        stderr,
    )
