"""Regenerate the README's screenshots: each screen of the app at 120x36, on the demo project,
then each step of the recovery wizard in order (recover-1-inspect.svg ... recover-7-verify.svg:
a roll forward with the generated data fix, as the README walks through it), then each step of
the hotfix wizard in order (hotfix-1-items.svg ... hotfix-6-verify.svg: the demo's hand-made
index, once the demo is recovered, with a mend.toml of five targets), and the hotfix wizard's
Items on the demo as written (its index is built on the failed migration's column: it waits for
the recovery).

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

from scenes import HOTFIX_SCENES, SCENES, WIZARD_SCENES, Scene, demo_app  # noqa: E402

SIZE = (120, 36)
# The README's screens, and two more it links to.
SHOTS = (
    "dashboard",
    "history-sql",
    "history-logs",
    "history-attempts",
    "help",
    "palette",
    "error",
)
# The wizard's steps, in order; each from a fresh demo (the later ones write to it).
WIZARD_SHOTS = (
    "recover-1-inspect",
    "recover-2-choose",
    "recover-3-data-fix",
    "recover-4-preview",
    "recover-5-rehearse",
    "recover-6-executed",
    "recover-7-verify",
)
# The hotfix wizard's steps, in order, each from a fresh project; then the demo as written.
HOTFIX_SHOTS = (
    "hotfix-1-items",
    "hotfix-2-name",
    "hotfix-3-preview",
    "hotfix-4-targets",
    "hotfix-5-applied",
    "hotfix-6-verify",
    "hotfix-items-demo",
)


async def shoot(name: str, scene: Scene, folder: Path, filename: str) -> None:
    app = demo_app(folder, scene.context, scene.project, **scene.options)
    async with app.run_test(size=SIZE) as pilot:
        await scene.run(pilot)
        app.save_screenshot(filename=filename, path=str(HERE))
    print(f"screenshots/{filename}")


def main() -> None:
    for variable in ("NO_COLOR", "TEXTUAL_THEME", "TEXTUAL_COLOR_SYSTEM"):
        os.environ.pop(variable, None)
    with tempfile.TemporaryDirectory() as temporary:
        os.environ["MEND_JOURNAL"] = str(Path(temporary) / "journal.jsonl")
        folder = Path(temporary) / "mend-demo"
        for name in SHOTS:
            asyncio.run(shoot(name, SCENES[name], folder, f"{name}.svg"))
        for number, name in enumerate(WIZARD_SHOTS):
            fresh = Path(temporary) / f"wizard-{number}" / "mend-demo"
            # recover-6-executed is the Execute step once it ran: named as the step.
            filename = "recover-6-execute.svg" if name == "recover-6-executed" else f"{name}.svg"
            asyncio.run(shoot(name, WIZARD_SCENES[name], fresh, filename))
        for number, name in enumerate(HOTFIX_SHOTS):
            fresh = Path(temporary) / f"hotfix-{number}" / "mend-demo"
            # hotfix-5-applied is the Apply step once it ran: named as the step.
            filename = "hotfix-5-apply.svg" if name == "hotfix-5-applied" else f"{name}.svg"
            asyncio.run(shoot(name, HOTFIX_SCENES[name], fresh, filename))


if __name__ == "__main__":
    main()
