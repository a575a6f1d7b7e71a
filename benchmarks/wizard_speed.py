"""Speed of the recovery wizard (issue 9), each figure with a baseline from the same run.

1. From `x` to the Inspect step on screen, on the demo, the real command in tmux at 120x36
   (cold: the shadow replay not cached yet; warm: cached). Baseline: `h` to the history on
   screen, in the same app. Target < 1 s.
2. Each step transition once its data is loaded, the real command in tmux: from the key to
   the next step on screen (the stepper says it, its data shows), less the engine call it
   waited for (timed in-process on the same demo). Baseline: the same app's `h` to the
   history. Target < 100 ms.
3. A 2,000-statement migration in the Preview (its roll back plan) scrolls as fast as the
   history's SQL view of the same migration: time per key press, same keys (Pilot, scroll
   animations off for both). Target: the same. The engine's inspection and plans of it are
   timed too (the shadow replay cached or not).

Run: .venv/bin/python benchmarks/wizard_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent / "tests"))  # scenes

from mend_core.operations.demo import create_demo
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.project.context import load_context
from mend_core.recovery.plan import DataFix, Direction
from mend_core.recovery.session import RecoverySession
from mend_core.recovery.steps import QuietObserver
from mend_tui.app import MendApp
from mend_tui.widgets.sql_view import SqlView
from scenes import SceneEngine, demo_app, settle

SOCKET = "mend-wizard-bench"  # a tmux server of its own: its escape-time is set below


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def until_screen_shows(session: str, text: str, started: float, timeout: float = 30) -> float:
    while time.perf_counter() - started < timeout:
        if text in tmux("capture-pane", "-p", "-t", session):
            return time.perf_counter() - started
        time.sleep(0.01)  # (each look is a tmux process: on two cores, it slows the app)
    raise SystemExit(f"{text!r} never appeared in {session}")


MEND = [sys.executable, "-m", "mend_tui"]


def launch(session: str, command: list[str], cwd: Path) -> float:
    """As tui_speed.launch, with the escape delays at 10 ms: a lone escape is told from the
    start of a key sequence by waiting (tmux's escape-time, 500 ms by default, then Textual's
    ESCDELAY, 100 ms), which is the terminal's time, not the app's."""
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
        f"env ESCDELAY=10 {quoted}; sleep 5",
    )
    tmux("set-option", "-s", "escape-time", "10")
    return started


# -- 1. x to Inspect, the real command ------------------------------------------------------------
def x_to_inspect(runs: int, folder: Path) -> None:
    cold, warm, history = [], [], []
    for run in range(runs):
        demo = folder / f"demo-{run}"
        create_demo(demo)
        os.environ["MEND_CACHE_DIR"] = str(folder / f"cache-{run}")  # cold: nothing cached
        for timings in (cold, warm):
            started = launch("bench-wizard", MEND, demo)
            until_screen_shows("bench-wizard", "20240103000000_unique", started)
            time.sleep(0.3)
            started = time.perf_counter()
            tmux("send-keys", "-t", "bench-wizard", "h")
            history.append(until_screen_shows("bench-wizard", "1:all", started))
            tmux("send-keys", "-t", "bench-wizard", "Escape")
            time.sleep(0.3)
            started = time.perf_counter()
            tmux("send-keys", "-t", "bench-wizard", "x")
            timings.append(until_screen_shows("bench-wizard", "failed at statement 3", started))
            tmux("kill-session", "-t", "bench-wizard")
    print(
        f"x to Inspect on screen (demo, tmux 120x36): cold {statistics.median(cold):.2f} s, "
        f"warm {statistics.median(warm):.2f} s | baseline h to history "
        f"{statistics.median(history):.2f} s   [target < 1 s]"
    )


# -- 2. step transitions, the real command ------------------------------------------------------
# (key, the step it leads to, what shows once its data is there, the engine call it waits for)
WALK = [
    ("x", "Inspect", "failed at statement 3 of 3", "inspect"),
    ("Enter", "Choose", "f Roll forward", "plans"),
    ("Escape", "Inspect", "failed at statement 3 of 3", None),
    ("Enter", "Choose", "f Roll forward", None),
    ("f", "Data fix", "delete-keep-first", None),
    ("Enter", "Preview", "Fingerprint", "plan"),
    ("Enter", "Rehearse", "The rehearsal (transaction) succeeded", "rehearse"),
    ("Enter", "Execute", "to run it", None),
]


def current_step(label: str) -> str:
    """The stepper's mark for the current step: its label padded, between separators."""
    return f"  {label} "  # (a done step is `✓Label`, one to come `› Label`)


def until_step(session: str, label: str, text: str, started: float) -> float:
    while time.perf_counter() - started < 30:
        screen = tmux("capture-pane", "-p", "-t", session)
        lines = screen.splitlines()
        stepper = lines[1] if len(lines) > 1 else ""
        if current_step(label) in stepper + " " and text in screen:
            return time.perf_counter() - started
        time.sleep(0.01)  # (each look is a tmux process: on two cores, it slows the app)
    raise SystemExit(f"{label} never showed in {session}")


def engine_times(runs: int, folder: Path) -> dict[str, float]:
    """The engine calls the walk waits for, in-process, on a demo of their own (median)."""
    times: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        value = call(*args)
        times.setdefault(name, []).append(time.perf_counter() - started)
        return value

    for run in range(runs):
        engine = RecoverySession(create_demo(folder / f"engine-{run}").context)
        engine.inspect(None)  # the shadow replay, cached as in the walk (its first inspection)
        incident = timed("inspect", engine.inspect, None)
        timed("plans", engine.plans, incident)
        template = incident.templates[0]
        fix = DataFix(f"template {template.name}", template.sql)
        plan = timed("plan", engine.plan, incident, Direction.ROLL_FORWARD, fix)
        timed("rehearse", engine.rehearse, plan, QuietObserver())
    return {name: statistics.median(values) for name, values in times.items()}


def seen(steps: dict[str, list[float]], run: int) -> set[str]:
    """The transitions this run has timed already (a second Enter to Choose is `again`)."""
    return {name for name, times in steps.items() if len(times) > run}


def transitions(runs: int, folder: Path) -> None:
    steps: dict[str, list[float]] = {}
    history: list[float] = []
    for run in range(runs):
        demo = folder / f"walk-{run}"
        create_demo(demo)
        started = launch("bench-walk", MEND, demo)
        until_screen_shows("bench-walk", "20240103000000_unique", started)
        time.sleep(0.3)
        started = time.perf_counter()
        tmux("send-keys", "-t", "bench-walk", "h")
        history.append(until_screen_shows("bench-walk", "1:all", started))
        tmux("send-keys", "-t", "bench-walk", "Escape")
        time.sleep(0.3)
        for key, label, text, _ in WALK:
            started = time.perf_counter()
            tmux("send-keys", "-t", "bench-walk", key)
            seconds = until_step("bench-walk", label, text, started)
            name = f"{key} to {label}"
            steps.setdefault(name + (" again" if name in seen(steps, run) else ""), []).append(
                seconds
            )
            time.sleep(0.3)  # as an operator reads
        tmux("send-keys", "-t", "bench-walk", "-l", "20240103000000_unique")
        time.sleep(0.3)
        tmux("send-keys", "-t", "bench-walk", "Enter")
        until_screen_shows("bench-walk", "enter: the verification", time.perf_counter())
        time.sleep(0.3)
        started = time.perf_counter()
        tmux("send-keys", "-t", "bench-walk", "Enter")
        steps.setdefault("Enter to Verify", []).append(
            until_step("bench-walk", "Verify", "Journal run", started)
        )
        tmux("kill-session", "-t", "bench-walk")
    engine = engine_times(runs, folder)
    print(f"Step transitions on the demo (tmux 120x36, the real command, median of {runs}):")
    waits: dict[str, str | None] = {}
    for key, label, _, call in WALK:
        waits.setdefault(f"{key} to {label}", call)  # (again: the data is kept)
    for label, times in steps.items():
        total = statistics.median(times)
        call = waits.get(label)
        loaded = total - engine[call] if call else total
        note = f"  (of which the engine's {call}: {engine[call] * 1000:.0f} ms)" if call else ""
        print(f"  {label:<20} {total * 1000:5.0f} ms; once loaded {loaded * 1000:5.0f} ms{note}")
    print(
        f"  baseline, same app: h to the history {statistics.median(history) * 1000:.0f} ms   "
        "[target < 100 ms once loaded]"
    )


# -- 2b. the same, in-process: from the key to the first frame with the step's data ----------
FRAME_WALK = [
    ("h", "HistoryScreen"),
    ("escape", "DashboardScreen"),
    ("x", "InspectStep"),
    ("enter", "ChooseStep"),
    ("escape", "InspectStep"),
    ("enter", "ChooseStep"),
    ("f", "DataFixStep"),
    ("enter", "PreviewStep"),
    ("enter", "RehearseStep"),
    ("enter", "ExecuteStep"),
]
LOADED = {"InspectStep": "inspection", "ChooseStep": "plans", "PreviewStep": "plan"}


def step_ready(screen: Any) -> bool:
    name = type(screen).__name__
    if not screen.is_mounted or getattr(screen, "busy", False):
        return False
    if name == "RehearseStep":
        return screen.result is not None
    return name not in LOADED or getattr(screen, LOADED[name]) is not None


def timed_subclass(base: type, methods: tuple[str, ...], calls: list[float]) -> Any:
    """`base` with each of `methods` timed: each call's duration appended to `calls`."""

    def timed(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, *args: Any, **options: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, *args, **options)
            finally:
                calls.append(time.perf_counter() - started)

        return call

    return type(f"Timed{base.__name__}", (base,), {n: timed(getattr(base, n)) for n in methods})


def timed_engine(calls: list[float]) -> Any:
    """The scenes' engine, each call's duration appended to `calls`."""
    return timed_subclass(SceneEngine, ("inspect", "plans", "plan", "rehearse", "execute"), calls)


def frame_spy(frames: list[tuple[float, str, bool]]) -> Callable[[Any, Any], None]:
    def spy(screen: Any, renderable: Any) -> None:
        # Every frame the compositor hands the terminal (headless: not written).
        if renderable is not None:
            frames.append((time.perf_counter(), type(screen).__name__, step_ready(screen)))

    return spy


async def frame_transitions(runs: int, folder: Path) -> None:
    results: dict[str, list[float]] = {}
    for run in range(runs):
        gc.collect()
        calls: list[float] = []
        # manage_gc: as the real command (collector.py)
        app = demo_app(
            folder / f"frames-{run}" / "mend-demo", engine=timed_engine(calls), manage_gc=True
        )
        frames: list[tuple[float, str, bool]] = []
        async with app.run_test(size=(120, 36)) as pilot:
            app._display = frame_spy(frames)  # type: ignore[method-assign]
            await settle(pilot)
            await asyncio.sleep(1)  # the warm-up imports, as an operator reads the dashboard
            for number, (key, name) in enumerate(FRAME_WALK):
                frames.clear()
                waited = len(calls)
                started = time.perf_counter()
                await pilot.press(key)
                while not any(n == name and ready for _, n, ready in frames):
                    if time.perf_counter() - started > 30:  # (a load that failed: said)
                        raise SystemExit(f"{name} never showed its data: {app.screen!r}")
                    await asyncio.sleep(0.005)
                first = next(t for t, n, ready in frames if n == name and ready)
                engine = sum(calls[waited:])
                label = f"{key} to {name.removesuffix('Step').removesuffix('Screen')}"
                label += " again" if number in (4, 5) else ""
                results.setdefault(label, []).append(first - started - engine)
                await asyncio.sleep(0.3)
        gc.unfreeze()  # the next run starts as this one did
    print(
        f"The same in-process (Pilot, 120x36, median of {runs}): from the key to the first "
        "frame with the step's data, the engine's time taken out:"
    )
    for label, times in results.items():
        print(f"  {label:<22} {statistics.median(times) * 1000:5.0f} ms")


# -- 3. a 2,000-statement migration in the Preview -----------------------------------------------
KEYS = ["down"] * 60 + ["pagedown"] * 40 + ["end", "home"] + ["pagedown"] * 20 + ["n"] * 20


def big_failed_migration(folder: Path, count: int) -> Path:
    """A SQLite project whose migration of `count` statements fails at the last one (every
    table before it stays): its roll back drops them all."""
    root = folder / "big-failed"
    migration = root / "prisma" / "migrations" / "20240101000000_big"
    migration.mkdir(parents=True)
    lines = [
        f'-- CreateTable\nCREATE TABLE "t{n:04d}" (\n    "id" INTEGER NOT NULL PRIMARY KEY,\n'
        f'    "label" TEXT\n);\n'
        for n in range(count - 1)
    ]
    lines.append('CREATE TABLE "t0000" ("id" INTEGER NOT NULL PRIMARY KEY);\n')  # exists: fails
    (migration / "migration.sql").write_text("\n".join(lines))
    (root / ".env").write_text('DATABASE_URL="file:./dev.db"\n')
    (root / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "sqlite"\n  url = env("DATABASE_URL")\n}\n'
    )
    with contextlib.suppress(MigrationFailed):
        deploy(load_context(root=root, environ={}), SilentDeploy())
    return root


async def per_key(pilot: Any) -> float:
    started = time.perf_counter()
    for key in KEYS:
        await pilot.press(key)
    return (time.perf_counter() - started) / len(KEYS)


async def big_preview(folder: Path, count: int) -> None:
    root = big_failed_migration(folder, count)
    os.chdir(root)
    engine = RecoverySession(load_context(root=root, environ={}))
    started = time.perf_counter()
    incident = engine.inspect(None)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    incident = engine.inspect(None)
    warm = time.perf_counter() - started
    started = time.perf_counter()
    engine.plans(incident)
    planned = time.perf_counter() - started
    app = MendApp(load_context(root=root, environ={}))
    # Scrolling animates for a time that grows with the distance and the view's height: off
    # for both views, so that the figures are the drawing's.
    app.animation_level = "none"
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("enter")  # into the SQL
        await settle(pilot)
        history = await per_key(pilot)
        history_statements = app.screen.query_one(SqlView).statement_count
        await pilot.press("escape", "escape")
        await settle(pilot)
        started = time.perf_counter()
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        loaded = time.perf_counter() - started
        view = app.screen.query_one(SqlView)
        preview_statements = view.statement_count
        preview = await per_key(pilot)
    print(
        f"{count:,}-statement migration: Preview of its roll back ({preview_statements:,} "
        f"statements, {len(view.lines):,} lines) {preview * 1000:.1f} ms per key | the history's "
        f"SQL view of it ({history_statements:,} statements) {history * 1000:.1f} ms per key | "
        f"ratio {preview / history:.2f}x   [target: the same]"
    )
    print(
        f"  the engine on it: inspection {cold:.1f} s with the shadow replay, {warm:.2f} s "
        f"cached; both plans {planned:.1f} s; x to its roll back's Preview in the app "
        f"{loaded:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--only", choices=("inspect", "steps", "preview"), help="One figure.")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed to measure the real command")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        os.environ["MEND_JOURNAL"] = str(folder / "journal.jsonl")
        os.environ.pop("DATABASE_URL", None)
        if args.only in (None, "inspect"):
            x_to_inspect(args.runs, folder)
        os.environ["MEND_CACHE_DIR"] = str(folder / "cache")
        if args.only in (None, "steps"):
            transitions(args.runs, folder)
            asyncio.run(frame_transitions(args.runs, folder))
        if args.only in (None, "preview"):
            asyncio.run(big_preview(folder, args.statements))
        tmux("kill-server")


if __name__ == "__main__":
    main()
