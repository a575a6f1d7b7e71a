"""Helpers for the app's tests: the text on screen, as a person would read it."""

from __future__ import annotations

import html
import re

from pytest_textual_snapshot import SVGImageExtension
from syrupy.location import PyTestLocation
from syrupy.types import SnapshotIndex
from textual.app import App
from textual.pilot import Pilot

_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>'
)
_CHAR_WIDTH = 12.2  # Rich's SVG export: 20px font, 0.61 em per cell


def screen_text(app: App[object]) -> str:
    """Every cell of the screen, as text, rows joined by newlines (trailing spaces cut)."""
    width, height = app.size
    grid = [[" "] * width for _ in range(height)]
    for match in _TEXT.finditer(app.export_screenshot()):
        column = round(float(match.group(1)) / _CHAR_WIDTH)
        row = int(match.group(2))
        text = html.unescape(match.group(3)).replace("\xa0", " ")
        for offset, character in enumerate(text):
            if row < height and column + offset < width:
                grid[row][column + offset] = character
    return "\n".join("".join(row).rstrip() for row in grid)


def non_ascii(text: str) -> set[str]:
    return {character for character in text if not character.isascii()}


class SceneSnapshot(SVGImageExtension):
    """A snapshot file per scene of a walk, named as when each scene was a test of its own
    (`test_snapshot[<scene>].svg`): `snapshot(name=scene)` with this extension."""

    @classmethod
    def get_snapshot_name(cls, *, test_location: PyTestLocation, index: SnapshotIndex = 0) -> str:
        return f"test_snapshot[{index}]"


async def screenshot(pilot: Pilot[object]) -> str:
    """The screen as snap_compare takes it at the end of its run_before (textual._doc's
    take_svg_screenshot): animations done, then the SVG."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    return pilot.app.export_screenshot(title=pilot.app.title, simplify=True)
