"""A wizard step's load starts as the step is asked for, before its screen is made
(wizard_step.Ahead, wizard_flow.StepShower.ahead): in by the time the screen opens, its data is
in the screen's first frame (no frame of the busy indicator, none of targets still checking);
still running, the screen shows the busy indicator or the checks as they come, from that same
load (not a second one); a retry, and `r` on Targets, load again."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import Project
from mend_core.errors import MendError
from mend_core.hotfix.session import HotfixSession
from mend_core.recovery.session import RecoverySession
from mend_tui.app import MendApp
from mend_tui.screens import wizard_flow
from mend_tui.screens.hotfix.targets import TargetsStep
from mend_tui.screens.recover.preview import PreviewStep
from mend_tui.screens.wizard_step import Ahead
from scenes import settle
from test_tui_hotfix import app_on, copy_database, hotfixed, sqlite_db, targets_in  # noqa: F401
from test_tui_wizard import flat, press, wizard_app

Frame = tuple[str, dict[str, Any]]


def spy_frames(app: MendApp, facts: dict[str, Any]) -> list[Frame]:
    """Every frame the app hands the terminal: its screen's class and what `facts` (by class
    name: a function of the screen) say of it at that moment."""
    frames: list[Frame] = []
    display = app._display

    def spy(screen: Any, renderable: Any) -> None:
        name = type(screen).__name__
        if renderable is not None and name in facts:
            frames.append((name, facts[name](screen)))
        display(screen, renderable)

    app._display = spy  # type: ignore[method-assign]
    return frames


def test_an_ahead_gives_its_result_once_then_loads_anew():
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise MendError("P1001", "Can't reach database server.", "Start it.")
        return len(calls)

    ahead = Ahead(load)
    ahead.future.exception(timeout=10)  # (the thread has run)
    assert ahead.ready()
    with pytest.raises(MendError):
        ahead()  # what the thread got, as the load's own error
    assert not ahead.ready() and calls == [1]
    assert ahead() == 2  # then a fresh load each time (a retry)
    assert ahead() == 3


async def test_the_recovery_preview_shows_its_plan_in_its_first_frame(
    demo: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(wizard_flow, "AHEAD_WAIT", 30.0)  # what a quiet machine does: in time
    calls: list[object] = []
    plan = RecoverySession.plan

    def counted(self: RecoverySession, *args: Any, **options: Any) -> Any:
        calls.append(args)
        return plan(self, *args, **options)

    monkeypatch.setattr(RecoverySession, "plan", counted)
    app = wizard_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        frames = spy_frames(
            app, {"PreviewStep": lambda s: {"busy": s.busy, "plan": s.plan is not None}}
        )
        await settle(pilot)
        await press(pilot, "x", "enter", "f", "enter")
        assert isinstance(app.screen, PreviewStep)
        assert "Fingerprint" in flat(app)
        assert frames and all(f == {"busy": False, "plan": True} for _, f in frames), frames
        assert len(calls) == 1  # planned once, ahead of the screen


async def test_a_slow_plan_shows_the_busy_indicator_then_the_plan(
    demo: Path, monkeypatch: pytest.MonkeyPatch
):
    gate = threading.Event()
    calls: list[object] = []
    plan = RecoverySession.plan

    def slow(self: RecoverySession, *args: Any, **options: Any) -> Any:
        calls.append(args)
        gate.wait(10)
        return plan(self, *args, **options)

    monkeypatch.setattr(RecoverySession, "plan", slow)
    app = wizard_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter")
        # (not settled: the plan of the first template, started as Data fix shows, waits)
        await pilot.press("f")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, PreviewStep) and screen.busy
        assert "Planning with the data fix first" in flat(app)
        gate.set()
        await settle(pilot)
        assert not screen.busy and screen.plan is not None and "Fingerprint" in flat(app)
        assert len(calls) == 1  # the screen waited for the plan under way, not a second one


def four_targets(project: Project, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = Path(project.url.removeprefix("file:"))
    targets_in(
        project,
        monkeypatch,
        main=project.url,
        staging=copy_database(live, tmp / "staging.db"),
        qa=copy_database(live, tmp / "qa.db", 'DROP INDEX "User_name_idx"'),
        eu=copy_database(
            live,
            tmp / "eu.db",
            'DROP INDEX "User_name_idx"',
            'CREATE INDEX "User_name_idx" ON "User"("name", "age")',
        ),
    )


def counted_checks(
    monkeypatch: pytest.MonkeyPatch, gate: threading.Event | None = None
) -> list[int]:
    calls: list[int] = []
    check = HotfixSession.check_targets

    def counted(self: HotfixSession, *args: Any, **options: Any) -> Any:
        calls.append(1)
        if gate is not None:
            gate.wait(10)
        return check(self, *args, **options)

    monkeypatch.setattr(HotfixSession, "check_targets", counted)
    return calls


STATES = {"main": "this_database", "staging": "patched", "qa": "unpatched", "eu": "conflict"}


async def test_the_targets_are_checked_in_the_first_frame_of_their_step(
    hotfixed: Project,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    four_targets(hotfixed, tmp_path, monkeypatch)
    monkeypatch.setattr(wizard_flow, "AHEAD_WAIT", 30.0)  # what a quiet machine does: in time
    calls = counted_checks(monkeypatch)
    app = app_on(hotfixed)
    async with app.run_test(size=(120, 36)) as pilot:
        frames = spy_frames(
            app,
            {"TargetsStep": lambda s: {"busy": s.busy, "done": s.done and not s.checking}},
        )
        await settle(pilot)
        await press(pilot, "d", "enter", "enter", "enter")
        screen = app.screen
        assert isinstance(screen, TargetsStep)
        assert {n: c.state.value for n, c in screen.checks.items()} == STATES
        assert "4 of 4 checked" in flat(app) and "checking" not in flat(app)
        assert frames and all(f == {"busy": False, "done": True} for _, f in frames), frames
        assert len(calls) == 1
        await press(pilot, "r")  # checks again, anew
        assert len(calls) == 2
        assert {n: c.state.value for n, c in screen.checks.items()} == STATES


async def test_targets_still_checking_come_in_from_the_checks_under_way(
    hotfixed: Project,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    four_targets(hotfixed, tmp_path, monkeypatch)
    gate = threading.Event()
    calls = counted_checks(monkeypatch, gate)
    app = app_on(hotfixed)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "d", "enter")
        # (not settled: the checks, started as the Preview shows, wait)
        await pilot.press("enter")
        for _ in range(100):  # the preview in, its Targets built ahead
            await pilot.pause(0.1)
            if any(isinstance(s, TargetsStep) for s in built_ahead(app)):
                break
        await pilot.press("enter")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, TargetsStep) and screen.checking
        assert "0 of 4 checked" in flat(app) and "checking" in flat(app)
        gate.set()
        await settle(pilot)
        assert {n: c.state.value for n, c in screen.checks.items()} == STATES
        assert "4 of 4 checked" in flat(app) and not screen.checking
        assert len(calls) == 1  # the checks under way, not a second round


# -- the likely next step, built ahead (wizard_flow.StepShower.prepare) ----------------------
def built_ahead(app: MendApp) -> list[Any]:
    """The wizard's screens made ahead of their key, off-screen, not shown yet."""
    return [
        s
        for s in app._installed_screens.values()
        if getattr(s, "built_ahead", False) and s not in app.screen_stack
    ]


async def built(pilot: Any, app: MendApp, count: int = 1) -> list[Any]:
    """The screens built ahead, once there are `count` of them, mounted (they are built a
    moment after the step shows: 10 s at most)."""
    for _ in range(100):
        ahead = built_ahead(app)
        if len(ahead) >= count and all(s.is_mounted for s in ahead):
            return ahead
        await pilot.pause(0.1)
    return built_ahead(app)


async def test_the_next_step_is_built_ahead_and_shown_at_its_key(
    demo: Path, monkeypatch: pytest.MonkeyPatch
):
    rehearsals: list[object] = []
    rehearse = RecoverySession.rehearse

    def counted(self: RecoverySession, *args: Any, **options: Any) -> Any:
        rehearsals.append(args)
        return rehearse(self, *args, **options)

    monkeypatch.setattr(RecoverySession, "rehearse", counted)
    app = wizard_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for key, step in [
            ("x", "ChooseStep"),
            ("enter", "DataFixStep"),
            ("f", "PreviewStep"),
            ("enter", "RehearseStep"),
        ]:
            await press(pilot, key)
            ahead = await built(pilot, app)
            assert [type(s).__name__ for s in ahead] == [step], (key, ahead)
            assert ahead[0].is_mounted
        assert rehearsals == []  # built, not run: a rehearsal starts when its step shows
        await press(pilot, "enter")
        assert app.screen is ahead[0] and "Rehearsed" in flat(app)
        assert len(rehearsals) == 1
        (execute,) = await built(pilot, app)
        assert type(execute).__name__ == "ExecuteStep"
        await press(pilot, "enter")
        assert app.screen is execute and "to run it" in flat(app)
        await press(pilot, "escape", "escape", "escape", "escape", "escape", "escape")
        assert type(app.screen).__name__ == "DashboardScreen"
        assert app._installed_screens == {} or not any(
            getattr(s, "built_ahead", False) for s in app._installed_screens.values()
        )  # the wizard closed: nothing it built stays


async def test_a_step_built_ahead_for_another_choice_is_not_shown(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "x", "enter")
        data_fix = await built(pilot, app)
        assert [type(s).__name__ for s in data_fix] == ["DataFixStep"]
        await press(pilot, "b")  # roll back: no data fix; its Preview made at the key
        assert type(app.screen).__name__ == "PreviewStep" and not app.screen.built_ahead
        assert "Roll back" in flat(app)
        await press(pilot, "escape", "f")  # the built one, for the same plans, is shown
        assert app.screen is data_fix[0]
        await press(pilot, "down", "enter")  # another fix than the one its Preview was for
        assert type(app.screen).__name__ == "PreviewStep" and not app.screen.built_ahead


async def test_the_hotfix_wizards_next_steps_are_built_ahead(
    hotfixed: Project,  # noqa: F811 - the fixture imported above
):
    app = app_on(hotfixed)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await press(pilot, "d")
        (name,) = await built(pilot, app)  # every item checked: Name for all of them
        assert type(name).__name__ == "NameStep" and name.is_mounted
        await press(pilot, "enter")
        assert app.screen is name
        assert built_ahead(app) == []  # (the name may be typed: its Preview made at the key)
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "HotfixPreviewStep" and "Rehearsed:" in flat(app)
        (targets,) = await built(pilot, app)
        assert isinstance(targets, TargetsStep)
        await press(pilot, "enter")
        assert app.screen is targets and "No mend.toml" in flat(app)
        await press(pilot, "enter")
        apply = app.screen
        assert type(apply).__name__ == "ApplyStep" and built_ahead(app) == []
        await press(pilot, *apply.expected, "enter")  # type: ignore[attr-defined]
        assert apply.phase.value == "done", flat(app)  # type: ignore[attr-defined]
        (verify,) = await built(pilot, app)  # applied: Verify built, verifying, as this is read
        assert type(verify).__name__ == "HotfixVerifyStep"
        await press(pilot, "enter")
        assert app.screen is verify and "Verified: drift shows none" in flat(app)
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "DashboardScreen"
        assert built_ahead(app) == [] and verify not in app._installed_screens.values()
