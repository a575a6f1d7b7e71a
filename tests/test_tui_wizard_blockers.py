"""The wizard's Data fix step names the later statements the data blocks too, and the Preview
fixes each right before its statement (issue 13 §2), on every dialect."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_tui.screens.recover.data_fix import DataFixStep
from mend_tui.screens.recover.preview import PreviewStep
from recovery_support import stage_two_blockers
from scenes import settle
from test_tui_wizard import flat, press
from test_tui_wizard_dialects import app_for


@pytest.fixture
def two_blockers(project: Project, db: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Project:
    stage_two_blockers(project, db)
    monkeypatch.chdir(project.root)
    return project


async def test_data_fix_names_the_later_blockers_and_the_preview_fixes_them(
    two_blockers: Project,
):
    app = app_for(two_blockers)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "f")
        assert isinstance(app.screen, DataFixStep)
        text = flat(app)
        assert "Later blockers, each fixed right before its statement" in text, text
        assert "statement 2 (delete-keep-first)" in text
        await press(pilot, "enter")
        assert isinstance(app.screen, PreviewStep)
        plan = app.screen.plan
        assert plan is not None
        roles = [(s.role, s.statement) for s in plan.steps]
        assert roles == [
            ("data fix", None),
            ("statement 1", 1),
            ("data fix", None),
            ("statement 2", 2),
        ], roles
