"""What both wizards' flows share: showing a step and waiting for its answer, and the backdrop
under the steps.

A flow (recover.py, hotfix.py) is one coroutine in a worker that walks its steps; each step is
a screen that takes its data in and answers once. The first step is pushed over the backdrop,
each next one replaces the step on screen, so that closing the wizard pops back to the backdrop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from mend_tui.collector import Collector
from mend_tui.screens.recover_step import ResultT, StepScreen
from mend_tui.snapshot import Snapshot, SnapshotChanged
from mend_tui.widgets.chrome import TargetBar
from mend_tui.widgets.footer import KeysFooter
from mend_tui.widgets.stepper import Stepper, WizardProgress


class StepShower:
    """Mixed into a flow (a dataclass with `app` and `on_screen`): `show` a step, get its answer."""

    app: App[Any]
    on_screen: StepScreen[Any] | None  # the step the operator sees

    async def show(self, screen: StepScreen[ResultT]) -> ResultT:
        """Show `screen` (in place of the step on screen, if any) and wait for its answer."""
        answered: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        screen.handoff = answered.set_result
        collector = getattr(self.app, "collector", None)
        if isinstance(collector, Collector):  # what the steps so far made: not walked again
            collector.freeze()
        if self.on_screen is not None and self.on_screen is self.app.screen:
            await self.app.switch_screen(screen)
        else:
            await self.app.push_screen(screen)
        self.on_screen = screen
        return await answered


class WizardBackdrop(Screen[None]):
    """Under the steps while a wizard is open: its frame before the first step shows, and the
    mark the app pops back to when it closes."""

    def __init__(self, snapshot: Snapshot, first: WizardProgress) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.first = first

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Stepper(self.first, self.snapshot.look)
        yield Static("", classes="main")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(TargetBar).show(self.snapshot)

    def on_snapshot_changed(self, message: SnapshotChanged) -> None:
        self.snapshot = message.snapshot
        self.query_one(TargetBar).show(message.snapshot)
