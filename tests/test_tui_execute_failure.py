"""The Execute step marks the step a recovery failed at, as the Rehearse step marks its own, on
SQLite, PostgreSQL and MariaDB: the rehearsal is skipped and a data fix that does not fix the
data lets the unique index fail for real. The failure carries the step as data
(`RecoveryStepFailed`); the CLI's words for it are the same as before (code, message, hint)."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.errors import M7005
from mend_core.recovery.execute import RecoveryStepFailed
from mend_tui.screens.recover.execute import ExecuteStep
from mend_tui.screens.recover.inspect import InspectStep
from mend_tui.widgets.step_progress import StepProgress, StepState
from test_tui_wizard import flat, press
from test_tui_wizard_dialects import NAME, USELESS_FIX, app_for, status_code, to_preview
from tui_support import screen_text


@pytest.fixture
def staged(project: Project, db: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Project:
    from test_recovery import seed_incident

    seed_incident(project, db)
    monkeypatch.chdir(project.root)
    return project


async def test_the_step_that_failed_is_marked(staged: Project, db: TestDatabase):
    app = app_for(staged)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_preview(pilot, "f", USELESS_FIX[db.dialect])
        await press(pilot, "K", "y")  # no rehearsal: the real run finds the duplicates
        assert isinstance(app.screen, ExecuteStep)
        await press(pilot, *NAME, "enter")
        screen = app.screen
        assert isinstance(screen, ExecuteStep) and screen.phase.value == "failed", flat(app)

        # The failure as data: which step, its role, the database's error.
        error = screen.error
        assert isinstance(error, RecoveryStepFailed) and error.code == M7005
        failing = error.step
        assert failing.role == "statement 3"  # the unique index
        assert failing in screen.plan.steps
        assert error.failure is not None and error.failure.step == failing
        assert error.failure.error.message.strip() in error.message
        # The CLI's words: the message starts as it always did, the step named in it.
        assert error.message.startswith(f"Step {failing.number} ({failing.summary}) failed: ")
        assert error.message.endswith(
            " The history was not changed."
            if db.dialect != "mysql"
            else " The history was not changed; what ran before the failure stays."
        )

        # The screen marks that step, and only that one, as failed.
        progress = screen.query_one(StepProgress)
        failed = [n for n, state in progress.states.items() if state is StepState.FAILED]
        assert failed == [failing.number], progress.states
        line = f"{screen.look.marks.failed} {failing.number}. {failing.summary}"
        assert line in screen_text(app), screen_text(app)
        assert f"The recovery stopped at step {failing.number}." in flat(app)
        assert "The recovery failed: M7005" in flat(app)

        await press(pilot, "enter")
        assert isinstance(app.screen, InspectStep)  # from the real state
    assert status_code(staged) == 4
    q = db.q
    assert len(db.sql(f"SELECT {q('id')} FROM {q('User')}")) == 3  # the useless fix deleted none


async def test_a_refusal_before_any_step_marks_none(staged: Project, db: TestDatabase):
    app = app_for(staged)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_preview(pilot, "b")
        await press(pilot, "K", "y")
        assert isinstance(app.screen, ExecuteStep)
        db.sql(f"CREATE TABLE {db.q('Audit')} ({db.q('id')} INTEGER NOT NULL PRIMARY KEY)")
        await press(pilot, *NAME, "enter")
        screen = app.screen
        assert isinstance(screen, ExecuteStep) and screen.phase.value == "failed", flat(app)
        assert screen.error is not None and not isinstance(screen.error, RecoveryStepFailed)
        progress = screen.query_one(StepProgress)
        assert StepState.FAILED not in progress.states.values(), progress.states
        assert "The recovery stopped." in flat(app)
