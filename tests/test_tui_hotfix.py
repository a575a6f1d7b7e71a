"""The hotfix wizard on SQLite, driven with Pilot as an operator would: Items, Name, Preview,
Targets, Apply, Verify, and back one step with escape until Apply. The demo as written (its
hand-made index is built on the failed migration's column: it waits for the recovery, and is
offered once the demo is recovered), a rehearsal that fails, a project with a hand-made index
recorded to the end (the folder, the resolve row, `mend drift` and `mend status` checked
afterwards), items left out, a target in conflict left untouched, read-only stopping before
Apply, bad names shown inline, the database changed before Apply (M4005), quitting refused while
Apply writes, the busy indicator, the palette and the help. The three dialects are in
test_tui_hotfix_dialects.py, the snapshots in test_tui_hotfix_snapshots.py."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.history.status import get_status
from mend_core.hotfix.items import find_items
from mend_core.hotfix.session import HotfixSession
from mend_core.project.context import load_context
from mend_tui.app import MendApp
from mend_tui.modals.help import HelpModal
from mend_tui.presentation import Look
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.screens.hotfix.apply import ApplyStep
from mend_tui.screens.hotfix.items import ItemsStep
from mend_tui.screens.hotfix.name import NameStep
from mend_tui.screens.hotfix.preview import HotfixPreviewStep
from mend_tui.screens.hotfix.targets import TargetsStep
from mend_tui.screens.hotfix.verify import HotfixVerifyStep
from mend_tui.screens.recover.inspect import InspectStep
from mend_tui.widgets.hotfix_stepper import HotfixProgress, HotfixStep
from scenes import (
    DEMO_FAILED,
    FIXED_CLOCK,
    fixed_context,
    recovered_demo,
    settle,
)
from test_hotfix import INIT, assert_resolve_row, index_sql, new_folders, setup_project
from test_tui_wizard import flat, footer, press, stepper_text
from tui_support import screen_text


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[TestDatabase]:
    from conftest import make_database

    folder = tmp_path / "db"
    folder.mkdir()
    yield from make_database("sqlite", folder)


@pytest.fixture
def hotfixed(tmp_path: Path, sqlite_db: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A SQLite project whose one migration is applied, and an index made by hand since."""
    root = tmp_path / "project"
    (root / "prisma" / "migrations").mkdir(parents=True)
    project = Project(root, sqlite_db.url, "sqlite")
    setup_project(project)
    sqlite_db.sql(index_sql(sqlite_db, "User_name_idx", "name"))
    monkeypatch.chdir(root)
    return project


def app_on(project: Project, **options: object) -> MendApp:
    """The app on `project`; `options` are the context's (read_only)."""
    return MendApp(project.context(**options), clock=lambda: FIXED_CLOCK)


def demo_app(folder: Path, **options: object) -> MendApp:
    context = fixed_context(load_context(root=folder, environ={}, **options))  # type: ignore[arg-type]
    return MendApp(context, clock=lambda: FIXED_CLOCK)


def status_code(project: Project) -> int:
    return get_status(project.context()).exit_code


def drift_code(project: Project) -> int:
    completed = project.mend("drift", "--url", project.url)
    return completed.returncode


def record_text(app: MendApp) -> str:
    """The Preview's "What is recorded", all of it (it scrolls at 80x24)."""
    return " ".join(str(app.screen.query_one("#record").render()).split())


def folder_typed(app: MendApp) -> str:
    screen = app.screen
    assert isinstance(screen, ApplyStep)
    return screen.folder


async def to_apply(pilot: object, app: MendApp) -> None:
    """From the dashboard to Apply, every step's default."""
    await settle(pilot)  # type: ignore[arg-type]
    for key, step in (
        ("d", ItemsStep),
        ("enter", NameStep),
        ("enter", HotfixPreviewStep),
        ("enter", TargetsStep),
        ("enter", ApplyStep),
    ):
        await press(pilot, key)  # type: ignore[arg-type]
        assert isinstance(app.screen, step), (step, flat(app))


# -- the demo as written: its index is built on the failed migration's column ---------------------
async def test_the_demos_index_waits_for_the_recovery(demo: Path):
    """find_items offers nothing on the demo: `Post` and `User.email` are the failed migration's,
    and the hand-made `User_email_idx` is built on its column (the history cannot replay it until
    the migration is recovered). The wizard lists all three greyed, says why, writes nothing,
    and x on a leftover opens the recovery wizard instead."""
    drift = find_items(load_context(root=demo, environ={}))
    assert drift.items == ()
    waits = {i.label: i.waits_for_recovery for i in drift.leftovers}
    assert waits == {
        "table `Post`": False,
        "column `User.email`": False,
        "index `User_email_idx` on `User`": True,
    }
    database = demo / "prisma" / "dev.db"
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "d")
        assert isinstance(app.screen, ItemsStep)
        text = screen_text(app)
        assert " -      table `Post`  recover it instead (x)" in text
        assert " -      column `User.email`  recover it instead (x)" in text
        assert " -      index `User_email_idx` on `User`  recover it first (x)" in text
        assert f"2 left by and 1 built on what was left by failed migration {DEMO_FAILED}" in (
            flat(app)
        )
        assert "Nothing to record as a hotfix" in flat(app)
        assert "What was made by hand on it is recorded here once it is recovered" in flat(app)
        await press(pilot, "down", "down")  # the index: why it waits, and its SQL
        assert "Made by hand on what failed migration" in flat(app)
        assert 'CREATE INDEX "User_email_idx" ON "User"("email");' in screen_text(app)
        assert footer(app).get("x") == "Recover instead"
        assert "space" not in footer(app)  # nothing to check
        await press(pilot, "space", "enter")
        assert isinstance(app.screen, ItemsStep)  # nothing to name
        assert app.screen.checked == set()  # type: ignore[attr-defined]
        await press(pilot, "x")  # a leftover opens the recovery wizard
        assert isinstance(app.screen, InspectStep)
        assert app.screen.migration == DEMO_FAILED
        assert app.wizard == "recover"
        await press(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen) and app.wizard is None
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in (demo / "prisma" / "migrations").iterdir() if p.is_dir()) == [
        "20240101000000_init",
        "20240102000000_add_users",
        DEMO_FAILED,
    ]


async def test_the_demos_index_is_offered_once_the_demo_is_recovered(tmp_path: Path):
    folder = tmp_path / "recovered"
    recovered_demo(folder)
    drift = find_items(load_context(root=folder, environ={}))
    assert [i.label for i in drift.items] == ["index `User_email_idx` on `User`"]
    assert drift.leftovers == ()


async def test_a_rehearsal_that_fails_goes_no_further(hotfixed: Project, sqlite_db: TestDatabase):
    """A column and an index on it made by hand; the column left out: the index's migration
    does not build on the history, and the Preview says so and goes no further."""
    sqlite_db.sql('ALTER TABLE "User" ADD COLUMN "email" TEXT')
    sqlite_db.sql(index_sql(sqlite_db, "User_email_idx", "email"))
    before = hashlib.sha256(Path(sqlite_db.name).read_bytes()).hexdigest()
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "d")
        assert isinstance(app.screen, ItemsStep)
        assert "[x]  1  column `User.email`" in screen_text(app)
        await press(pilot, "space", "enter", "enter")  # the column left out
        assert isinstance(app.screen, HotfixPreviewStep), flat(app)
        preview = app.screen.preview
        assert preview is not None and preview.rehearsal is not None
        assert not preview.rehearsal.ok
        assert "The rehearsal failed:" in record_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, HotfixPreviewStep)  # no further
        assert any("M7004" in str(n.message) for n in app._notifications)
    assert hashlib.sha256(Path(sqlite_db.name).read_bytes()).hexdigest() == before
    assert not new_folders(hotfixed)


# -- a hand-made index, recorded to the end -------------------------------------------------------
async def test_record_a_hand_made_index_to_the_end(hotfixed: Project, sqlite_db: TestDatabase):
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert footer(app).get("d") == "Drift"
        await press(pilot, "d")
        assert isinstance(app.screen, ItemsStep)
        assert "Items" in stepper_text(app) and "Verify" in stepper_text(app)
        assert "[x]  1  index `User_name_idx` on `User`" in screen_text(app)
        assert "1 of 1 checked" in screen_text(app)

        await press(pilot, "enter")
        assert isinstance(app.screen, NameStep)
        field = app.screen.query_one("#name-input")
        assert field.value == "hotfix index User_name_idx"  # type: ignore[attr-defined]
        assert "_hotfix_index_user_name_idx" in screen_text(app)
        assert "in prisma/migrations, with its migration.sql" in screen_text(app)

        await press(pilot, "enter")
        assert isinstance(app.screen, HotfixPreviewStep)
        preview = app.screen.preview
        assert preview is not None and preview.rehearsal is not None and preview.rehearsal.ok
        folder = preview.name.folder
        text = flat(app)
        assert f"prisma/migrations/{folder}/migration.sql" in text
        assert 'CREATE INDEX "User_name_idx" ON "User"("name");' in text
        record = record_text(app)
        assert "Rehearsed:" in record and f"insert a finished row for `{folder}`" in record
        assert "in model `User`: @@index([name])" in record
        assert "the next `prisma migrate dev` generates a migration that undoes" in record
        assert not new_folders(hotfixed)  # nothing written yet

        await press(pilot, "enter")
        assert isinstance(app.screen, TargetsStep)
        assert "No mend.toml: no other database to reconcile" in flat(app)
        assert footer(app).get("enter") == "Apply"

        await press(pilot, "enter")
        assert isinstance(app.screen, ApplyStep)
        await press(pilot, "enter")  # nothing typed: nothing runs
        assert app.screen.phase.value == "confirm"
        await press(pilot, *folder[:-1], "enter")  # not exactly the folder's name
        assert app.screen.phase.value == "confirm"
        assert any("to record it" in str(n.message) for n in app._notifications)
        assert not new_folders(hotfixed)
        await press(pilot, folder[-1], "enter")
        assert app.screen.phase.value == "done", flat(app)
        outcome = str(app.screen.query_one("#outcome").render())
        assert f"Recorded {folder} as applied" in " ".join(outcome.split())
        assert "✓ Take Prisma's migration lock" in str(app.screen.query_one("#progress").render())
        assert "escape" not in footer(app) and footer(app).get("enter") == "Verify"
        await press(pilot, "escape")  # once Apply ran, there is no way back
        assert isinstance(app.screen, ApplyStep)
        assert any("No way back" in str(n.message) for n in app._notifications)
        app.clear_notifications()  # (its toast would cover the Verify step's words)

        await press(pilot, "enter")
        assert isinstance(app.screen, HotfixVerifyStep)
        text = flat(app)
        assert "Verified: drift shows none of the recorded items; the migration is applied" in text
        assert "mend status now: in sync: 2 applied." in text
        assert "Journal run: " in text
        assert f"Next: commit prisma/migrations/{folder}" in text and "@@index([name])" in text

        await press(pilot, "enter")
        assert isinstance(app.screen, DashboardScreen) and app.wizard is None
        assert app.report is not None and len(app.report.migrations) == 2  # read again
    (written,) = new_folders(hotfixed)
    assert written.name == folder and written.name > INIT
    assert_resolve_row(sqlite_db, written)
    assert drift_code(hotfixed) == 0
    assert status_code(hotfixed) == 0


async def test_escape_goes_back_one_step_until_apply(hotfixed: Project):
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await to_apply(pilot, app)
        seen = []
        for _ in range(4):
            await press(pilot, "escape")
            seen.append(type(app.screen).__name__)
        assert seen == ["TargetsStep", "HotfixPreviewStep", "NameStep", "ItemsStep"]
        await press(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)
        # (Once Apply ran, there is no way back: test_record_a_hand_made_index_to_the_end.)


async def test_back_keeps_the_choices_and_the_folder(hotfixed: Project, sqlite_db: TestDatabase):
    sqlite_db.sql('ALTER TABLE "User" ADD COLUMN "nick" TEXT')
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "d")
        assert isinstance(app.screen, ItemsStep)
        assert "2 hotfix items" in flat(app) and "2 of 2 checked" in screen_text(app)
        await press(pilot, "space")  # item 1, the column: unchecked
        assert "[ ]  1  column `User.nick`" in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, NameStep)
        await press(pilot, "ctrl+u", *"Add the name index", "enter")
        assert isinstance(app.screen, HotfixPreviewStep)
        preview = app.screen.preview
        assert preview is not None and preview.name.folder.endswith("_add_the_name_index")
        assert "Left as drift (not chosen): 1 column `User.nick`" in record_text(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, NameStep)
        assert app.screen.query_one("#name-input").value == "Add the name index"  # type: ignore[attr-defined]
        await press(pilot, "escape")
        assert isinstance(app.screen, ItemsStep)
        assert app.screen.checked == {2}
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, HotfixPreviewStep)
        assert app.screen.preview is not None
        assert app.screen.preview.name.folder == preview.name.folder  # the folder previewed
        await press(pilot, "enter", "enter", *preview.name.folder, "enter", "enter")
        assert isinstance(app.screen, HotfixVerifyStep), flat(app)
        assert "Verified:" in flat(app)
    drift = hotfixed.mend("drift", "--url", hotfixed.url)
    assert drift.returncode == 2 and "nick" in drift.stdout and "User_name_idx" not in drift.stdout


async def test_nothing_checked_does_not_go_on(hotfixed: Project):
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "d", "a")  # all checked: a unchecks all
        assert "0 of 1 checked" in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, ItemsStep)
        assert any("Check at least one item" in str(n.message) for n in app._notifications)
        await press(pilot, "a", "enter")
        assert isinstance(app.screen, NameStep)


# -- the Name step: bad input inline --------------------------------------------------------------
async def test_a_name_that_makes_no_folder_is_said_inline(hotfixed: Project):
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "d", "enter")
        assert isinstance(app.screen, NameStep)
        await press(pilot, "ctrl+u")  # empty
        text = flat(app)
        assert "Folder: none" in text
        assert "M8003: The migration name `` is empty once made a folder name" in text
        assert "Type a name with some letters or digits" in text and "--name" not in text
        await press(pilot, "enter")
        assert isinstance(app.screen, NameStep)
        assert any("makes no folder" in str(n.message) for n in app._notifications)
        await press(pilot, *"!!!")  # still nothing once slugified
        assert "M8003" in flat(app)
        await press(pilot, "ctrl+u")
        field = app.screen.query_one("#name-input")
        field.insert_text_at_cursor("x" * 201)  # type: ignore[attr-defined]  # (pasted)
        await settle(pilot)
        assert "P3010: The name of the migration is too long" in flat(app)
        await press(pilot, "ctrl+u", *"Índex für Nutzer!")
        assert "M8003" not in flat(app) and "_index_fur_nutzer" in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, HotfixPreviewStep)


async def test_an_unwritable_migrations_folder_is_said_inline(
    hotfixed: Project, monkeypatch: pytest.MonkeyPatch
):
    from mend_core.hotfix import naming

    monkeypatch.setattr(naming.os, "access", lambda path, mode: False)  # (root writes anything)
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "d", "enter")
        assert "M8004: The migrations folder" in flat(app) and "is not writable" in flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, NameStep)
    assert not new_folders(hotfixed)


# -- read-only ------------------------------------------------------------------------------------
async def test_read_only_goes_as_far_as_the_targets_and_never_writes(hotfixed: Project):
    database = Path(hotfixed.url.removeprefix("file:"))
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    app = app_on(hotfixed, read_only=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "d")
        assert "(Apply) › (Verify)" in stepper_text(app)
        await press(pilot, "enter", "enter", "enter")
        assert isinstance(app.screen, TargetsStep)
        text = flat(app)
        assert "Read-only: Apply is disabled (mend runs with --read-only)" in text
        await press(pilot, "enter")
        assert isinstance(app.screen, TargetsStep)
        assert any("--read-only" in str(n.message) for n in app._notifications)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert not new_folders(hotfixed)


# -- targets --------------------------------------------------------------------------------------
def copy_database(source: Path, target: Path, *statements: str) -> str:
    import shutil

    shutil.copyfile(source, target)
    with sqlite3.connect(target) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return f"file:{target}"


def targets_in(project: Project, monkeypatch: pytest.MonkeyPatch, **urls: str) -> None:
    text = "".join(f'[targets.{name}]\nurl = "env:{name.upper()}_URL"\n\n' for name in urls)
    (project.root / "mend.toml").write_text(text)
    for name, url in urls.items():
        monkeypatch.setenv(f"{name.upper()}_URL", url)


def history_names(url: str) -> list[str]:
    with sqlite3.connect(url.removeprefix("file:")) as connection:
        rows = connection.execute("SELECT migration_name FROM _prisma_migrations").fetchall()
    connection.close()
    return [row[0] for row in rows]


async def test_targets_are_checked_and_a_conflict_is_left_untouched(
    hotfixed: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    live = Path(hotfixed.url.removeprefix("file:"))
    urls = {
        "main": hotfixed.url,  # the database being repaired, among them
        "staging": copy_database(live, tmp_path / "staging.db"),
        "qa": copy_database(live, tmp_path / "qa.db", 'DROP INDEX "User_name_idx"'),
        "eu": copy_database(
            live,
            tmp_path / "eu.db",
            'DROP INDEX "User_name_idx"',
            'CREATE INDEX "User_name_idx" ON "User"("name", "age")',
        ),
        "gone": "file:/nonexistent-mend-folder/gone.db",
    }
    targets_in(hotfixed, monkeypatch, **urls)
    (hotfixed.root / "mend.toml").write_text(
        (hotfixed.root / "mend.toml").read_text() + '[targets.dr]\nurl = "env:DR_URL"\n'
    )
    eu_before = hashlib.sha256((tmp_path / "eu.db").read_bytes()).hexdigest()
    app = app_on(hotfixed)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "d", "enter", "enter", "enter")
        assert isinstance(app.screen, TargetsStep)
        screen = app.screen
        states = {name: check.state.value for name, check in screen.checks.items()}
        assert states == {
            "main": "this_database",
            "staging": "patched",
            "qa": "unpatched",
            "eu": "conflict",
            "gone": "unreachable",
        }
        assert "6 targets in mend.toml" in flat(app) and "5 of 5 checked" in flat(app)
        text = " ".join(str(screen.query_one("#targets-table").render()).split())
        assert "= this database nothing more: recorded here, never twice" in text
        assert "✓ patched mark it applied" in text
        assert "○ unpatched leave it pending: mend deploy applies it" in text
        assert "≠ conflict touch nothing: resolve it by hand" in text
        assert "index `User_name_idx` on `User` differs: (name, age) there, (name) in" in text
        assert screen.checks["eu"].differences == (
            "index `User_name_idx` on `User` differs: (name, age) there, (name) in the hotfix",
        )
        assert "✗ unreachable touch nothing: it could not be reached" in text and "M1004" in text
        assert "? not set touch nothing: its URL is not set here" in text
        assert "DR_URL is not set" in text
        assert "mark it applied on staging, leave it pending on qa" in flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, ApplyStep)
        assert "staging: mark it applied, checked again there" in screen_text(app)
        folder = folder_typed(app)
        await press(pilot, *folder, "enter")
        assert app.screen.phase.value == "done", flat(app)
        assert "✓ staging: marked applied" in screen_text(app)
        assert "Needs a hand: eu, gone; nothing was written there." in flat(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, HotfixVerifyStep)
        text = flat(app)
        assert "staging (patched): marked applied; it reads applied" in text
        assert "qa (unpatched): leave it pending: mend deploy applies it; it reads pending" in text
        assert "eu (conflict): touch nothing: resolve it by hand" in text
        assert "dr (not set): touch nothing" in text
        assert "`mend deploy` applies it on qa" in text
    assert history_names(hotfixed.url).count(folder) == 1  # here, never twice
    assert folder in history_names(urls["staging"])
    assert folder not in history_names(urls["qa"])
    assert hashlib.sha256((tmp_path / "eu.db").read_bytes()).hexdigest() == eu_before


async def test_a_bad_mend_toml_is_shown_with_a_retry(hotfixed: Project):
    (hotfixed.root / "mend.toml").write_text(
        '[targets.production]\nurl = "postgresql://admin:hunter2@db:5432/app"\n'
    )
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "d", "enter", "enter", "enter")
        assert isinstance(app.screen, TargetsStep)
        text = flat(app)
        assert "Could not read mend.toml: M8005" in text and "hunter2" not in text
        assert footer(app).get("r") == "Retry" and "enter" not in footer(app)
        (hotfixed.root / "mend.toml").unlink()
        await press(pilot, "r")
        assert "No mend.toml" in flat(app)


# -- failures -------------------------------------------------------------------------------------
async def test_a_database_changed_before_apply_is_refused_then_items_again(
    hotfixed: Project, sqlite_db: TestDatabase
):
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_apply(pilot, app)
        sqlite_db.sql('DROP INDEX "User_name_idx"')  # someone undoes the hotfix meanwhile
        await press(pilot, *folder_typed(app), "enter")
        assert app.screen.phase.value == "failed"  # type: ignore[attr-defined]
        text = flat(app)
        assert "The hotfix was not recorded: M4005" in text and "Nothing was written" in text
        assert footer(app).get("enter") == "Items again" and footer(app).get("escape") == "Close"
        await press(pilot, "enter")
        assert isinstance(app.screen, ItemsStep)
        assert "no hotfix item" in flat(app)  # the drift as it is now
        assert "matches its applied migrations" in flat(app)
    assert not new_folders(hotfixed)
    assert status_code(hotfixed) == 0


async def test_quit_waits_while_apply_writes(hotfixed: Project):
    gate = threading.Event()
    original = HotfixSession.apply

    def slow(self, preview, checks, progress):  # type: ignore[no-untyped-def]
        gate.wait(5)
        return original(self, preview, checks, progress)

    HotfixSession.apply = slow  # type: ignore[method-assign]
    try:
        app = app_on(hotfixed)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await to_apply(pilot, app)
            await press(pilot, *folder_typed(app))
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert app.writing
            await pilot.press("q")
            await pilot.pause(0.2)
            assert app.is_running and isinstance(app.screen, ApplyStep)
            assert any("quits once it has finished" in str(n.message) for n in app._notifications)
            gate.set()
            await settle(pilot)
            assert not app.writing and app.screen.phase.value == "done"
    finally:
        HotfixSession.apply = original  # type: ignore[method-assign]


async def test_items_show_a_busy_indicator_then_an_error_with_a_retry(hotfixed: Project):
    from mend_core.errors import MendError

    gate = threading.Event()
    calls = []
    original = HotfixSession.items

    def slow_then_failing(self):  # type: ignore[no-untyped-def]
        calls.append(1)
        gate.wait(5)
        if len(calls) == 1:
            raise MendError("P1001", "Can't reach database server at `db:5432`.", "Start it.")
        return original(self)

    HotfixSession.items = slow_then_failing  # type: ignore[method-assign]
    try:
        app = app_on(hotfixed)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("d")
            await pilot.pause(0.3)
            assert isinstance(app.screen, ItemsStep) and app.screen.busy
            assert "Computing the drift: replaying the applied migrations" in flat(app)
            assert "enter" not in footer(app)
            await pilot.press("h")  # the app's keys rest in the wizard
            assert isinstance(app.screen, ItemsStep)
            gate.set()
            await settle(pilot)
            assert "Could not compute the drift: P1001" in flat(app)
            assert footer(app).get("r") == "Retry"
            await press(pilot, "r")
            assert "[x]  1  index `User_name_idx`" in screen_text(app)
    finally:
        HotfixSession.items = original  # type: ignore[method-assign]


# -- where it opens from, its help, its stepper ---------------------------------------------------
async def test_opened_from_the_palette_as_hotfix_or_drift(hotfixed: Project):
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name in ("Hotfix", "Drift"):
            await press(pilot, "ctrl+p")
            await pilot.pause(0.3)
            await press(pilot, *name, "enter")
            assert isinstance(app.screen, ItemsStep), name
            await press(pilot, "question_mark")
            assert isinstance(app.screen, HelpModal)
            text = screen_text(app)
            assert "All/none" in text and "Recover instead" in text  # the wizard's keys
            assert "Roll back, Roll forward" not in text  # not the recovery's
            assert app.screen.query_one("#dialog").max_scroll_y == 0  # within 80x24
            await press(pilot, "escape", "escape")
            assert isinstance(app.screen, DashboardScreen)
        await press(pilot, "h", "d")  # in the history, d is the dashboard still
        assert isinstance(app.screen, DashboardScreen)


def test_the_stepper_says_where_without_colour_and_what_read_only_rules_out():
    for look in (Look(), Look(ascii=True), Look(color=False)):
        text = HotfixProgress(HotfixStep.VERIFY).content(look).plain
        assert len(text) <= 78 and "Items" in text and "(Apply)" not in text
    at_preview = HotfixProgress(HotfixStep.PREVIEW).content(Look(ascii=True)).plain
    assert at_preview == "+Items > +Name >  Preview  > Targets > Apply > Verify"
    read_only = HotfixProgress(HotfixStep.TARGETS, read_only=True).content(Look(ascii=True))
    assert read_only.plain.endswith(" Targets  > (Apply) > (Verify)")
    assert "strike" in str(read_only.spans)


def test_the_hotfix_screens_keep_their_styles_in_tcss_files_beside_them():
    import importlib
    import inspect

    from textual.screen import Screen

    import mend_tui
    from mend_tui.app import WIZARD_STYLES

    package = Path(mend_tui.__file__).parent
    folder = package / "screens" / "hotfix"
    modules = [f"mend_tui.screens.hotfix.{p.stem}" for p in folder.glob("*.py")]
    screens = []
    for name in modules:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == name:
                assert "DEFAULT_CSS" not in vars(cls) and "CSS" not in vars(cls), cls
                paths = cls.CSS_PATH if isinstance(cls.CSS_PATH, list) else [cls.CSS_PATH]
                for path in paths:
                    style = (Path(module.__file__).parent / str(path)).resolve()  # type: ignore[arg-type]
                    assert style.is_file(), (cls, path)
                    assert style.relative_to(package).as_posix() in WIZARD_STYLES, path
                screens.append(cls.__name__)
    assert len(screens) == 7, screens  # the six steps and the backdrop
