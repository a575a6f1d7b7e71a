"""Reproducible scenes of the app on the demo project, for screenshots and snapshot tests.

The demo is written with a fixed clock and opened from inside its folder, so that timestamps,
durations and paths come out the same on every run. Kept with the tests (screenshots/generate.py
imports it from here): nothing in the installed package needs it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App
from textual.message_pump import MessagePump
from textual.pilot import Pilot
from textual.worker import Worker

from mend_core.errors import MendError
from mend_core.history.status import StatusReport
from mend_core.operations.demo import DemoProject, create_demo
from mend_core.project.context import Context, load_context
from mend_core.recovery.execute import RecoveryResult
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import DataFix, Direction, PlanStep, RecoveryPlan
from mend_core.recovery.rehearse import RehearsalResult
from mend_core.recovery.session import RecoverySession
from mend_core.recovery.steps import QuietObserver, RecoveryObserver
from mend_tui.app import MendApp

FIXED_CLOCK = datetime(2024, 3, 1, 9, 30, 0, tzinfo=UTC)
UNREACHABLE = MendError(
    "P1001",
    "Can't reach database server at `db.internal:5432`.",
    "Please make sure your database server is running at `db.internal:5432`.",
)


def counted_ids(start: int = 1) -> Callable[[], str]:
    """Predictable row ids: 00000000-0000-4000-8000-000000000001, ...2, ..."""
    counter = itertools.count(start)
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def demo_project(folder: Path) -> DemoProject:
    """The demo with a fixed clock and counted ids: rows that look the same on every run."""
    return create_demo(folder, clock=lambda: FIXED_CLOCK, new_id=counted_ids())


def unreachable(context: Context) -> StatusReport:
    raise UNREACHABLE


def fixed_context(context: Context) -> Context:
    """What the app writes (the wizard's rows, journal runs, file names) at a fixed time with
    counted ids: after the demo's own (1 to 4)."""
    return replace(context, clock=lambda: FIXED_CLOCK, new_id=counted_ids(100))


class FixedTimings:
    """A recovery observer that reports every step as taking 4 ms: screens that show timings
    look the same on every run."""

    def __init__(self, observer: RecoveryObserver) -> None:
        self.observer = observer

    def phase(self, text: str) -> None:
        self.observer.phase(text)

    def step_started(self, step: PlanStep, total: int) -> None:
        self.observer.step_started(step, total)

    def step_finished(self, step: PlanStep, total: int, seconds: float) -> None:
        self.observer.step_finished(step, total, 0.004)


class SceneEngine(RecoverySession):
    """The recovery engine with fixed step timings."""

    def rehearse(self, plan: RecoveryPlan, observer: RecoveryObserver) -> RehearsalResult:
        return super().rehearse(plan, FixedTimings(observer))

    def execute(
        self, incident: Incident, plan: RecoveryPlan, observer: RecoveryObserver
    ) -> RecoveryResult:
        return super().execute(incident, plan, FixedTimings(observer))


def demo_app(
    folder: Path,
    context: dict[str, object] | None = None,
    project: Callable[[Path], object] = demo_project,
    **options: object,
) -> MendApp:
    """The app on the demo in `folder` (written by `project` if absent); run it from inside
    `folder`. `context` holds options of the context (read_only)."""
    if not (folder / "prisma" / "dev.db").exists():
        project(folder)
    os.chdir(folder)
    loaded = load_context(root=folder, environ={}, **(context or {}))  # type: ignore[arg-type]
    context_ = fixed_context(loaded)
    options.setdefault("clock", lambda: FIXED_CLOCK)
    options.setdefault("engine", SceneEngine)
    return MendApp(context_, **options)  # type: ignore[arg-type]


# The wizards' own workers: each lasts as long as its wizard is open.
WIZARD_GROUPS = ("recover", "hotfix")
# A timer set for a moment (the history's debounce) is work to come; a toast's timeout (two
# seconds and more) or a blinking cursor is not.
SHORT_TIMER = 1.0
# A loaded machine (four test workers on two cores) starts a step's worker late: generous.
SETTLE_TIMEOUT = 60.0
TOAST_HELD = 3600.0


def _pumps(app: App[object]) -> list[MessagePump]:
    """The app and every node of every screen on its stack: whatever may still get a message."""
    pumps: list[MessagePump] = [app]
    for screen in app.screen_stack:
        pumps.extend(screen.walk_children(with_self=True))
    return pumps


def _step_workers(app: App[object]) -> list[Worker[object]]:
    """The workers still to finish, the wizards' own left out (an empty list given to
    wait_for_complete would mean every worker)."""
    return [w for w in app.workers if w.group not in WIZARD_GROUPS and not w.is_finished]


def pending(app: App[object]) -> list[str]:
    """What the app still has to do before its screen says where it is: empty when settled."""
    waiting = [f"worker {w.group}:{w.name}" for w in _step_workers(app)]
    for pump in _pumps(app):
        if pump.message_queue_size or pump._next_callbacks:
            waiting.append(f"messages for {pump!r}")
        for timer in list(pump._timers):
            task = timer._task
            if timer._repeat == 0 and timer._interval <= SHORT_TIMER and task and not task.done():
                waiting.append(f"timer {timer.name}")
    screen = app.screen
    if screen._callbacks or screen._layout_required or screen._repaint_required:
        waiting.append("a refresh")
    if screen._dirty_widgets or screen._recompose_required:
        waiting.append("a refresh")
    return waiting


async def settle(pilot: Pilot[object], timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until the app has done what it was asked: its step workers finished, no message or
    callback pending on any screen of the stack, no timer about to fire, the screen refreshed;
    twice in a row with the same screens (a message handled may push a screen or start a
    worker). A wizard's own worker lasts as long as the wizard is open: not waited for."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet, stack = 0, list(app.screen_stack)
    while quiet < 2:
        if not app.is_running or app._exception is not None:
            return
        working = _step_workers(app)
        if working:
            wait = app.workers.wait_for_complete(working)
            await asyncio.wait_for(wait, max(0.0, deadline - loop.time()))
        await pilot.pause()  # messages handled, the process idle, the screen refreshed
        await app.animator.wait_until_complete()
        waiting = pending(app)
        now = list(app.screen_stack)
        quiet = quiet + 1 if not waiting and not working and now == stack else 0
        stack = now
        if loop.time() > deadline:
            raise TimeoutError(f"The app did not settle in {timeout} s: {waiting}")
        if waiting and not working:
            await asyncio.sleep(0.02)  # a timer to fire, a thread to post its result
    # A cursor that blinks would draw the last frame by the clock: held still (and hidden).
    for text in app.screen.query("Input, TextArea"):
        text.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


Run = Callable[[Pilot[object]], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    run: Run
    options: dict[str, object] = field(default_factory=dict)  # for the app
    context: dict[str, object] = field(default_factory=dict)  # for load_context (read_only)
    project: Callable[[Path], object] = demo_project  # writes the project the scene opens


async def dashboard(pilot: Pilot[object]) -> None:
    await settle(pilot)


async def history_sql(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("h")
    await settle(pilot)
    await pilot.press("end")  # the failed migration, last
    await settle(pilot)


async def history_sql_focused(pilot: Pilot[object]) -> None:
    await history_sql(pilot)
    await pilot.press("enter")  # into the SQL panel: its keys in the footer
    await settle(pilot)


async def history_logs(pilot: Pilot[object]) -> None:
    await history_sql(pilot)
    await pilot.press("o")
    await settle(pilot)


async def history_attempts(pilot: Pilot[object]) -> None:
    await history_sql(pilot)
    await pilot.press("t")
    await settle(pilot)


async def help_screen(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


# -- the recovery wizard, on the demo: a roll forward with the generated data fix -------------
DEMO_FAILED = "20240103000000_unique"


def keys(*groups: str | tuple[str, ...]) -> Run:
    """Each group pressed, then the app settled: a string is a key, a tuple keys pressed at once
    (text typed)."""

    async def run(pilot: Pilot[object]) -> None:
        for group in groups:
            await pilot.press(*((group,) if isinstance(group, str) else group))
            await settle(pilot)

    return run


def hold_toasts(app: App[object]) -> None:
    """Toasts raised from now on stay until the app closes: a scene that shows one must not
    lose it to its timeout on a loaded machine, where the steps after it may take longer."""
    notify = app.notify

    def held(message: str, **options: Any) -> None:
        notify(message, **{**options, "timeout": TOAST_HELD})

    app.notify = held  # type: ignore[method-assign]


async def useless_data_fix(pilot: Pilot[object]) -> None:
    """From the Data fix: your own fix, refused as it is (its toast held), then one that changes
    nothing, rehearsed: the unique index still fails."""
    hold_toasts(pilot.app)
    await pilot.press("end", "enter")  # the last option: your own fix (refused as it is)
    await settle(pilot)
    await pilot.press("tab", "ctrl+end")
    await pilot.press(*'UPDATE "User" SET "name" = "name";')
    await pilot.press("ctrl+s")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


@dataclass(frozen=True)
class Walk:
    """Scenes taken one after the other in one run of the app: each step goes on from where the
    one before left (the first from the dashboard, settled). A step named "" is only a way to
    the next one."""

    name: str
    steps: tuple[tuple[str, Run], ...]
    options: dict[str, object] = field(default_factory=dict)  # for the app
    context: dict[str, object] = field(default_factory=dict)  # for load_context (read_only)
    project: Callable[[Path], object] = demo_project  # writes the project the walk opens

    @property
    def scenes(self) -> list[str]:
        return [name for name, _ in self.steps if name]

    def upto(self, scene: str) -> Walk:
        """This walk, ending at `scene`."""
        names = [name for name, _ in self.steps]
        return replace(self, steps=self.steps[: names.index(scene) + 1])

    async def taken(self, pilot: Pilot[object]) -> AsyncIterator[str]:
        """Walks the steps, giving each scene's name once the scene is on screen."""
        await settle(pilot)
        for name, step in self.steps:
            await step(pilot)
            if name:
                yield name


def scenes_of(walks: Iterable[Walk]) -> dict[str, Scene]:
    """Each scene of the walks on its own: its walk from the start up to it."""
    scenes: dict[str, Scene] = {}
    for walk in walks:
        for number, (name, _) in enumerate(walk.steps):
            if name:
                steps = [step for _, step in walk.steps[: number + 1]]
                run = partial(_walked, steps)
                scenes[name] = Scene(run, walk.options, walk.context, walk.project)
    return scenes


async def _walked(steps: list[Run], pilot: Pilot[object]) -> None:
    await settle(pilot)
    for step in steps:
        await step(pilot)


TO_DATA_FIX = (("", keys("x")), ("", keys("enter")), ("", keys("f")))
# The wizard's steps in order (the README's walkthrough), then the other ways through it.
WIZARD_WALKS = (
    Walk(
        "roll-forward",
        (
            ("recover-1-inspect", keys("x")),
            ("recover-2-choose", keys("enter")),
            ("recover-3-data-fix", keys("f")),
            ("recover-4-preview", keys("enter")),  # the first template: delete-keep-first
            ("recover-5-rehearse", keys("enter")),
            # Confirmed by typing what the screen asks (the name without its timestamp), not
            # run yet.
            ("recover-6-execute", keys("enter", tuple(DEMO_FAILED.partition("_")[2]))),
            ("recover-6-executed", keys("enter")),
            ("recover-7-verify", keys("enter")),
        ),
    ),
    Walk("roll-back", (*TO_DATA_FIX[:2], ("recover-preview-roll-back", keys("b")))),
    Walk(
        "read-only",
        (*TO_DATA_FIX, ("recover-preview-read-only", keys("enter"))),
        context={"read_only": True},
    ),
    Walk("rehearsal-failed", (*TO_DATA_FIX, ("recover-rehearsal-failed", useless_data_fix))),
)


async def palette(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.pause(0.5)  # the palette gathers its commands in batches
    await settle(pilot)


async def error(pilot: Pilot[object]) -> None:
    await settle(pilot)


async def error_closed(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("escape")
    await settle(pilot)


SCENES: dict[str, Scene] = {
    "dashboard": Scene(dashboard),
    "history-sql": Scene(history_sql),
    "history-sql-focused": Scene(history_sql_focused),
    "history-logs": Scene(history_logs),
    "history-attempts": Scene(history_attempts),
    "help": Scene(help_screen),
    "palette": Scene(palette),
    "error": Scene(error, {"read_status": unreachable}),
    "error-closed": Scene(error_closed, {"read_status": unreachable}),
}


WIZARD_SCENES: dict[str, Scene] = scenes_of(WIZARD_WALKS)


# -- the hotfix wizard ---------------------------------------------------------------------------
# The demo's hand-made index `User_email_idx` is built on the column `User.email`, which the
# failed migration added: on the demo as written, find_items lists it as a hotfix item (its own
# key is touched by no migration), but its rehearsal fails (the history has no such column) and
# the column is listed as the failed migration's leftover. Once the demo is recovered (rolled
# forward, as the recovery wizard's walk ends), the index is the one drift left, and it records.
HOTFIX_FOLDER = "20240301093000_hotfix_index_user_email_idx"
HOTFIX_INVENTORY = """\
# The databases a hotfix is reconciled on (URLs from the environment or .env, never here).
[targets.production]
url = "env:PRODUCTION_DATABASE_URL"
description = "the database being repaired"

[targets.staging]
url = "env:STAGING_DATABASE_URL"

[targets.qa]
url = "env:QA_DATABASE_URL"

[targets.eu]
url = "env:EU_DATABASE_URL"

[targets.dr]
url = "env:DR_DATABASE_URL"
"""


def recovered_demo(folder: Path) -> None:
    """The demo rolled forward with the generated data fix (headless: the recovery wizard's
    walk), at the fixed clock, with ids of its own (the app counts from 100)."""
    demo_project(folder)
    # (Journaled beside the demo's own journal, as `create_demo` does.)
    loaded = load_context(root=folder, environ={}, journal_path=folder / ".mend-journal.jsonl")
    engine = RecoverySession(replace(loaded, clock=lambda: FIXED_CLOCK, new_id=counted_ids(50)))
    incident = engine.inspect(None)
    template = incident.templates[0]
    fix = DataFix(f"template {template.name}", template.sql)
    plan = engine.plan(incident, Direction.ROLL_FORWARD, fix)
    engine.execute(incident, plan, QuietObserver())


def hotfix_demo(folder: Path) -> None:
    """The recovered demo and four other copies of it in mend.toml, one of each kind: staging
    (the index made there too: patched), qa (without it: unpatched), eu (an index of that name
    on other columns: a conflict), dr (its variable unset here); production is this database."""
    recovered_demo(folder)
    prisma = folder / "prisma"
    copies = {
        "staging": [],
        "qa": ['DROP INDEX "User_email_idx"'],
        "eu": [
            'DROP INDEX "User_email_idx"',
            'CREATE INDEX "User_email_idx" ON "User"("email", "name")',
        ],
    }
    for name, statements in copies.items():
        copy = prisma / f"{name}.db"
        shutil.copyfile(prisma / "dev.db", copy)
        with sqlite3.connect(copy) as connection:
            for statement in statements:
                connection.execute(statement)
        connection.close()
    (folder / "mend.toml").write_text(HOTFIX_INVENTORY)
    with (folder / ".env").open("a") as env:
        env.write('PRODUCTION_DATABASE_URL="file:./prisma/dev.db"\n')
        for name in copies:
            env.write(f'{name.upper()}_DATABASE_URL="file:./prisma/{name}.db"\n')


TO_TARGETS = (("", keys("d")), ("", keys("enter")), ("", keys("enter")))
# The hotfix wizard's steps in order (the README's walkthrough: the recovered demo, with
# mend.toml), then the demo as written (its failed migration's leftovers), read-only, bad input.
HOTFIX_WALKS = (
    Walk(
        "to-verify",
        (
            ("hotfix-1-items", keys("d")),
            ("hotfix-2-name", keys("enter")),
            ("hotfix-3-preview", keys("enter")),
            ("hotfix-4-targets", keys("enter")),
            # Confirmed by typing what the screen asks (the folder's name without its time),
            # not run yet.
            ("hotfix-5-apply", keys("enter", tuple(HOTFIX_FOLDER.partition("_")[2]))),
            ("hotfix-5-applied", keys("enter")),
            ("hotfix-6-verify", keys("enter")),
        ),
        project=hotfix_demo,
    ),
    Walk("items-demo", (("hotfix-items-demo", keys("d")),)),
    # The name erased: it makes no folder, and says why where it is typed.
    Walk(
        "name-empty", (*TO_TARGETS[:2], ("hotfix-name-empty", keys("ctrl+u"))), project=hotfix_demo
    ),
    Walk(
        "targets-read-only",
        (*TO_TARGETS, ("hotfix-targets-read-only", keys("enter"))),
        context={"read_only": True},
        project=hotfix_demo,
    ),
)
HOTFIX_SCENES: dict[str, Scene] = scenes_of(HOTFIX_WALKS)
