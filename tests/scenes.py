"""Reproducible scenes of the app on the demo project, for screenshots and snapshot tests.

The demo is written with a fixed clock and opened from inside its folder, so that timestamps,
durations and paths come out the same on every run. Kept with the tests (screenshots/generate.py
imports it from here): nothing in the installed package needs it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from mend_core.context import Context, load_context
from mend_core.demo import DemoProject, create_demo
from mend_core.errors import MendError
from mend_core.status import StatusReport
from mend_tui.app import MendApp

FIXED_CLOCK = datetime(2024, 3, 1, 9, 30, 0, tzinfo=UTC)
UNREACHABLE = MendError(
    "P1001",
    "Can't reach database server at `db.internal:5432`.",
    "Please make sure your database server is running at `db.internal:5432`.",
)


def counted_ids() -> Callable[[], str]:
    """Predictable row ids: 00000000-0000-4000-8000-000000000001, ...2, ..."""
    counter = itertools.count(1)
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def demo_project(folder: Path) -> DemoProject:
    """The demo with a fixed clock and counted ids: rows that look the same on every run."""
    return create_demo(folder, clock=lambda: FIXED_CLOCK, new_id=counted_ids())


def unreachable(context: Context) -> StatusReport:
    raise UNREACHABLE


def demo_app(folder: Path, **options: object) -> MendApp:
    """The app on the demo in `folder` (written if absent); run it from inside `folder`."""
    if not (folder / "prisma" / "dev.db").exists():
        demo_project(folder)
    os.chdir(folder)
    context = load_context(root=folder, environ={})
    options.setdefault("clock", lambda: FIXED_CLOCK)
    return MendApp(context, **options)  # type: ignore[arg-type]


async def settle(pilot: Pilot[object]) -> None:
    """Wait until the workers are done and the screen has caught up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.15)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.15)


Run = Callable[[Pilot[object]], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    run: Run
    options: dict[str, object] = field(default_factory=dict)  # for the app


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


async def recovery(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("x")
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
    "recovery": Scene(recovery),
    "palette": Scene(palette),
    "error": Scene(error, {"read_status": unreachable}),
    "error-closed": Scene(error_closed, {"read_status": unreachable}),
}
