"""The hotfix wizard's steps at 80x24, each a snapshot (fixed clock, counted ids: tests/scenes.py):
the recovered demo with its mend.toml walked to the end, then the demo as written (its failed
migration's leftovers, and an index built on them that waits for the recovery), an empty name,
read-only at Targets. For every scene, --ascii draws nothing but ASCII; without colour, marks
and words still tell apart what colour would."""

from __future__ import annotations

from pathlib import Path

import pytest

from mend_tui.app import MendApp
from scenes import HOTFIX_SCENES, demo_app
from tui_support import non_ascii, screen_text


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # (demo_app moves into the project: undone after the test)
    return tmp_path / "mend-demo"


def scene_app(folder: Path, name: str, **options: object) -> MendApp:
    scene = HOTFIX_SCENES[name]
    return demo_app(folder, scene.context, scene.project, **{**scene.options, **options})


@pytest.mark.parametrize("scene", list(HOTFIX_SCENES))
def test_snapshot(scene: str, folder: Path, snap_compare):  # type: ignore[no-untyped-def]
    app = scene_app(folder, scene)
    assert snap_compare(app, terminal_size=(80, 24), run_before=HOTFIX_SCENES[scene].run)


@pytest.mark.parametrize("scene", list(HOTFIX_SCENES))
async def test_ascii_draws_only_ascii(scene: str, folder: Path):
    app = scene_app(folder, scene, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await HOTFIX_SCENES[scene].run(pilot)
        text = screen_text(app)
        assert not non_ascii(text), text
        stepper = [w for w in text.splitlines()[1].split() if w != ">"]
        assert [w.lstrip("+").strip("()") for w in stepper] == [
            "Items",
            "Name",
            "Preview",
            "Targets",
            "Apply",
            "Verify",
        ], stepper


async def test_without_colour_the_states_are_marks_and_words(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("NO_COLOR", "1")
    app = scene_app(folder, "hotfix-4-targets")
    async with app.run_test(size=(120, 36)) as pilot:
        await HOTFIX_SCENES["hotfix-4-targets"].run(pilot)
        text = screen_text(app)
        for words in ("= this database", "✓ patched", "○ unpatched", "≠ conflict", "? not set"):
            assert words in text, text
    app = scene_app(folder.parent / "demo-as-written", "hotfix-items-demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await HOTFIX_SCENES["hotfix-items-demo"].run(pilot)
        text = screen_text(app)
        assert "index `User_email_idx` on `User`  recover it first" in text
        assert " -      table `Post`" in text


@pytest.mark.parametrize("scene", ["hotfix-1-items", "hotfix-3-preview", "hotfix-items-demo"])
async def test_wide_terminals_put_the_panels_side_by_side(scene: str, folder: Path):
    app = scene_app(folder, scene)
    async with app.run_test(size=(120, 36)) as pilot:
        await HOTFIX_SCENES[scene].run(pilot)
        assert app.screen.has_class("-wide")
        panels = [p for p in app.screen.query("Panel") if p.display]
        assert len(panels) == 2 and panels[0].region.y == panels[1].region.y
