"""The hotfix wizard on SQLite, PostgreSQL and MariaDB (the real servers): a hand-made index
recorded to the end (the folder written, the row `mend resolve --applied` writes, `mend drift`
clean, `mend status` 0); read-only going as far as Targets and writing nothing; targets of
mend.toml checked (patched, unpatched, a conflict shown with the object that differs and left
untouched, one unreachable), the patched one marked applied and verified."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import Project, TestDatabase
from mend_core.history.status import get_status
from mend_tui.app import MendApp
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.screens.hotfix.apply import ApplyStep
from mend_tui.screens.hotfix.items import ItemsStep
from mend_tui.screens.hotfix.preview import HotfixPreviewStep
from mend_tui.screens.hotfix.targets import TargetsStep
from mend_tui.screens.hotfix.verify import HotfixVerifyStep
from scenes import FIXED_CLOCK, settle
from test_hotfix import (
    assert_resolve_row,
    deployed,
    index_sql,
    mend,
    new_folders,
    setup_project,
    snapshot,
)
from test_targets import UNREACHABLE, others  # noqa: F401 - the fixture, for this module
from test_tui_wizard import flat, press


@pytest.fixture
def hotfixed(project: Project, db: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Project:
    """One migration applied, then an index made by hand on the database."""
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    monkeypatch.chdir(project.root)
    return project


def app_for(project: Project, **options: object) -> MendApp:
    return MendApp(project.context(**options), clock=lambda: FIXED_CLOCK)


def history_names(database: TestDatabase) -> set[str]:
    return {row[0] for row in database.history()}


async def to_targets(pilot: object, app: MendApp) -> None:
    await settle(pilot)  # type: ignore[arg-type]
    await press(pilot, "d")  # type: ignore[arg-type]
    assert isinstance(app.screen, ItemsStep)
    assert "[x] 1 index `User_name_idx` on `User`" in flat(app), flat(app)
    await press(pilot, "enter", "enter")  # type: ignore[arg-type]
    assert isinstance(app.screen, HotfixPreviewStep)
    preview = app.screen.preview
    assert preview is not None and preview.rehearsal is not None
    assert preview.rehearsal.ok, flat(app)
    await press(pilot, "enter")  # type: ignore[arg-type]
    assert isinstance(app.screen, TargetsStep)


async def test_record_a_hand_made_index_to_the_end(hotfixed: Project, db: TestDatabase):
    app = app_for(hotfixed)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_targets(pilot, app)
        assert "No mend.toml" in flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, ApplyStep)
        folder = app.screen.folder
        await press(pilot, *folder, "enter")
        assert app.screen.phase.value == "done", flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, HotfixVerifyStep)
        text = flat(app)
        assert "Verified: drift shows none of the recorded items" in text, text
        assert "the migration is applied here" in text and "in sync: 2 applied" in text
        await press(pilot, "enter")
        assert isinstance(app.screen, DashboardScreen)
    (written,) = new_folders(hotfixed)
    assert written.name == folder
    script = (written / "migration.sql").read_text()
    assert script.startswith("-- CreateIndex\nCREATE INDEX") and "User_name_idx" in script
    assert_resolve_row(db, written)
    drift = mend(hotfixed, "drift")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert mend(hotfixed, "status").returncode == 0
    assert get_status(hotfixed.context()).exit_code == 0


async def test_read_only_goes_as_far_as_the_targets(hotfixed: Project, db: TestDatabase):
    before = snapshot(db)
    app = app_for(hotfixed, read_only=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await to_targets(pilot, app)
        assert "Read-only: Apply is disabled" in flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, TargetsStep)
    assert snapshot(db) == before
    assert not new_folders(hotfixed)


async def test_targets_checked_and_a_conflict_left_untouched(
    hotfixed: Project,
    db: TestDatabase,
    others: Callable[[int], list[TestDatabase]],  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
):
    patched, unpatched, conflicting = others(3)
    for other in (patched, unpatched, conflicting):
        deployed(hotfixed, other.url)
    patched.sql(index_sql(patched, "User_name_idx", "name"))
    conflicting.sql(index_sql(conflicting, "User_name_idx", "name, age"))
    urls = {
        "main": db.url,
        "patched": patched.url,
        "unpatched": unpatched.url,
        "conflicting": conflicting.url,
        "gone": UNREACHABLE[db.dialect],
    }
    text = "".join(f'[targets.{n}]\nurl = "env:{n.upper()}_URL"\n\n' for n in urls)
    (hotfixed.root / "mend.toml").write_text(text)
    for name, url in urls.items():
        monkeypatch.setenv(f"{name.upper()}_URL", url)
    conflicting_before = snapshot(conflicting)
    app = app_for(hotfixed)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_targets(pilot, app)
        screen = app.screen
        assert isinstance(screen, TargetsStep)
        states = {name: check.state.value for name, check in screen.checks.items()}
        assert states == {
            "main": "this_database",
            "patched": "patched",
            "unpatched": "unpatched",
            "conflicting": "conflict",
            "gone": "unreachable",
        }, flat(app)
        shown = flat(app)
        assert "≠ conflict touch nothing: resolve it by hand" in shown
        assert "index `User_name_idx` on `User` differs" in shown
        assert "✗ unreachable touch nothing: it could not be reached" in shown
        await press(pilot, "enter")
        assert isinstance(app.screen, ApplyStep)
        folder = app.screen.folder
        await press(pilot, *folder, "enter")
        assert app.screen.phase.value == "done", flat(app)
        assert "Needs a hand: conflicting, gone" in flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, HotfixVerifyStep)
        shown = flat(app)
        assert "Verified:" in shown, shown
        assert "patched (patched): marked applied; it reads applied" in shown
        assert "unpatched (unpatched): leave it pending" in shown and "reads pending" in shown
        assert "conflicting (conflict): touch nothing" in shown
    (written,) = new_folders(hotfixed)
    assert_resolve_row(db, written)  # one row: never marked twice
    assert_resolve_row(patched, written)
    assert folder not in history_names(unpatched)
    assert snapshot(conflicting) == conflicting_before  # untouched
    deploy = mend(hotfixed, "deploy", "--yes", url=unpatched.url)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert folder in history_names(unpatched)
