"""The recovery wizard's steps at 80x24 on the demo, each a snapshot (fixed clock, counted ids,
fixed step timings: tests/scenes.py), taken on one walk per way through the wizard; and, for
every step, --ascii drawing nothing but ASCII and NO_COLOR spelling out what colour would say."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy import SnapshotAssertion
from textual.pilot import Pilot

from mend_tui.app import MendApp
from scenes import WIZARD_WALKS, Walk, demo_app
from tui_support import SceneSnapshot, non_ascii, screen_text, screenshot

WALKS = {walk.name: walk for walk in WIZARD_WALKS}
# The steps with two panels: side by side on a wide terminal, stacked at 80x24.
TWO_PANELS = ("recover-1-inspect", "recover-2-choose", "recover-4-preview")


def walk_app(folder: Path, walk: Walk, **options: object) -> MendApp:
    return demo_app(folder, walk.context, walk.project, **{**walk.options, **options})


async def shows(pilot: Pilot[object], app: MendApp, text: str) -> None:
    """Wait (10 s at most: a loaded machine, four test workers on two cores) until `text` is
    on screen."""
    for _ in range(200):
        if text in screen_text(app):
            return
        await pilot.pause(0.05)
    assert text in screen_text(app), screen_text(app)


def displayed_panels(app: MendApp) -> list[object]:
    return [p for p in app.screen.query("Panel") if p.display]


@pytest.mark.parametrize("walk", list(WALKS))
async def test_snapshot(walk: str, demo: Path, snapshot: SnapshotAssertion):
    """Each scene of the walk as snap_compare would take it (the app run as App.run runs it:
    notifications shown), against tests/__snapshots__/test_tui_wizard_snapshots/."""
    snapshots = snapshot.use_extension(SceneSnapshot)
    app = walk_app(demo, WALKS[walk])
    async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
        async for scene in WALKS[walk].taken(pilot):
            assert snapshots(name=scene) == await screenshot(pilot), scene
            if scene in TWO_PANELS:
                panels = displayed_panels(app)
                assert panels[0].region.y < panels[1].region.y, scene  # type: ignore[attr-defined]


@pytest.mark.parametrize("walk", list(WALKS))
async def test_ascii_draws_only_ascii(walk: str, demo: Path):
    app = walk_app(demo, WALKS[walk], ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        async for scene in WALKS[walk].taken(pilot):
            text = screen_text(app)
            assert not non_ascii(text), (scene, text)
            stepper = text.splitlines()[1].split()
            assert [w.lstrip("+") for w in stepper if w != ">"][:2] == ["Inspect", "Choose"]
            assert stepper[-1] == "Verify" and stepper.count(">") == 6, (scene, stepper)


async def test_no_color_spells_the_effects_out(demo: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    walk = WALKS["roll-forward"].upto("recover-1-inspect")
    app = walk_app(demo, walk)
    async with app.run_test(size=(80, 24)) as pilot:
        async for _ in walk.taken(pilot):
            pass
        await shows(pilot, app, "▶failed      3 10 │")  # the gutter, in words
        assert "Statement 3: failed  SQLITE_CONSTRAINT_UNIQUE" in screen_text(app)
        await pilot.press("p")
        await shows(pilot, app, "▶took effect 2  7 │")
        assert "Statement 2: took effect" in screen_text(app)


async def test_wide_terminals_put_the_panels_side_by_side(demo: Path):
    """(Stacked at 80x24: test_snapshot.)"""
    walk = WALKS["roll-forward"].upto(TWO_PANELS[-1])
    app = walk_app(demo, walk)
    checked = []
    async with app.run_test(size=(120, 36)) as pilot:
        async for scene in walk.taken(pilot):
            if scene in TWO_PANELS:
                assert app.screen.has_class("-wide"), scene
                panels = displayed_panels(app)
                assert len(panels) == 2, scene
                assert panels[0].region.y == panels[1].region.y, scene  # type: ignore[attr-defined]
                checked.append(scene)
    assert checked == list(TWO_PANELS)
