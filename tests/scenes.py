"""Reproducible scenes of the app on the demo project, for screenshots and snapshot tests.

The demo is written with a fixed clock and opened from inside its folder, so that timestamps,
durations and paths come out the same on every run. Kept with the tests (screenshots/generate.py
imports it from here): nothing in the installed package needs it.
"""

from __future__ import annotations

import itertools
import os
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
from mend_core.recovery.plan import PlanStep, RecoveryPlan
from mend_core.recovery.rehearse import RehearsalResult
from mend_core.recovery.steps import RecoveryObserver
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


def demo_app(folder: Path, context: dict[str, object] | None = None, **options: object) -> MendApp:
    """The app on the demo in `folder` (written if absent); run it from inside `folder`.
    `context` holds options of the context (read_only)."""
    if not (folder / "prisma" / "dev.db").exists():
        demo_project(folder)
    os.chdir(folder)
    loaded = load_context(root=folder, environ={}, **(context or {}))  # type: ignore[arg-type]
    context_ = fixed_context(loaded)
    options.setdefault("clock", lambda: FIXED_CLOCK)
    options.setdefault("engine", SceneEngine)
    return MendApp(context_, **options)  # type: ignore[arg-type]


async def settle(pilot: Pilot[object]) -> None:
    """Wait until the workers are done and the screen has caught up. The recovery wizard's own
    worker lasts as long as the wizard is open: only the workers of its steps are waited for."""
    for _ in range(2):
        working = [w for w in pilot.app.workers if w.group != "recover"]
        if working:  # (an empty list would mean every worker)
            await pilot.app.workers.wait_for_complete(working)
        await pilot.pause(0.15)


Run = Callable[[Pilot[object]], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    run: Run
    options: dict[str, object] = field(default_factory=dict)  # for the app
    context: dict[str, object] = field(default_factory=dict)  # for load_context (read_only)


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
    """Confirmed by typing the name, not run yet."""
    await recover_rehearse(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press(*DEMO_FAILED)
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
