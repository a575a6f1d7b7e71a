"""The hotfix wizard: Items, Name, Preview, Targets, Apply, Verify (issue 10).

Someone fixed production by hand; the wizard turns that drift into a recorded migration, marked
applied where it already is: the hotfix recipe of Prisma's guide, the engine of `mend hotfix`,
one step at a time. Shaped as the recovery wizard (screens/recover/flow.py): one coroutine,
which the app runs in a worker; each step a screen given its data (or a function that loads it in a
thread worker) and awaited for its answer; a step takes the place of the one before
(`switch_screen`). Escape goes back one step until Apply; after Apply, only on to Verify (or,
when Apply failed, to Items again, from the database as it is then). With --read-only the
wizard stops at Targets: everything before Apply only reads.

What the steps found and chose lives here, in the flow: the drift, the items checked, the name
and its folder, the preview (the migration that is written), the targets' checks, the result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import ClassVar

from mend_core.hotfix.apply import ApplyEvent, HotfixResult
from mend_core.hotfix.grouping import DriftItem
from mend_core.hotfix.items import DriftItems
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.session import HotfixSession, Inventory, Verified
from mend_core.hotfix.target_check import TargetCheck
from mend_core.hotfix.targets import Target
from mend_tui.screens.hotfix.apply import Applied, ApplyStep, Closed, StartAgain
from mend_tui.screens.hotfix.items import Chosen, ItemsStep, RecoverInstead
from mend_tui.screens.hotfix.name import Named, NameStep
from mend_tui.screens.hotfix.preview import HotfixPreviewStep
from mend_tui.screens.hotfix.targets import Checks, TargetsAhead, TargetsStep
from mend_tui.screens.hotfix.verify import HotfixVerifyStep
from mend_tui.screens.wizard_flow import StepShower, WizardBackdrop, arrived
from mend_tui.screens.wizard_step import Ahead, Back
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.hotfix_stepper import HotfixProgress, HotfixStep


@dataclass
class HotfixFlow(StepShower[HotfixStep]):
    engine: HotfixSession
    snapshot: Callable[[], Snapshot]  # the app's, as it is when a step opens

    drift: DriftItems | None = None
    checked: frozenset[int] | None = None  # the item numbers checked (None: all, by default)
    items: tuple[DriftItem, ...] = ()
    named: Named | None = None
    preview: HotfixPreview | None = None  # the migration previewed: the one that is written
    inventory: Inventory | None = None
    checks: tuple[TargetCheck, ...] | None = None
    result: HotfixResult | None = None
    preview_ahead: Future[HotfixPreview] | None = None  # the last Preview's, being made
    recover: str | None = None  # x on a leftover: the failed migration to recover instead

    # -- the steps, in order ------------------------------------------------------------------
    async def items_step(self) -> HotfixStep | None:
        loading: list[Ahead[DriftItems]] = []

        def make() -> ItemsStep:
            if self.drift is None:
                loading.append(self.ahead(self.engine.items))
            return ItemsStep(
                self.snapshot(),
                self.at(HotfixStep.ITEMS),
                drift=self.drift,
                load=loading[0] if loading else None,
                checked=self.checked,
            )

        async def name_ahead() -> None:
            # The drift computed anew, every item checked by default: Name for all of them,
            # built as the operator reads them.
            if loading and self.named is None and HotfixStep.NAME not in self.kept:
                items = (await arrived(loading[0].future)).items
                if items:
                    await self.prepare(
                        HotfixStep.NAME, (items, None), lambda: self.name_screen(items)
                    )

        answer = await self.show_step(HotfixStep.ITEMS, make, name_ahead)
        if isinstance(answer, Back):
            return None  # escape on the first step closes the wizard
        if isinstance(answer, RecoverInstead):
            self.recover = answer.migration
            return None
        assert isinstance(answer, Chosen)
        if answer.drift is not self.drift or answer.items != self.items:
            self.forget()  # what was previewed and checked is for other items
            if self.named and self.named.text == self.engine.default_name(self.items):
                self.named = None  # the default name of other items: the new items' default
        self.drift, self.items = answer.drift, answer.items
        self.checked = frozenset(item.number for item in answer.items)
        return HotfixStep.NAME

    async def name_step(self) -> HotfixStep | None:
        items = self.items

        # (Preview is not built ahead here: built as the operator typed the name, in tmux, the
        # keys typed meanwhile were lost.)
        answer = await self.show_step(HotfixStep.NAME, lambda: self.name_screen(items))
        if isinstance(answer, Back):
            return HotfixStep.ITEMS
        if self.named is None or answer.name != self.named.name:
            self.preview = self.checks = None  # another folder: preview it again
        self.named = answer
        return HotfixStep.PREVIEW

    async def preview_step(self) -> HotfixStep | None:
        drift, items, named = self.drift, self.items, self.named
        assert drift is not None and named is not None

        async def targets_ahead() -> None:
            # Targets, built (mend.toml read, the targets checked) as the operator reads the
            # migration previewed.
            if HotfixStep.TARGETS in self.kept:
                return
            preview = self.preview
            if preview is None and self.preview_ahead is not None:
                preview = await arrived(self.preview_ahead)
            if preview is not None:
                checks = self.checks if preview is self.preview else None
                await self.prepare(
                    HotfixStep.TARGETS,
                    (preview, self.inventory, checks),
                    lambda: self.targets_screen(preview, checks=checks, ahead=False),
                )

        answer = await self.show_step(
            HotfixStep.PREVIEW,
            lambda: self.preview_screen(drift, items, named),
            targets_ahead,
        )
        if isinstance(answer, Back):
            return HotfixStep.NAME
        if answer.preview is not self.preview:
            self.checks = None  # the targets are checked against this preview
        self.preview = answer.preview
        return HotfixStep.TARGETS

    async def targets_step(self) -> HotfixStep | None:
        preview = self.preview
        assert preview is not None
        answer = await self.show_step(
            HotfixStep.TARGETS,
            lambda: self.targets_screen(preview, checks=self.checks, ahead=True),
        )
        if isinstance(answer, Back):
            return HotfixStep.PREVIEW
        self.inventory, self.checks = answer.inventory, answer.checks
        return HotfixStep.APPLY

    def name_screen(self, items: tuple[DriftItem, ...]) -> NameStep:
        return NameStep(
            self.snapshot(),
            self.at(HotfixStep.NAME),
            items,
            self.engine.default_name(items),
            lambda typed: self.engine.name(typed, items),
            self.engine.root,
            previous=self.named,
        )

    def preview_screen(
        self, drift: DriftItems, items: tuple[DriftItem, ...], named: Named
    ) -> HotfixPreviewStep:
        """Preview; the migration (when not previewed yet) previewed in a thread from now, which
        the step change waits for a moment (Targets is built ahead on it: `preview_ahead`)."""
        load: Ahead[HotfixPreview] | None = None
        if self.preview is None:

            def preview() -> HotfixPreview:
                return self.engine.preview(drift, items, named.name)

            load = self.ahead(preview)
            self.preview_ahead = load.future
        return HotfixPreviewStep(
            self.snapshot(),
            self.at(HotfixStep.PREVIEW),
            self.engine.root,
            preview=self.preview,
            load=load,
        )

    def targets_screen(
        self, preview: HotfixPreview, *, checks: Checks | None, ahead: bool
    ) -> TargetsStep:
        """Targets; its checks (when not made yet) started now, awaited a moment by the step
        change (`ahead`: made at the key) or not (built ahead)."""

        def check(targets: Sequence[Target], told: Callable[[TargetCheck], None]) -> Checks:
            return self.engine.check_targets(preview, targets, told)

        started = None
        if self.inventory is None or checks is None:  # mend.toml read, the targets checked
            started = TargetsAhead(self.engine.inventory, check)
            if ahead:
                self.awaiting(started.checks)
        return TargetsStep(
            self.snapshot(),
            self.at(HotfixStep.TARGETS),
            preview,
            self.engine.inventory,
            check,
            timeout=self.engine.target_timeout,
            inventory=self.inventory,
            checks=checks,
            ahead=started,
        )

    async def apply_step(self) -> HotfixStep | None:
        preview, checks = self.preview, self.checks
        assert preview is not None and checks is not None
        applied: Future[HotfixResult] = Future()

        def apply(told: Callable[[ApplyEvent], None]) -> HotfixResult:
            result = self.engine.apply(preview, checks, told)
            if not applied.done():
                applied.set_result(result)
            return result

        async def verify_ahead() -> None:
            # Applied: Verify built (and verifying) as the operator reads what was written.
            result = await arrived(applied)
            await self.prepare(
                HotfixStep.VERIFY, (result,), lambda: self.verify_screen(result, ahead=True)
            )

        answer = await self.show_step(
            HotfixStep.APPLY,
            lambda: ApplyStep(
                self.snapshot(),
                self.at(HotfixStep.APPLY),
                preview,
                checks,
                apply,
                self.engine.root,
            ),
            verify_ahead,
        )
        if isinstance(answer, Back):
            return HotfixStep.TARGETS
        if isinstance(answer, Applied):
            self.result = answer.result
            return HotfixStep.VERIFY
        if isinstance(answer, StartAgain):
            self.drift = self.checked = self.named = None
            self.items = ()
            self.forget()
            return HotfixStep.ITEMS
        assert isinstance(answer, Closed)
        return None

    async def verify_step(self) -> HotfixStep | None:
        result = self.result
        assert result is not None
        await self.show_step(HotfixStep.VERIFY, lambda: self.verify_screen(result, ahead=False))
        return None

    STEPS: ClassVar[dict[HotfixStep, Callable[[HotfixFlow], Awaitable[HotfixStep | None]]]] = {
        HotfixStep.ITEMS: items_step,
        HotfixStep.NAME: name_step,
        HotfixStep.PREVIEW: preview_step,
        HotfixStep.TARGETS: targets_step,
        HotfixStep.APPLY: apply_step,
        HotfixStep.VERIFY: verify_step,
    }

    # -- showing a step -----------------------------------------------------------------------
    def inputs(self, step: HotfixStep) -> tuple[object, ...] | None:
        # What each step's screen was made from; a step shown again with the same is the
        # screen kept. Apply and Verify are never gone back to: not kept.
        inputs: dict[HotfixStep, tuple[object, ...]] = {
            HotfixStep.ITEMS: (self.drift, self.checked),
            HotfixStep.NAME: (self.items, self.named),
            HotfixStep.PREVIEW: (self.drift, self.items, self.named, self.preview),
            HotfixStep.TARGETS: (self.preview, self.inventory, self.checks),
        }
        return inputs.get(step)

    def made_from(self, step: HotfixStep) -> tuple[object, ...] | None:
        if step is HotfixStep.VERIFY:  # (never kept: only built ahead)
            return (self.result,)
        return self.inputs(step)

    def verify_screen(self, result: HotfixResult, *, ahead: bool) -> HotfixVerifyStep:
        """Verify; built ahead, its verification starts with it (in a thread)."""

        def verify() -> Verified:
            return self.engine.verify(result)

        return HotfixVerifyStep(
            self.snapshot(),
            self.at(HotfixStep.VERIFY),
            result,
            Ahead(verify) if ahead else verify,
            self.engine.root,
            unset=tuple(u.entry.name for u in self.inventory.unresolved) if self.inventory else (),
        )

    def again(self, step: HotfixStep) -> tuple[Snapshot, HotfixProgress]:
        return self.snapshot(), self.at(step)

    def at(self, step: HotfixStep) -> HotfixProgress:
        return HotfixProgress(step, read_only=self.engine.read_only)

    def forget(self) -> None:
        """What was made from the items chosen, when they change."""
        self.preview = self.checks = None


class HotfixBackdrop(WizardBackdrop):
    CSS_PATH = "flow.tcss"

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(snapshot, HotfixProgress(HotfixStep.ITEMS, read_only=snapshot.read_only))
