"""The footer asks whether a history screen is open while the warm-up thread may still be
importing the history's module: a module half imported (in sys.modules, its screen class not
yet defined) means no history screen is open, not a crash (seen in tmux: AttributeError on the
first frame of `mend demo` when the modules were not compiled yet)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from scenes import demo_app, settle


async def test_a_half_imported_history_module_means_no_history_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    app = demo_app(tmp_path / "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        half = types.ModuleType("mend_tui.screens.history")  # what the import lock shows early
        monkeypatch.setitem(sys.modules, "mend_tui.screens.history", half)
        assert app.history_open() is False
        assert app.check_action("history", ()) is True  # h stays on the footer
        monkeypatch.undo()
        await pilot.press("h")
        await settle(pilot)
        assert app.history_open() is True
