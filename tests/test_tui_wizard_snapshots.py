"""The recovery wizard's steps at 80x24 on the demo, each a snapshot (fixed clock, counted ids,
fixed step timings: tests/scenes.py); and, for every step, --ascii drawing nothing but ASCII
and NO_COLOR spelling out what colour would say."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from mend_tui.app import MendApp
from scenes import WIZARD_SCENES, demo_app, demo_project
from tui_support import non_ascii, screen_text


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "mend-demo"
    demo_project(folder)
    monkeypatch.chdir(folder)
    return folder


def scene_app(folder: Path, name: str, **options: object) -> MendApp:
    scene = WIZARD_SCENES[name]
    return demo_app(folder, scene.context, **{**scene.options, **options})


async def shows(pilot: Pilot[object], app: MendApp, text: str) -> None:
    """Wait (10 s at most: a loaded machine, four test workers on two cores) until `text` is
    on screen."""
    for _ in range(200):
        if text in screen_text(app):
            return
        await pilot.pause(0.05)
    assert text in screen_text(app), screen_text(app)


@pytest.mark.parametrize("scene", list(WIZARD_SCENES))
def test_snapshot(scene: str, demo: Path, snap_compare):  # type: ignore[no-untyped-def]
    app = scene_app(demo, scene)
    assert snap_compare(app, terminal_size=(80, 24), run_before=WIZARD_SCENES[scene].run)


@pytest.mark.parametrize("scene", list(WIZARD_SCENES))
async def test_ascii_draws_only_ascii(scene: str, demo: Path):
    app = scene_app(demo, scene, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await WIZARD_SCENES[scene].run(pilot)
        text = screen_text(app)
        assert not non_ascii(text), text
        stepper = text.splitlines()[1].split()
        assert [w.lstrip("+") for w in stepper if w != ">"][:2] == ["Inspect", "Choose"]
        assert stepper[-1] == "Verify" and stepper.count(">") == 6, stepper


async def test_no_color_spells_the_effects_out(demo: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = scene_app(demo, "recover-1-inspect")
    async with app.run_test(size=(80, 24)) as pilot:
        await WIZARD_SCENES["recover-1-inspect"].run(pilot)
        await shows(pilot, app, "▶failed      3 10 │")  # the gutter, in words
        assert "Statement 3: failed  SQLITE_CONSTRAINT_UNIQUE" in screen_text(app)
        await pilot.press("p")
        await shows(pilot, app, "▶took effect 2  7 │")
        assert "Statement 2: took effect" in screen_text(app)


@pytest.mark.parametrize("scene", ["recover-1-inspect", "recover-2-choose", "recover-4-preview"])
async def test_wide_terminals_put_the_panels_side_by_side(scene: str, demo: Path):
    app = scene_app(demo, scene)
    async with app.run_test(size=(120, 36)) as pilot:
        await WIZARD_SCENES[scene].run(pilot)
        assert app.screen.has_class("-wide")
        panels = [p for p in app.screen.query("Panel") if p.display]
        assert len(panels) == 2 and panels[0].region.y == panels[1].region.y
    app = scene_app(demo, scene)
    async with app.run_test(size=(80, 24)) as pilot:
        await WIZARD_SCENES[scene].run(pilot)
        panels = [p for p in app.screen.query("Panel") if p.display]
        assert panels[0].region.y < panels[1].region.y  # stacked
