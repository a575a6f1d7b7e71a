"""Reproducible scenes of the app on the demo project, for screenshots and snapshot tests.

The demo is written with a fixed clock and opened from inside its folder, so that timestamps,
durations and paths come out the same on every run. Kept with the tests (screenshots/generate.py
imports it from here): nothing in the installed package needs it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from mend_core.context import Context, load_context
from mend_core.demo import DemoProject, create_demo
from mend_core.errors import MendError
from mend_core.recovery.execute import RecoveryResult
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import DataFix, Direction, PlanStep, RecoveryPlan
from mend_core.recovery.rehearse import RehearsalResult
from mend_core.recovery.steps import QuietObserver, RecoveryObserver
from mend_core.status import StatusReport
from mend_tui.app import MendApp
from mend_tui.screens.recover_engine import RecoveryEngine

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


class SceneEngine(RecoveryEngine):
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


async def settle(pilot: Pilot[object]) -> None:
    """Wait until the workers are done and the screen has caught up. A wizard's own worker
    lasts as long as the wizard is open: only the workers of its steps are waited for."""
    quiet = 0
    for _ in range(100):  # (at most some 15 s: a loaded machine starts a step's worker late)
        working = [w for w in pilot.app.workers if w.group not in WIZARD_GROUPS]
        if working:  # (an empty list would mean every worker)
            await pilot.app.workers.wait_for_complete(working)
            quiet = 0
        else:
            quiet += 1
        await pilot.pause(0.15)
        if quiet >= 2:
            break
    # A cursor that blinks would draw the last frame by the clock: held still (and hidden).
    for text in pilot.app.screen.query("Input, TextArea"):
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


async def recover_inspect(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)


async def recover_choose(pilot: Pilot[object]) -> None:
    await recover_inspect(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def recover_data_fix(pilot: Pilot[object]) -> None:
    await recover_choose(pilot)
    await pilot.press("f")
    await settle(pilot)


async def recover_preview(pilot: Pilot[object]) -> None:
    await recover_data_fix(pilot)
    await pilot.press("enter")  # the first template: delete-keep-first
    await settle(pilot)


async def recover_rehearse(pilot: Pilot[object]) -> None:
    await recover_preview(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def recover_execute(pilot: Pilot[object]) -> None:
    """Confirmed by typing what the screen asks (the name without its timestamp), not run yet."""
    await recover_rehearse(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press(*DEMO_FAILED.partition("_")[2])
    await settle(pilot)


async def recover_executed(pilot: Pilot[object]) -> None:
    await recover_execute(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def recover_verify(pilot: Pilot[object]) -> None:
    await recover_executed(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def recover_roll_back_preview(pilot: Pilot[object]) -> None:
    await recover_choose(pilot)
    await pilot.press("b")
    await settle(pilot)


async def recover_rehearsal_failed(pilot: Pilot[object]) -> None:
    """A useless data fix: the unique index still fails."""
    await recover_data_fix(pilot)
    await pilot.press("end", "enter")  # the last option: your own fix (refused as it is)
    await settle(pilot)
    await pilot.press("tab", "ctrl+end")
    await pilot.press(*'UPDATE "User" SET "name" = "name";')
    await pilot.press("ctrl+s")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


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


# The wizard's steps in order (the README's walkthrough), then the other ways through it.
WIZARD_SCENES: dict[str, Scene] = {
    "recover-1-inspect": Scene(recover_inspect),
    "recover-2-choose": Scene(recover_choose),
    "recover-3-data-fix": Scene(recover_data_fix),
    "recover-4-preview": Scene(recover_preview),
    "recover-5-rehearse": Scene(recover_rehearse),
    "recover-6-execute": Scene(recover_execute),
    "recover-6-executed": Scene(recover_executed),
    "recover-7-verify": Scene(recover_verify),
    "recover-preview-roll-back": Scene(recover_roll_back_preview),
    "recover-preview-read-only": Scene(recover_preview, context={"read_only": True}),
    "recover-rehearsal-failed": Scene(recover_rehearsal_failed),
}


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
    engine = RecoveryEngine(replace(loaded, clock=lambda: FIXED_CLOCK, new_id=counted_ids(50)))
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


async def hotfix_items(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)


async def hotfix_name(pilot: Pilot[object]) -> None:
    await hotfix_items(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def hotfix_name_empty(pilot: Pilot[object]) -> None:
    """The name erased: it makes no folder, and says why where it is typed."""
    await hotfix_name(pilot)
    await pilot.press("ctrl+u")
    await settle(pilot)


async def hotfix_preview(pilot: Pilot[object]) -> None:
    await hotfix_name(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def hotfix_targets(pilot: Pilot[object]) -> None:
    await hotfix_preview(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def hotfix_apply(pilot: Pilot[object]) -> None:
    """Confirmed by typing what the screen asks (the folder's name without its time), not run
    yet."""
    await hotfix_targets(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press(*HOTFIX_FOLDER.partition("_")[2])
    await settle(pilot)


async def hotfix_applied(pilot: Pilot[object]) -> None:
    await hotfix_apply(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def hotfix_verify(pilot: Pilot[object]) -> None:
    await hotfix_applied(pilot)
    await pilot.press("enter")
    await settle(pilot)


# The hotfix wizard's steps in order (the README's walkthrough: the recovered demo, with
# mend.toml), then the demo as written (its failed migration's leftovers), read-only, bad input.
HOTFIX_SCENES: dict[str, Scene] = {
    "hotfix-1-items": Scene(hotfix_items, project=hotfix_demo),
    "hotfix-2-name": Scene(hotfix_name, project=hotfix_demo),
    "hotfix-3-preview": Scene(hotfix_preview, project=hotfix_demo),
    "hotfix-4-targets": Scene(hotfix_targets, project=hotfix_demo),
    "hotfix-5-apply": Scene(hotfix_apply, project=hotfix_demo),
    "hotfix-5-applied": Scene(hotfix_applied, project=hotfix_demo),
    "hotfix-6-verify": Scene(hotfix_verify, project=hotfix_demo),
    "hotfix-items-demo": Scene(hotfix_items),
    "hotfix-name-empty": Scene(hotfix_name_empty, project=hotfix_demo),
    "hotfix-targets-read-only": Scene(
        hotfix_targets, context={"read_only": True}, project=hotfix_demo
    ),
}
