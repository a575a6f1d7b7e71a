"""Regenerate the README's screenshots: each screen of the app at 120x36, on the demo project.

Run: .venv/bin/python screenshots/generate.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the demo scenes live with the tests

from scenes import SCENES, demo_app  # noqa: E402

SIZE = (120, 36)
# The README's screens, and two more it links to.
SHOTS = (
    "dashboard",
    "history-sql",
    "history-logs",
    "history-attempts",
    "help",
    "recovery",
    "palette",
    "error",
)


async def shoot(name: str, folder: Path) -> None:
    scene = SCENES[name]
    app = demo_app(folder, **scene.options)
    async with app.run_test(size=SIZE) as pilot:
        await scene.run(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


def main() -> None:
    for variable in ("NO_COLOR", "TEXTUAL_THEME", "TEXTUAL_COLOR_SYSTEM"):
        os.environ.pop(variable, None)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "mend-demo"
        for name in SHOTS:
            asyncio.run(shoot(name, folder))


if __name__ == "__main__":
    main()
