"""Honest screens at 80x24 (issue 14 §2): Inspect names the blocking values on its first screen,
and --read-only offers only what can run. (After a roll back the dashboard says to fix the file
before deploying, and the failed attempt's logs stay readable after a roll forward: checked at
the end of the walks of test_tui_fifteen_keys.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scenes import demo_app, settle
from test_tui_fifteen_keys import Walk, check_footer, shown_keys
from tui_support import screen_text

# Nothing listens on port 1: connecting would fail with P1001.
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/mend"


async def test_inspect_names_the_blocking_values_on_the_first_screen(tmp_path: Path):
    app = demo_app(tmp_path / "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await Walk(pilot, app).press("x")
        first = screen_text(app).split("SQL:")[0]
        assert "`paul` in 2 rows" in " ".join(first.split()), first
        assert "tab Diagnostics" in screen_text(app).splitlines()[-1]


async def test_read_only_preview_offers_only_what_can_run(tmp_path: Path):
    app = demo_app(tmp_path / "demo", context={"read_only": True})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await Walk(pilot, app).press("x", "enter", "b")
        keys = shown_keys(app)
        assert "s" in keys and "enter" not in keys and "K" not in keys, keys
        check_footer(app)


def test_recover_without_yes_and_without_a_terminal_refuses_before_connecting(tmp_path: Path):
    """M4001 comes first: an unreachable database is not even tried (no P1001)."""
    completed = subprocess.run(
        [sys.executable, "-m", "mend_tui", "recover", "--roll-back", "--url", UNREACHABLE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.startswith("Error: M4001"), completed.stderr
    assert "P1001" not in completed.stderr and completed.stdout == ""
