"""The recovery wizard on the demo (SQLite), driven with Pilot as an operator would: every step
in both directions, escape going back one step until Execute, the data fix (templates, your own,
placeholders, $EDITOR), read-only mode, a rehearsal that fails, an execution the guard refuses
(then inspected again), skipping the rehearsal, quitting refused while it writes, `mend recover`
without a direction. The database is checked, not only the screen. The three dialects are in
test_tui_wizard_dialects.py, the snapshots in test_tui_wizard_snapshots.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.pilot import Pilot

from mend_core.history.status import get_status
from mend_core.project.context import load_context
from mend_tui.app import MendApp
from mend_tui.modals.confirm import ConfirmModal
from mend_tui.modals.help import HelpModal
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.screens.history import HistoryScreen
from mend_tui.screens.recover import data_fix as recover_data_fix
from mend_tui.screens.recover.choose import ChooseStep
from mend_tui.screens.recover.data_fix import DataFixStep, problem_with
from mend_tui.screens.recover.execute import ExecuteStep
from mend_tui.screens.recover.inspect import InspectStep
from mend_tui.screens.recover.preview import PreviewStep
from mend_tui.screens.recover.rehearse import RehearseStep
from mend_tui.screens.recover.verify import VerifyStep
from mend_tui.widgets.effect_sql import EffectSql
from mend_tui.widgets.sql_editor import SqlEditor, highlight_map
from mend_tui.widgets.stepper import Progress, Step, stepper_content
from scenes import DEMO_FAILED, FIXED_CLOCK, fixed_context, settle
from tui_support import screen_text

NAME = DEMO_FAILED


def wizard_app(folder: Path, **options: object) -> MendApp:
    """The app on the project in `folder`; `options` are the context's."""
    context = fixed_context(load_context(root=folder, environ={}, **options))  # type: ignore[arg-type]
    return MendApp(context, clock=lambda: FIXED_CLOCK)


async def press(pilot: Pilot[object], *keys: str) -> None:
    """Press `keys` as an operator would: each step's key once the step is there (keys pressed
    while a step loads are not kept: the wizard is not one to type ahead in). A run of three
    or more characters is text typed at once (a name, some SQL)."""
    batch: list[str] = []

    async def flush() -> None:
        if batch:
            await pilot.press(*batch)
            await settle(pilot)
            batch.clear()

    for key in keys:
        if len(key) == 1:
            batch.append(key)
            continue
        if len(batch) < 3:
            for one in batch:
                await pilot.press(one)
                await settle(pilot)
            batch.clear()
        await flush()
        await pilot.press(key)
        await settle(pilot)
    if len(batch) < 3:
        for one in batch:
            await pilot.press(one)
            await settle(pilot)
        batch.clear()
    await flush()


def demo_rows(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(folder / "prisma" / "dev.db") as connection:
        return connection.execute(sql).fetchall()


def demo_status(folder: Path) -> int:
    return get_status(load_context(root=folder, environ={})).exit_code


def footer(app: MendApp) -> dict[str, str]:
    return {
        binding.key: binding.description
        for _, binding, enabled, _ in app.screen.active_bindings.values()
        if binding.show and enabled
    }


def flat(app: MendApp) -> str:
    """The screen's words, lines joined: what wraps where does not matter."""
    return " ".join(screen_text(app).split())


def stepper_text(app: MendApp) -> str:
    return screen_text(app).splitlines()[1]


# -- the whole way, both directions -----------------------------------------------------------
async def test_roll_forward_with_the_generated_data_fix_to_the_end(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        assert isinstance(app.screen, InspectStep)
        text = screen_text(app)
        assert f"`{NAME}` failed at statement 3 of 3 (line 11)" in text  # the code line
        assert "[2067] SQLITE_CONSTRAINT_UNIQUE" in text
        assert "Duplicate values in `User.name`" in text
        assert "Inspect" in stepper_text(app) and "Verify" in stepper_text(app)

        await press(pilot, "enter")
        assert isinstance(app.screen, ChooseStep)
        text = screen_text(app)
        assert "b Roll back" in text and "f Roll forward" in text
        assert "BLOCKED until the data is fixed" in text

        await press(pilot, "f")
        assert isinstance(app.screen, DataFixStep)
        assert "Data fix" in stepper_text(app) and "(Data fix)" not in stepper_text(app)
        editor = app.screen.query_one(SqlEditor)
        assert "DELETE FROM" in editor.text and "delete-keep-first" in editor.text

        await press(pilot, "enter")  # the highlighted template, as it is
        assert isinstance(app.screen, PreviewStep)
        plan = app.screen.plan
        assert plan is not None and plan.data_fix is not None
        assert plan.data_fix.source == "template delete-keep-first"
        assert [s.role for s in plan.steps] == ["data fix", "statement 3"]
        assert "Before: the failed attempt" in str(app.screen.query_one("#history").render())

        await press(pilot, "enter")
        assert isinstance(app.screen, RehearseStep)
        assert app.screen.result is not None and app.screen.result.ok
        assert "succeeded" in screen_text(app)
        assert demo_status(demo) == 4  # rolled back: still failed

        await press(pilot, "enter")
        assert isinstance(app.screen, ExecuteStep)
        await press(pilot, "enter")  # nothing typed: nothing runs
        assert app.screen.phase.value == "confirm"
        await press(pilot, *NAME[:-1], "enter")  # not exactly the name
        assert app.screen.phase.value == "confirm"
        await press(pilot, NAME[-1], "enter")
        assert app.screen.phase.value == "done"
        assert "Verify" in footer(app).values()

        await press(pilot, "enter")
        assert isinstance(app.screen, VerifyStep)
        text = screen_text(app)
        assert "Verified:" in text and "migration is applied" in text
        assert "mend status now: in sync" in text
        assert "Journal run: 00000000-0000-4000-8000-" in text

        await press(pilot, "w")
        reports = list(demo.glob(f"mend-report-{NAME}-*.md"))
        assert len(reports) == 1 and "Report written: mend-report-" in screen_text(app)
        assert "## " in reports[0].read_text()

        await press(pilot, "enter")
        assert isinstance(app.screen, DashboardScreen)
        assert app.report is not None and app.report.state.value == "in_sync"
    assert demo_status(demo) == 0
    assert demo_rows(demo, 'SELECT "id", "name" FROM "User" ORDER BY "id"') == [(1, "paul")]
    finished = demo_rows(
        demo,
        "SELECT finished_at IS NOT NULL, rolled_back_at IS NOT NULL FROM _prisma_migrations "
        f"WHERE migration_name = '{NAME}' ORDER BY started_at, finished_at",
    )
    assert sorted(finished) == [(0, 1), (1, 0)]  # the failed attempt rolled back, one applied


async def test_roll_back_to_the_end_with_no_way_back_then_the_file_is_to_fix(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "b")
        assert isinstance(app.screen, PreviewStep)
        assert "(Data fix)" in stepper_text(app)  # not on this path
        plan = app.screen.plan
        assert plan is not None and plan.direction.value == "roll_back"
        text = screen_text(app)
        assert 'DROP TABLE "Post";' in text and "drops table `Post`" in text
        assert "mend resolve --rolled-back" in text
        assert plan.fingerprint.short in text

        await press(pilot, "s")
        runbooks = list(demo.glob(f"mend-runbook-{NAME}-roll-back-*.sql"))
        assert len(runbooks) == 1, list(demo.iterdir())
        assert f"Runbook saved: {runbooks[0].name}" in screen_text(app)
        assert "-- 1. Guard" in runbooks[0].read_text()

        await press(pilot, "enter", "enter", *NAME, "enter")
        # After Execute there is no way back.
        assert isinstance(app.screen, ExecuteStep) and app.screen.phase.value == "done"
        assert "escape" not in footer(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, ExecuteStep)
        assert any("No way back" in str(n.message) for n in app._notifications)

        await press(pilot, "enter")
        assert isinstance(app.screen, VerifyStep)
        text = " ".join(screen_text(app).split())
        assert "migration is pending" in text
        assert f"Fix `{NAME}/migration.sql`" in text and "mend deploy" in text
        # What the roll back removed that the migration did not make, and how to make it again.
        assert "User_email_idx" in text and "CREATE INDEX" in text
        await press(pilot, "escape")  # Done, too
        assert isinstance(app.screen, DashboardScreen)
    assert demo_status(demo) == 3
    tables = {r[0] for r in demo_rows(demo, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert "Post" not in tables


# -- going back, and what stays ----------------------------------------------------------------
async def test_escape_goes_back_one_step_until_execute_keeping_what_was_chosen(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        incident = app.screen.inspection.incident  # type: ignore[attr-defined]
        await press(pilot, "enter", "f", "down")  # the suffix template
        assert isinstance(app.screen, DataFixStep)
        await press(pilot, "enter")
        assert isinstance(app.screen, PreviewStep)
        assert app.screen.plan is not None and "suffix" in app.screen.plan.data_fix.source  # type: ignore[union-attr]
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, ExecuteStep)
        seen = []
        for _ in range(5):
            await press(pilot, "escape")
            seen.append(type(app.screen).__name__)
            if isinstance(app.screen, DataFixStep):
                assert app.screen.choice == "suffix"  # the fix as it was
            if isinstance(app.screen, InspectStep):
                assert app.screen.inspection.incident is incident  # type: ignore[union-attr]
        assert seen == [
            "RehearseStep",  # (the rehearsal runs again: it is harmless)
            "PreviewStep",
            "DataFixStep",
            "ChooseStep",
            "InspectStep",
        ]
        await press(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)
    assert demo_status(demo) == 4


# -- the Inspect step ----------------------------------------------------------------------------
async def test_inspect_shows_effects_notes_diagnostics_and_drift(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        screen = app.screen
        assert isinstance(screen, InspectStep)
        effects = screen.query_one(EffectSql)
        assert effects.view.effects == {1: "took_effect", 2: "took_effect", 3: "failed"}
        assert effects.view.failing == 3 and effects.view.current == 3
        note = str(screen.query_one("#effect-note").render())
        assert note.startswith("Statement 3: ✗ failed") and "UNIQUE constraint" in note
        await press(pilot, "p")  # the statement before: took effect
        assert str(screen.query_one("#effect-note").render()).startswith(
            "Statement 2: ✓ took effect"
        )
        facts = str(screen.query_one("#facts").render())
        assert "1 value of `User.name` is shared by 2 rows" in facts
        assert "paul | 2    | 1,2" in facts and "query: SELECT" in facts
        assert "Unrelated drift: recovery leaves it alone" in facts
        # The hand-made index is built on the failed migration's column: a roll back must
        # remove it, so it is not claimed to be left alone, and its DDL is shown.
        left_alone = facts.split("Unrelated drift: recovery leaves it alone")[1]
        left_alone = left_alone.split("Not made by this migration")[0]
        assert "User_email_idx" not in left_alone
        assert "index `User_email_idx` on `User` (built on what the migration added)" in facts
        assert 'CREATE INDEX "User_email_idx" ON "User"("email")' in facts
        await press(pilot, "tab")
        assert screen.query_one("#facts-panel").has_focus_within


async def test_inspect_shows_a_busy_indicator_then_the_incident(demo: Path):
    import threading

    from mend_core.recovery.session import RecoverySession

    gate = threading.Event()
    original = RecoverySession.inspect

    def slow(self, name):  # type: ignore[no-untyped-def]
        gate.wait(5)
        return original(self, name)

    app = wizard_app(demo)
    RecoverySession.inspect = slow  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("x")
            await pilot.pause(0.3)
            assert isinstance(app.screen, InspectStep) and app.screen.busy
            assert "Inspecting `20240103000000_unique`" in screen_text(app)
            assert "enter" not in footer(app)  # nothing to go on with yet
            await pilot.press("h")  # the app's keys rest in the wizard
            assert isinstance(app.screen, InspectStep)
            gate.set()
            await settle(pilot)
            assert not app.screen.busy and "failed at statement 3" in screen_text(app)
    finally:
        RecoverySession.inspect = original  # type: ignore[method-assign]


async def test_an_error_while_inspecting_is_shown_with_a_retry(demo: Path):
    from mend_core.errors import MendError
    from mend_core.recovery.session import RecoverySession

    original = RecoverySession.inspect
    calls = []

    def failing(self, name):  # type: ignore[no-untyped-def]
        calls.append(name)
        if len(calls) == 1:
            raise MendError("P1001", "Can't reach database server at `db:5432`.", "Start it.")
        return original(self, name)

    RecoverySession.inspect = failing  # type: ignore[method-assign]
    try:
        app = wizard_app(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "x")
            text = screen_text(app)
            assert "Could not inspect the failed migration: P1001" in text
            assert "Hint: Start it." in text and footer(app).get("r") == "Retry"
            await press(pilot, "r")
            assert "failed at statement 3" in screen_text(app)
    finally:
        RecoverySession.inspect = original  # type: ignore[method-assign]


# -- the Data fix step ----------------------------------------------------------------------------
def test_a_fix_with_placeholders_or_no_statement_is_refused():
    from mend_core.recovery.data_fix import DataFixTemplate

    template = DataFixTemplate(
        "set-null",
        "set the NULLs",
        'UPDATE "t" SET "x" = <<VALUE FOR x>> WHERE "x" IS NULL;\n',
        3,
        needs_editing=True,
        placeholders=("<<VALUE FOR x>>",),
    )
    assert "Replace <<VALUE FOR x>>" in (problem_with(template.sql, template, "sqlite") or "")
    edited = template.sql.replace("<<VALUE FOR x>>", "0")
    assert problem_with(edited, template, "sqlite") is None
    assert "no statement" in (problem_with("-- nothing\n", None, "sqlite") or "")
    assert problem_with("DELETE FROM t;", None, "postgresql") is None
    for dialect in ("sqlite", "postgresql", "mysql"):  # a rehearsal must never commit
        said = problem_with("DELETE FROM t;\nCOMMIT;", None, dialect) or ""
        assert "transaction control" in said and "statement 2" in said


async def test_write_your_own_fix_in_place(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "f", "end", "enter")  # Write your own, as it is
        assert isinstance(app.screen, DataFixStep)  # refused: no statement
        assert any("no statement" in str(n.message) for n in app._notifications)
        await press(pilot, "tab")
        assert app.screen.query_one(SqlEditor).has_focus
        await press(pilot, "ctrl+end", *'DELETE FROM "User" WHERE "id" = 2;')
        await press(pilot, "escape")  # back to the list, not out of the step
        assert isinstance(app.screen, DataFixStep)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, PreviewStep)
        plan = app.screen.plan
        assert plan is not None and plan.data_fix is not None
        assert plan.data_fix.source == "written in the wizard"
        assert 'DELETE FROM "User" WHERE "id" = 2;' in plan.data_fix.sql


async def test_a_fix_is_optional_once_the_migration_was_edited(demo: Path):
    """The operator made the index non-unique in migration.sql: the duplicates no longer block
    the roll forward, so the data fix may be skipped (`n`, on the list only)."""
    script = demo / "prisma" / "migrations" / NAME / "migration.sql"
    script.write_text(script.read_text().replace("CREATE UNIQUE INDEX", "CREATE INDEX"))
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        assert "migration.sql changed since the failed attempt" in flat(app)
        await press(pilot, "enter", "f")
        assert isinstance(app.screen, DataFixStep) and not app.screen.required
        assert "Optional: a fix" in flat(app) and footer(app).get("n") == "No data fix"
        template = app.screen.query_one(SqlEditor).text
        await press(pilot, "tab", "n")  # in the editor, a letter
        assert isinstance(app.screen, DataFixStep)
        assert app.screen.query_one(SqlEditor).text == "n" + template
        await press(pilot, "escape", "n")  # on the list: no data fix
        assert isinstance(app.screen, PreviewStep)
        plan = app.screen.plan
        assert plan is not None and plan.data_fix is None and plan.blocked is None
        assert "Commit the edited" in plan.afterwards


async def test_edit_the_fix_in_editor(demo: Path, monkeypatch: pytest.MonkeyPatch):
    edited = []

    def fake_editor(app: object, text: str) -> str:
        edited.append(text)
        return text.replace("DELETE FROM", "DELETE  FROM")

    monkeypatch.setattr(recover_data_fix, "edit_externally", fake_editor)
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "f", "ctrl+o")
        assert edited and "DELETE FROM" in edited[0]
        assert "DELETE  FROM" in app.screen.query_one(SqlEditor).text
        await press(pilot, "ctrl+s")
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert plan.data_fix.source == "template delete-keep-first, edited"


def test_editor_runs_visual_or_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """$EDITOR gets the fix in a file and what it leaves there comes back (in the app, with the
    app suspended meanwhile: tried by hand in tmux, as Pilot has no terminal to hand over)."""
    import subprocess

    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\nsed -i "s/SELECT 1/SELECT $1/" "$2"\n')
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{script} 2")  # an editor with arguments, as `code -w`
    assert recover_data_fix.edit_text("SELECT 1;\n", subprocess.call) == "SELECT 2;\n"
    monkeypatch.setenv("VISUAL", f"{script} 3")  # VISUAL first, as git does
    assert recover_data_fix.edit_text("SELECT 1;\n", subprocess.call) == "SELECT 3;\n"


def test_the_editor_highlights_sql_with_pygments():
    rows = highlight_map('SELECT "name" FROM t; -- é\nWHERE x = 1', "postgresql")
    names = {name for spans in rows.values() for _, _, name in spans}
    assert {"keyword", "comment", "number"} <= names
    # Byte offsets, as TextArea counts them: `-- é` is 5 bytes from column 22.
    assert (22, 27, "comment") in rows[0]


# -- read-only -----------------------------------------------------------------------------------
async def test_read_only_inspects_chooses_and_previews_but_never_writes(demo: Path):
    import hashlib

    database = demo / "prisma" / "dev.db"
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    app = wizard_app(demo, read_only=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "b")
        assert isinstance(app.screen, PreviewStep)
        text = screen_text(app)
        assert "Read-only: Rehearse and Execute are disabled" in text
        assert "(Rehearse) › (Execute)" in stepper_text(app)
        stepper = app.screen.query_one("Stepper")
        assert "strike" in str(stepper.render().spans)  # Rehearse and Execute struck through
        await press(pilot, "enter", "K")
        assert isinstance(app.screen, PreviewStep)  # neither goes on
        assert any("--read-only" in str(n.message) for n in app._notifications)
        await press(pilot, "s")  # the runbook is for exactly this
        assert list(demo.glob("mend-runbook-*.sql"))
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


# -- failures ------------------------------------------------------------------------------------
async def test_a_useless_data_fix_fails_the_rehearsal_and_leads_back(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "f", "end", "enter", "tab", "ctrl+end")
        await press(pilot, *'UPDATE "User" SET "name" = "name";', "ctrl+s")
        assert isinstance(app.screen, PreviewStep)
        await press(pilot, "enter")
        assert isinstance(app.screen, RehearseStep)
        result = app.screen.result
        assert result is not None and not result.ok and result.failed_step == 2
        text = flat(app)
        assert "The rehearsal failed at step 2" in text and "UNIQUE constraint failed" in text
        assert footer(app).get("enter") == "Change the plan"
        await press(pilot, "enter")
        assert isinstance(app.screen, DataFixStep)  # back to change the fix
        assert 'UPDATE "User" SET "name" = "name";' in app.screen.query_one(SqlEditor).text
    assert demo_status(demo) == 4
    assert len(demo_rows(demo, 'SELECT * FROM "User"')) == 2  # nothing stayed


async def test_a_changed_database_is_refused_then_inspected_again(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "b", "enter", "enter")
        assert isinstance(app.screen, ExecuteStep)
        # Someone changes the schema between the preview and the execution.
        with sqlite3.connect(demo / "prisma" / "dev.db") as connection:
            connection.execute('CREATE TABLE "Audit" ("id" INTEGER PRIMARY KEY)')
        await press(pilot, *NAME, "enter")
        assert app.screen.phase.value == "failed"
        text = screen_text(app)
        assert "The recovery failed: M4008" in text and "Nothing was changed" in text
        assert footer(app).get("enter") == "Re-inspect"
        await press(pilot, "enter")
        assert isinstance(app.screen, InspectStep)
        facts = str(app.screen.query_one("#facts").render())
        assert "`Audit`" in facts  # the fresh analysis sees the new table (unrelated drift)
        assert "(Data fix)" in stepper_text(app)  # a new start: nothing chosen yet
        # From the real state, the roll back goes through.
        await press(pilot, "enter", "b", "enter", "enter", *NAME, "enter", "enter")
        assert isinstance(app.screen, VerifyStep)
        assert "Verified:" in screen_text(app)
    assert demo_status(demo) == 3


async def test_skipping_the_rehearsal_asks_twice(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter", "b", "K")
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.focused is not None and app.screen.focused.id == "no"
        await press(pilot, "n")
        assert isinstance(app.screen, PreviewStep)
        await press(pilot, "K", "y")
        assert isinstance(app.screen, ExecuteStep)
        assert "The rehearsal was skipped" in screen_text(app)
        # The stepper says so too: Rehearse marked not done (struck through), Execute current.
        stepper = stepper_text(app)
        assert "○Rehearse" in stepper and "✓Rehearse" not in stepper, stepper
        assert "›  Execute  ›" in stepper, stepper
        assert "strike" in str(app.screen.query_one("Stepper").render().spans)
        await press(pilot, "escape")  # back: to the Preview, the rehearsal was not run
        assert isinstance(app.screen, PreviewStep)


async def test_quit_waits_while_a_step_writes(demo: Path):
    import threading

    from mend_core.recovery.session import RecoverySession

    gate = threading.Event()
    original = RecoverySession.execute

    def slow(self, incident, plan, observer):  # type: ignore[no-untyped-def]
        gate.wait(5)
        return original(self, incident, plan, observer)

    RecoverySession.execute = slow  # type: ignore[method-assign]
    try:
        app = wizard_app(demo)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await press(pilot, "x", "enter", "b", "enter", "enter", *NAME)
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert app.writing
            await pilot.press("q")
            await pilot.pause(0.2)
            assert app.is_running and isinstance(app.screen, ExecuteStep)
            assert any("quits once it has finished" in str(n.message) for n in app._notifications)
            gate.set()
            await settle(pilot)
            assert not app.writing and app.screen.phase.value == "done"  # type: ignore[attr-defined]
    finally:
        RecoverySession.execute = original  # type: ignore[method-assign]


# -- where it opens from ------------------------------------------------------------------------
async def test_opened_from_the_history_and_the_palette(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "h", "home")
        assert isinstance(app.screen, HistoryScreen) and "x" not in footer(app)
        await press(pilot, "end")  # the failed migration
        assert footer(app).get("x") == "Recover"
        await press(pilot, "x")
        assert isinstance(app.screen, InspectStep)
        assert app.screen.migration == NAME
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpModal)
        assert "Roll back, Roll forward" in screen_text(app)  # the wizard's keys, here
        assert "Filter: the next state" not in screen_text(app)  # not the history's
        assert app.screen.query_one("#dialog").max_scroll_y == 0  # all of it within 80x24
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, HistoryScreen)  # where it was opened from
        await press(pilot, "ctrl+p")
        await pilot.pause(0.3)
        await press(pilot, *"Recover", "enter")
        assert isinstance(app.screen, InspectStep)


def test_the_stepper_fits_80_columns_and_says_where_without_colour():
    from mend_tui.presentation import Look

    done = Progress(Step.VERIFY, data_fix=True).at(Step.VERIFY)
    for look in (Look(), Look(ascii=True), Look(color=False)):
        text = stepper_content(done, look).plain
        assert len(text) <= 78, text
        assert "Data fix" in text and "(Data fix)" not in text
    at_preview = stepper_content(Progress(Step.PREVIEW).at(Step.PREVIEW), Look(ascii=True)).plain
    assert at_preview.startswith("+Inspect > +Choose > (Data fix) >  Preview  > Rehearse")
    read_only = Progress(Step.PREVIEW, read_only=True).at(Step.PREVIEW)
    assert "(Rehearse) > (Execute) > Verify" in stepper_content(read_only, Look(ascii=True)).plain


def test_mend_recover_without_a_direction_needs_a_terminal(demo: Path):
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "mend_tui", "recover"],
        cwd=demo,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 2
    assert "on a terminal for the wizard" in completed.stderr


def test_mend_recover_on_a_terminal_opens_the_wizard(demo: Path, monkeypatch: pytest.MonkeyPatch):
    from click.testing import CliRunner

    import mend_tui.app
    import mend_tui.commands.recover
    from mend_tui.cli import main

    opened = {}

    def fake_run(context: object, **options: object) -> int:
        opened.update(options, context=context)
        return 0

    # Where the command looks it up (bound at its import, which may come before this test).
    monkeypatch.setattr(mend_tui.commands.recover, "is_interactive", lambda: True)
    monkeypatch.setattr(mend_tui.app, "run", fake_run)
    result = CliRunner().invoke(main, ["--ascii", "recover", NAME, "--read-only"])
    assert result.exit_code == 0, result.output
    assert opened["recover"] == NAME and opened["ascii_only"] is True
    assert opened["context"].read_only  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["recover", "--dedupe", "suffix"])
    assert result.exit_code == 2 and "the wizard picks the fix" in result.output


async def test_the_app_opens_on_the_wizard_when_asked(demo: Path):
    context = fixed_context(load_context(root=demo, environ={}))
    app = MendApp(context, clock=lambda: FIXED_CLOCK, recover="")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InspectStep) and app.screen.migration == NAME
        await press(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)


def test_the_wizards_screens_keep_their_styles_in_tcss_files_beside_them():
    import importlib
    import inspect

    from textual.screen import Screen

    import mend_tui

    package = Path(mend_tui.__file__).parent
    folder = package / "screens" / "recover"
    modules = [f"mend_tui.screens.recover.{p.stem}" for p in folder.glob("*.py")]
    screens = []
    for name in [*modules, "mend_tui.screens.wizard_step", "mend_tui.modals.confirm"]:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == name:
                assert "DEFAULT_CSS" not in vars(cls) and "CSS" not in vars(cls), cls
                paths = cls.CSS_PATH if isinstance(cls.CSS_PATH, list) else [cls.CSS_PATH]
                for path in paths:
                    assert (Path(module.__file__).parent / str(path)).is_file(), (cls, path)  # type: ignore[arg-type]
                screens.append(cls.__name__)
    assert len(screens) >= 9, screens  # the seven steps, the backdrop, the confirmation
