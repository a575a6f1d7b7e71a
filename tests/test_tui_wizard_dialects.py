"""The recovery wizard on SQLite, PostgreSQL and MariaDB (the real servers), on the incident of
Prisma's guide: both directions to the end, checked on the database and with `mend status`
(exit 3 after a roll back: pending again; 0 after a roll forward); read-only mode; a data fix
that does not fix the data (the rehearsal catches it, except in MySQL's schema-only clone,
where the execution stops on it instead); a schema changed between Preview and Execute
(refused with M4008, then inspected again)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from conftest import Project, TestDatabase
from mend_core.history.status import get_status
from mend_tui.app import MendApp
from mend_tui.screens.recover.choose import ChooseStep
from mend_tui.screens.recover.data_fix import DataFixStep
from mend_tui.screens.recover.execute import ExecuteStep
from mend_tui.screens.recover.inspect import InspectStep
from mend_tui.screens.recover.preview import PreviewStep
from mend_tui.screens.recover.rehearse import RehearseStep
from mend_tui.screens.recover.verify import VerifyStep
from scenes import FIXED_CLOCK, settle
from test_recovery import seed_incident
from test_tui_wizard import flat, footer, press

NAME = "3_unique"


@pytest.fixture
def staged(project: Project, db: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Project:
    seed_incident(project, db)
    monkeypatch.chdir(project.root)
    return project


def app_for(project: Project, **options: object) -> MendApp:
    return MendApp(project.context(**options), clock=lambda: FIXED_CLOCK)


def status_code(project: Project) -> int:
    return get_status(project.context()).exit_code


async def to_preview(pilot: Pilot[object], direction: str, fix: str | None = None) -> None:
    """From the dashboard to the Preview: `direction` is "b" or "f"; `fix` your own SQL (else
    the first generated template)."""
    await settle(pilot)
    await press(pilot, "x")
    assert isinstance(pilot.app.screen, InspectStep)
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, ChooseStep)
    await press(pilot, direction)
    if direction == "f":
        assert isinstance(pilot.app.screen, DataFixStep)
        if fix is None:
            await press(pilot, "enter")
        else:
            await press(pilot, "end", "enter", "tab", "ctrl+end", *fix, "ctrl+s")
    assert isinstance(pilot.app.screen, PreviewStep)


async def test_roll_back_to_the_end(staged: Project, db: TestDatabase):
    app = app_for(staged)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_preview(pilot, "b")
        await press(pilot, "enter")
        assert isinstance(app.screen, RehearseStep)
        assert app.screen.result is not None and app.screen.result.ok, flat(app)
        if db.dialect == "mysql":
            assert "schema-only clone" in flat(app)
        await press(pilot, "enter", *NAME, "enter")
        assert isinstance(app.screen, ExecuteStep) and app.screen.phase.value == "done", flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, VerifyStep)
        assert "Verified:" in flat(app) and "migration is pending" in flat(app)
        await press(pilot, "enter")
    assert status_code(staged) == 3
    assert "Post" not in db.tables()
    assert [r[0] for r in db.history() if r[2] is not None] == [NAME]  # rolled back


async def test_roll_forward_with_the_generated_fix_to_the_end(staged: Project, db: TestDatabase):
    app = app_for(staged)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_preview(pilot, "f")
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert plan.data_fix.source == "template delete-keep-first"
        await press(pilot, "enter", "enter", *NAME, "enter", "enter")
        assert isinstance(app.screen, VerifyStep), flat(app)
        assert "Verified:" in flat(app) and "migration is applied" in flat(app)
        await press(pilot, "w")
        assert list(staged.root.glob(f"mend-report-{NAME}-*.md"))
        await press(pilot, "enter")
    assert status_code(staged) == 0
    q = db.q
    assert db.sql(f"SELECT {q('id')} FROM {q('User')} ORDER BY {q('id')}") == [(1,), (3,)]
    assert "Post" in db.tables()


async def test_read_only_goes_as_far_as_the_preview(staged: Project, db: TestDatabase):
    before = db.history()
    app = app_for(staged, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_preview(pilot, "f")
        assert "Read-only: Rehearse and Execute are disabled" in flat(app)
        assert "enter" not in footer(app) or footer(app)["enter"] != "Rehearse"
        await press(pilot, "enter")
        assert isinstance(app.screen, PreviewStep)
    assert db.history() == before and status_code(staged) == 4


USELESS_FIX = {
    "sqlite": 'UPDATE "User" SET "name" = "name";',
    "postgresql": 'UPDATE "User" SET "name" = "name";',
    "mysql": "UPDATE `User` SET `name` = `name`;",
}


async def test_a_fix_that_does_not_fix_the_data(staged: Project, db: TestDatabase):
    app = app_for(staged)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_preview(pilot, "f", USELESS_FIX[db.dialect])
        await press(pilot, "enter")
        assert isinstance(app.screen, RehearseStep)
        result = app.screen.result
        assert result is not None
        if db.dialect != "mysql":
            # (On PostgreSQL nothing of the migration stayed: its every statement is a step.)
            assert not result.ok and result.failed_step is not None, flat(app)
            failed = app.screen.plan.steps[result.failed_step - 1]
            assert failed.role == "statement 3"  # the unique index, again
            assert f"The rehearsal failed at step {result.failed_step}" in flat(app)
            await press(pilot, "enter")
            assert isinstance(app.screen, DataFixStep)  # back to change the fix
        else:
            # A schema-only clone has no rows: the rehearsal cannot see them, and says so.
            assert result.ok and "failures that depend on the data" in flat(app)
            await press(pilot, "enter", *NAME, "enter")
            assert isinstance(app.screen, ExecuteStep) and app.screen.phase.value == "failed"
            assert "The recovery failed: M7005" in flat(app)
            await press(pilot, "enter")
            assert isinstance(app.screen, InspectStep)  # from the real state
            assert "failed at statement 3" in flat(app)
    assert status_code(staged) == 4
    q = db.q
    assert len(db.sql(f"SELECT {q('id')} FROM {q('User')}")) == 3


async def test_a_schema_changed_after_the_preview_is_refused(staged: Project, db: TestDatabase):
    app = app_for(staged)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_preview(pilot, "b")
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, ExecuteStep)
        db.sql(f"CREATE TABLE {db.q('Audit')} ({db.q('id')} INTEGER NOT NULL PRIMARY KEY)")
        await press(pilot, *NAME, "enter")
        assert app.screen.phase.value == "failed"
        assert "The recovery failed: M4008" in flat(app) and "Nothing was changed" in flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, InspectStep)
        assert "`Audit`" in flat(app)  # the new analysis: unrelated drift
        await press(pilot, "enter", "b", "enter", "enter", *NAME, "enter", "enter")
        assert isinstance(app.screen, VerifyStep) and "Verified:" in flat(app)
    assert status_code(staged) == 3
    assert "Audit" in db.tables() and "Post" not in db.tables()
