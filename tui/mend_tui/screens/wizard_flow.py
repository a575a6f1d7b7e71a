"""What both wizards' flows share: showing a step and waiting for its answer, and the backdrop
under the steps.

A flow (recover/flow.py, hotfix/flow.py) is a StepShower: one coroutine in a worker
(`StepShower.run`, from the first step it is given) that walks its steps; each step is a screen
that takes its data in and answers once. The first step is pushed over the backdrop, each next
one replaces the step on screen, so that closing the wizard pops back to the backdrop. A step's
screen is kept while what it was made from stays the same: going back to it (escape), or on to
it again, shows it again instead of building it anew (`StepShower`). A screen made anew has its
load started ahead of it (`StepShower.ahead`): the step change waits a moment for it, so that
the screen's first frame shows the data, not the busy indicator. And while the operator reads a
step, the step they likely go on to is built off-screen (`StepShower.prepare`): at its key, a
step change only shows it, if the flow then holds what it was made from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from mend_tui.collector import Collector
from mend_tui.screens.wizard_step import Ahead, LoadedT, ResultT, StepScreen
from mend_tui.snapshot import Snapshot, SnapshotChanged
from mend_tui.widgets.chrome import TargetBar
from mend_tui.widgets.footer import KeysFooter
from mend_tui.widgets.stepper import Stepper, WizardProgress

# How long a step change waits for the loads started ahead of its screen (Ahead) before the
# screen opens without them (its busy indicator up): a load in by then is in its first frame.
AHEAD_WAIT = 0.05

# How long a screen built ahead waits before it is built: the frame the step on screen is
# drawing (what it just got: a load's data, a run's result) goes first, not behind the
# building (the operator reads for longer than this).
BUILD_AFTER = 0.1

StepT = TypeVar("StepT", bound=Hashable)
T = TypeVar("T")


@dataclass
class Kept:
    """A step's screen kept after it answered, and what it was made from."""

    screen: StepScreen[Any]
    inputs: tuple[object, ...]


async def arrived(future: Future[T]) -> T:
    """The result of a load in a thread, awaited without cancelling it when the wait is (it is
    a screen's load too)."""
    return await asyncio.shield(asyncio.wrap_future(future))


def same_inputs(kept: tuple[object, ...], now: tuple[object, ...]) -> bool:
    return len(kept) == len(now) and all(a is b or a == b for a, b in zip(kept, now, strict=True))


@dataclass
class StepShower(Generic[StepT]):
    """The base of a flow (a dataclass of the steps' findings, with `STEPS`): walk the steps
    (`run`), `show` each step's screen, get its answer.

    A step's screen is kept once it answered, while what it was made from stays the same
    (`inputs`): going back to it shows that screen again instead of building another (the
    widgets made, styled and laid out once), with its data shown again as a new one would.
    A step whose inputs changed is built anew; a step that works as it opens (Rehearse) or
    that has no way back to it is never kept."""

    app: App[Any]
    # (keyword-only: after the flow's own fields, which have no defaults)
    steps_shown: list[StepT] = field(default_factory=list, kw_only=True)  # in order (tests)
    on_screen: StepScreen[Any] | None = field(default=None, kw_only=True)  # what the operator sees
    on_step: StepT | None = field(default=None, kw_only=True)  # which step that is
    kept: dict[StepT, Kept] = field(default_factory=dict, kw_only=True)  # steps to go back to
    # The loads of the screen being made, started ahead of it.
    started: list[Future[Any]] = field(default_factory=list, kw_only=True)
    # The screens built ahead, off-screen, for the step the operator likely goes on to.
    prepared: dict[StepT, Kept] = field(default_factory=dict, kw_only=True)
    dropped: list[StepScreen[Any]] = field(default_factory=list, kw_only=True)

    # Each step: shows its screen, keeps what the operator chose, names the next step (None:
    # the wizard closes).
    STEPS: ClassVar[Mapping[Any, Callable[[Any], Awaitable[Any]]]] = {}

    async def run(self, first: StepT) -> None:
        """Go through the steps from `first` until the operator closes the wizard or the last
        step is done."""
        step: StepT | None = first
        try:
            while step is not None:
                self.steps_shown.append(step)
                step = await self.STEPS[step](self)
        finally:
            self.discard_kept()

    def ahead(self, fn: Callable[[], LoadedT]) -> Ahead[LoadedT]:
        """`fn` started now, in a thread, for the screen being made (call it in `make`): the
        step change waits for it a moment (AHEAD_WAIT) before that screen opens."""
        started = Ahead(fn)
        self.awaiting(started.future)
        return started

    def awaiting(self, future: Future[Any]) -> None:
        """A load started ahead of the screen being made, which the step change waits for."""
        self.started.append(future)

    async def wait_ahead(self) -> None:
        """Wait until the loads started ahead are in, AHEAD_WAIT at most. A Textual timer
        bounds the wait: the app (and a test that lets it settle) sees that it waits."""
        running, self.started = [f for f in self.started if not f.done()], []
        if not running:
            return
        loop = asyncio.get_running_loop()
        settled = asyncio.Event()

        def one_done(_: Future[Any]) -> None:
            if all(f.done() for f in running):
                with suppress(RuntimeError):  # the app has closed
                    loop.call_soon_threadsafe(settled.set)

        for future in running:
            future.add_done_callback(one_done)
        bound = self.app.set_timer(AHEAD_WAIT, settled.set, name="wizard step ahead")
        await settled.wait()
        bound.stop()

    def inputs(self, step: StepT) -> tuple[object, ...] | None:
        """What the screen of `step` shows was made from, as the flow holds it now (after
        the step answered); None: never kept."""
        return None

    def made_from(self, step: StepT) -> tuple[object, ...] | None:
        """What a screen of `step` is made from, as the flow holds it now: a screen built ahead
        for it (`prepare`) is shown if it was made from the same. By default its `inputs`."""
        return self.inputs(step)

    def again(self, step: StepT) -> tuple[Any, Any]:
        """The snapshot and the progress a screen of `step` would be made with now."""
        raise NotImplementedError

    async def show_step(
        self,
        step: StepT,
        make: Callable[[], StepScreen[ResultT]],
        meanwhile: Callable[[], Awaitable[None]] | None = None,
    ) -> ResultT:
        """Show the screen of `step`: the one kept, if its inputs are still the same, or the
        one built ahead for it, if made from the same; else `make()`. Wait for its answer,
        running `meanwhile()` (which builds the next step's screen ahead) as the operator
        reads."""
        if self.on_screen is not None and self.on_step is not None:
            inputs_left = self.inputs(self.on_step)  # (as the step's answer left the flow)
            if inputs_left is not None:
                self.kept[self.on_step] = Kept(self.on_screen, inputs_left)
        inputs = self.inputs(step)
        kept = self.kept.pop(step, None)
        prepared = self.prepared.pop(step, None)
        if prepared is not None and (kept is not None or not self._same(prepared, step)):
            self.dropped.append(prepared.screen)  # (removed with the wizard)
            prepared = None
        screen: StepScreen[ResultT]
        if kept is not None and inputs is not None and same_inputs(kept.inputs, inputs):
            screen = kept.screen
            if self.app.is_screen_installed(screen):  # (the one on screen never is)
                self.app.uninstall_screen(screen)
            snapshot, progress = self.again(step)
            screen.shown_again(snapshot, progress)
        elif prepared is not None:
            screen = prepared.screen
            await screen._mounted_event.wait()  # (a key right after it was started)
            self.app.uninstall_screen(screen)
            snapshot, progress = self.again(step)
            screen.shown_ready(snapshot, progress)
        else:
            if kept is not None:
                self._discard(kept.screen)
            screen = make()
            await self.wait_ahead()
        return await self.show(screen, step, meanwhile)

    def _same(self, prepared: Kept, step: StepT) -> bool:
        made_from = self.made_from(step)
        return made_from is not None and same_inputs(prepared.inputs, made_from)

    async def prepare(
        self, step: StepT, made_from: tuple[object, ...], make: Callable[[], StepScreen[Any]]
    ) -> None:
        """Build the screen of `step` now, off-screen, as the operator reads the one on
        screen: composed, mounted and styled (awaited), then laid out and drawn once, at the
        terminal's size. Going on to `step` with the flow holding the same (`made_from`), the
        step change only shows it: a new screen's first layout and drawing, most of a step
        change, is done. Made from something else, it is dropped."""
        old = self.prepared.pop(step, None)
        if old is not None and same_inputs(old.inputs, made_from):
            self.prepared[step] = old  # (back on the step before: the one built stands)
            return
        if old is not None:  # removed with the wizard: removing a screen now, as the operator
            self.dropped.append(old.screen)  # types, lost the keys typed meanwhile (tmux)
        await asyncio.sleep(BUILD_AFTER)
        await self._drawn()
        screen = make()
        screen.built_ahead = True
        self.prepared[step] = Kept(screen, made_from)
        # Installed: neither removed by Textual nor shown; started now, as Textual would
        # start it when first shown (private: Textual has no public way to start a screen
        # off-screen).
        self.app.install_screen(screen, f"wizard-step-{id(screen)}")
        self.app._register(self.app, screen)
        await self._lay_out(screen)

    async def _lay_out(self, screen: StepScreen[Any]) -> None:
        await screen._mounted_event.wait()
        if not screen.is_attached or screen.is_current:
            return
        size = self.app.size
        screen._refresh_layout(size)  # (not current: laid out, not drawn on the terminal)
        screen._compositor.render_update(full=True)  # each widget's lines drawn and cached

    async def show(
        self,
        screen: StepScreen[ResultT],
        step: StepT | None = None,
        meanwhile: Callable[[], Awaitable[None]] | None = None,
    ) -> ResultT:
        """Show `screen` (in place of the step on screen, if any) and wait for its answer."""
        answered: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        screen.handoff = answered.set_result
        collector = getattr(self.app, "collector", None)
        if isinstance(collector, Collector):  # what the steps so far made: not walked again
            collector.freeze()
        left = self.on_screen
        if left is not None and left is self.app.screen:
            if left is not screen and any(k.screen is left for k in self.kept.values()):
                # Kept: installed, or Textual would remove it once switched away from.
                self.app.install_screen(left, f"wizard-step-{id(left)}")
            await self.app.switch_screen(screen)
        else:
            await self.app.push_screen(screen)
        self.on_screen, self.on_step = screen, step
        if meanwhile is None:
            return await answered
        ahead = asyncio.create_task(self._meanwhile(meanwhile))
        try:
            return await answered
        finally:
            ahead.cancel()

    async def _meanwhile(self, meanwhile: Callable[[], Awaitable[None]]) -> None:
        """`meanwhile()` once the step is drawn; its failure never reaches the operator: the
        next step is then built at its key, as without it."""
        await self._drawn()
        with suppress(Exception):
            await meanwhile()

    async def _drawn(self) -> None:
        """Once the app's next frame is drawn."""
        settled = asyncio.Event()
        self.app.call_after_refresh(settled.set)
        await settled.wait()

    def _discard(self, screen: StepScreen[Any]) -> None:
        """A kept screen no longer needed: removed (in the background: nothing waits for it).
        The one on screen is removed by Textual once switched away from (not installed)."""
        if screen is self.on_screen:
            return
        if self.app.is_screen_installed(screen):
            self.app.uninstall_screen(screen)
        if screen not in self.app.screen_stack:
            screen.remove()

    def discard_kept(self) -> None:
        """The wizard closes: no screen of it stays (the one on screen is popped with it)."""
        kept = [k.screen for k in (*self.kept.values(), *self.prepared.values())]
        kept += self.dropped
        self.kept, self.prepared, self.dropped = {}, {}, []
        for each in kept:
            self._discard(each)


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
