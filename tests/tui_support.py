"""Helpers for the app's tests: the text on screen, as a person would read it."""

from __future__ import annotations

import html
import re

from textual.app import App

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
