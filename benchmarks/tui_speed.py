"""Speed of the terminal app (issue 4), measured on the real command in tmux at 120x36.

1. `mend demo` shows its first frame within 1 s (and the status soon after). Baseline in the
   same run: a minimal Textual app's first frame.
2. The history of 10,000 migrations opens within 1 s of pressing `h`, and scrolls without lag
   (time per key press, in-process with Textual's Pilot).
3. A 5 MB migration.sql previews within 1 s (in-process: from the cursor landing on it to
   its SQL on screen).

Run: .venv/bin/python benchmarks/tui_speed.py [--runs N] [--only first-frame]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent / "tests"))  # scenes.settle
from cli_speed import build_project

MEND = [sys.executable, "-m", "mend_tui"]
MINIMAL_APP = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class A(App):\n    def compose(self):\n        yield Static('minimal app ready')\n"
    "A().run()\n"
)


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def until_screen_shows(session: str, text: str, started: float, timeout: float = 30) -> float:
    while time.perf_counter() - started < timeout:
        if text in tmux("capture-pane", "-p", "-t", session):
            return time.perf_counter() - started
        time.sleep(0.005)
    raise SystemExit(f"{text!r} never appeared in {session}")


def launch(session: str, command: list[str], cwd: Path) -> float:
    tmux("kill-session", "-t", session)
    quoted = " ".join(f"'{part}'" for part in command)
    started = time.perf_counter()
    tmux(
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        "120",
        "-y",
        "36",
        "-c",
        str(cwd),
        f"env NO_COLOR=1 {quoted}; sleep 5",
    )
    return started


def first_frames(runs: int, folder: Path) -> None:
    demo_frame, demo_status, minimal = [], [], []
    for run in range(runs):
        target = folder / f"demo-{run}"
        started = launch("bench-demo", [*MEND, "demo", str(target)], folder)
        demo_frame.append(until_screen_shows("bench-demo", "mend  ", started))
        demo_status.append(until_screen_shows("bench-demo", "20240103000000_unique", started))
        tmux("kill-session", "-t", "bench-demo")
        script = folder / "minimal_app.py"
        script.write_text(MINIMAL_APP)
        started = launch("bench-min", [sys.executable, str(script)], folder)
        minimal.append(until_screen_shows("bench-min", "minimal app ready", started))
        tmux("kill-session", "-t", "bench-min")
    print(
        f"mend demo: first frame {statistics.median(demo_frame):.2f} s, status on screen "
        f"{statistics.median(demo_status):.2f} s (demo written included) | minimal Textual "
        f"app first frame {statistics.median(minimal):.2f} s   [target: first frame < 1 s]"
    )


def history_opens(runs: int, folder: Path) -> None:
    project = folder / "big"
    if not project.exists():
        project.mkdir()
        build_project(project, 10_000)
    dashboard, history = [], []
    for _ in range(runs):
        started = launch("bench-big", MEND, project)
        dashboard.append(until_screen_shows("bench-big", "9990 applied", started))
        time.sleep(0.2)
        started = time.perf_counter()
        tmux("send-keys", "-t", "bench-big", "h")
        history.append(until_screen_shows("bench-big", "1:all", started))
        tmux("kill-session", "-t", "bench-big")
    print(
        f"10,000 migrations: dashboard with status {statistics.median(dashboard):.2f} s from "
        f"launch; history open {statistics.median(history):.2f} s after `h`   "
        "[target: history < 1 s]"
    )
    asyncio.run(scrolling(project))


async def scrolling(project: Path) -> None:
    from mend_core.project.context import load_context
    from mend_tui.app import MendApp
    from scenes import settle

    os.chdir(project)
    app = MendApp(load_context(root=project, environ={}))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        started = time.perf_counter()
        for key in KEYS:
            await pilot.press(key)
        elapsed = time.perf_counter() - started
    baseline = await datatable_baseline()
    print(
        f"10,000 migrations: {elapsed / len(KEYS) * 1000:.0f} ms per key press in the history "
        f"| Textual's DataTable with 200 rows {baseline * 1000:.0f} ms per key (same keys, "
        f"Pilot) | ratio {elapsed / len(KEYS) / baseline:.2f}x   [target: no lag]"
    )


KEYS = ["down"] * 60 + ["pagedown"] * 40 + ["end", "home"] + ["pagedown"] * 20


async def datatable_baseline() -> float:
    """Seconds per key press for a small DataTable: what Pilot and Textual cost anyway."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Baseline(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("name", "state", "started")
            table.add_rows([(f"migration_{n}", "applied", "2024-01-01") for n in range(200)])
            table.focus()

    app = Baseline()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        for key in KEYS:
            await pilot.press(key)
        return (time.perf_counter() - started) / len(KEYS)


async def big_preview(folder: Path) -> None:
    from mend_core.project.context import load_context
    from mend_tui.app import MendApp
    from mend_tui.widgets.sql_view import SqlView
    from scenes import settle

    project = folder / "five-mb"
    migrations = project / "prisma" / "migrations"
    (migrations / "1_big").mkdir(parents=True)
    row = (
        'INSERT INTO "Big" ("id", "label") VALUES ({n}, '
        "'a label of fifty characters for the row {n:08d}');\n"
    )
    body = '-- CreateTable\nCREATE TABLE "Big" ("id" INTEGER NOT NULL PRIMARY KEY, "label" TEXT);\n'
    lines = [body]
    size = len(body)
    n = 0
    while size < 5 * 1024 * 1024:
        line = row.format(n=n)
        lines.append(line)
        size += len(line)
        n += 1
    (migrations / "1_big" / "migration.sql").write_text("".join(lines))
    (project / "prisma" / "dev.db").touch()
    os.chdir(project)
    app = MendApp(load_context(root=project, url="file:./prisma/dev.db", environ={}))
    times = []
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("h")
            started = time.perf_counter()
            view = app.screen.query_one(SqlView)
            while view.statement_count == 0:
                await pilot.pause(0.01)
            await pilot.pause()  # the first frame of it
            times.append(time.perf_counter() - started)
            await pilot.press("escape")
            await pilot.pause()
    print(
        f"5 MB migration.sql ({n + 1} statements): SQL on screen {statistics.median(times):.2f} s "
        "after the history opens on it   [target < 1 s]"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("first-frame",), help="The first figure alone.")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed to measure the real command")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        os.environ["MEND_CACHE_DIR"] = str(folder / "cache")
        first_frames(args.runs, folder)
        if args.only:
            return
        history_opens(max(args.runs // 2, 2), folder)
        asyncio.run(big_preview(folder))


if __name__ == "__main__":
    main()
