"""The wizard's Data fix step names the later statements the data blocks too, and the Preview
fixes each right before its statement (issue 13 §2), on every dialect."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_tui.screens.recover_data_fix import DataFixStep
from mend_tui.screens.recover_preview import PreviewStep
from recovery_support import stage
from scenes import settle
from test_recovery import text_type
from test_tui_wizard import flat, press
from test_tui_wizard_dialects import app_for


@pytest.fixture
def two_blockers(project: Project, db: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Project:
    q, text = db.q, text_type(db)
    init = (
        f"CREATE TABLE {q('P')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('a')} {text}, "
        f"{q('b')} {text});\n"
        f"INSERT INTO {q('P')} VALUES (1, 'x', 'y'), (2, 'x', 'z'), (3, 'w', 'y');\n"
    )
    failing = (
        f"CREATE UNIQUE INDEX {q('P_a_key')} ON {q('P')}({q('a')});\n"
        f"CREATE UNIQUE INDEX {q('P_b_key')} ON {q('P')}({q('b')});\n"
    )
    stage(project, db, [("1_init", init)], ("2_keys", failing))
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
