"""Regenerate the README's screenshots: each screen of the app at 120x36, on the demo project.

Run: .venv/bin/python screenshots/generate.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from mend_tui.scenes import SCENES, demo_app

HERE = Path(__file__).resolve().parent
SIZE = (120, 36)


async def shoot(name: str, folder: Path) -> None:
    app = demo_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        await SCENES[name](pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


def main() -> None:
    for variable in ("NO_COLOR", "TEXTUAL_THEME", "TEXTUAL_COLOR_SYSTEM"):
        os.environ.pop(variable, None)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "mend-demo"
        for name in SCENES:
            asyncio.run(shoot(name, folder))


if __name__ == "__main__":
    main()
