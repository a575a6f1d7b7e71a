"""The hotfix wizard's steps at 80x24, each a snapshot (fixed clock, counted ids: tests/scenes.py)
taken on one walk per way through it: the recovered demo with its mend.toml walked to the end,
then the demo as written (its failed migration's leftovers, and an index built on them that
waits for the recovery), an empty name, read-only at Targets. For every scene, --ascii draws
nothing but ASCII; without colour, marks and words still tell apart what colour would."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy import SnapshotAssertion

from mend_tui.app import MendApp
from scenes import HOTFIX_WALKS, Walk, demo_app
from tui_support import SceneSnapshot, non_ascii, screen_text, screenshot

WALKS = {walk.name: walk for walk in HOTFIX_WALKS}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # (demo_app moves into the project: undone after the test)
    return tmp_path / "mend-demo"


def walk_app(folder: Path, walk: Walk, **options: object) -> MendApp:
    return demo_app(folder, walk.context, walk.project, **{**walk.options, **options})


@pytest.mark.parametrize("walk", list(WALKS))
async def test_snapshot(walk: str, folder: Path, snapshot: SnapshotAssertion):
    """Each scene of the walk as snap_compare would take it (the app run as App.run runs it:
    notifications shown), against tests/__snapshots__/test_tui_hotfix_snapshots/."""
    snapshots = snapshot.use_extension(SceneSnapshot)
    app = walk_app(folder, WALKS[walk])
    async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
        async for scene in WALKS[walk].taken(pilot):
            assert snapshots(name=scene) == await screenshot(pilot), scene


@pytest.mark.parametrize("walk", list(WALKS))
async def test_ascii_draws_only_ascii(walk: str, folder: Path):
    app = walk_app(folder, WALKS[walk], ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        async for scene in WALKS[walk].taken(pilot):
            text = screen_text(app)
            assert not non_ascii(text), (scene, text)
            stepper = [w for w in text.splitlines()[1].split() if w != ">"]
            assert [w.lstrip("+").strip("()") for w in stepper] == [
                "Items",
                "Name",
                "Preview",
                "Targets",
                "Apply",
                "Verify",
            ], (scene, stepper)


async def test_without_colour_the_states_are_marks_and_words(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("NO_COLOR", "1")
    walk = WALKS["to-verify"].upto("hotfix-4-targets")
    app = walk_app(folder, walk)
    async with app.run_test(size=(120, 36)) as pilot:
        async for _ in walk.taken(pilot):
            pass
        text = screen_text(app)
        for words in ("= this database", "✓ patched", "○ unpatched", "≠ conflict", "? not set"):
            assert words in text, text
    app = walk_app(folder.parent / "demo-as-written", WALKS["items-demo"])
    async with app.run_test(size=(80, 24)) as pilot:
        async for _ in WALKS["items-demo"].taken(pilot):
            pass
        text = screen_text(app)
        assert "index `User_email_idx` on `User`  recover it first" in text
        assert " -      table `Post`" in text


@pytest.mark.parametrize(
    ("walk", "scenes"),
    [("to-verify", ["hotfix-1-items", "hotfix-3-preview"]), ("items-demo", ["hotfix-items-demo"])],
)
async def test_wide_terminals_put_the_panels_side_by_side(
    walk: str, scenes: list[str], folder: Path
):
    taken = WALKS[walk].upto(scenes[-1])
    app = walk_app(folder, taken)
    checked = []
    async with app.run_test(size=(120, 36)) as pilot:
        async for scene in taken.taken(pilot):
            if scene in scenes:
                assert app.screen.has_class("-wide"), scene
                panels = [p for p in app.screen.query("Panel") if p.display]
                assert len(panels) == 2, scene
                assert panels[0].region.y == panels[1].region.y, scene
                checked.append(scene)
    assert checked == scenes
