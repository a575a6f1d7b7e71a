"""The recovery wizard: Inspect, Choose, (Data fix), Preview, Rehearse, Execute, Verify.

One coroutine, which the app runs in a worker: each step is a screen, given its data (or a
function that loads it in a thread worker), awaited for its result as with `push_screen_wait`;
what it returns says where to go: on, or back one step with escape, until Execute; after
Execute only on to Verify (or, when the execution failed, to Inspect again from the real state).
The steps below read in the order the operator meets them; each shows its screen and names the
next step. A step takes the place of the one before (`switch_screen`): popping one and pushing
the next would redraw the screen beneath in between, a frame the operator waits for.

What the steps found and chose lives here, in the flow, never in the app: the incident, both
plans, the direction, the data fix, the plan previewed (the one that runs), the result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.screen import Screen

from mend_core.recovery.execute import RecoveryResult
from mend_core.recovery.incident import Incident
from mend_core.recovery.plan import DataFix, Direction, RecoveryPlan
from mend_core.recovery.rehearse import RehearsalResult
from mend_core.recovery.session import Plans, RecoverySession
from mend_core.recovery.steps import RecoveryObserver
from mend_tui.modals.confirm import ConfirmModal
from mend_tui.screens.recover.choose import ChooseStep
from mend_tui.screens.recover.data_fix import DataFixStep, FixChoice
from mend_tui.screens.recover.execute import Closed, Executed, ExecuteStep, Reinspect
from mend_tui.screens.recover.inspect import Inspection, InspectStep
from mend_tui.screens.recover.preview import PreviewStep
from mend_tui.screens.recover.rehearse import RehearseStep
from mend_tui.screens.recover.verify import VerifyStep
from mend_tui.screens.wizard_flow import StepShower, WizardBackdrop, arrived
from mend_tui.screens.wizard_step import Ahead, Back
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.stepper import Progress, Step

SKIP_QUESTION = (
    "The rehearsal runs the plan where it cannot stay and says whether it works: without it, "
    "a step that fails is found on the real run (on PostgreSQL and SQLite it is then rolled "
    "back; on MySQL the steps before it stay done).\n\nSkip it and go on to Execute?"
)


@dataclass
class RecoveryFlow(StepShower[Step]):
    engine: RecoverySession
    snapshot: Callable[[], Snapshot]  # the app's, as it is when a step opens
    migration: str

    inspection: Inspection | None = None
    plans: Plans | None = None
    direction: Direction | None = None
    fix_choice: FixChoice | None = None  # the data fix chosen, and the template it came from
    plan: RecoveryPlan | None = None  # the plan previewed: the one that is rehearsed and runs
    rehearsed: bool = False
    skipped: bool = False
    result: RecoveryResult | None = None
    plans_ahead: Future[Plans] | None = None  # the plans loading for the Choose step made last
    plan_ahead: Future[RecoveryPlan] | None = None  # the plan loading for the last Preview
    rehearsal: Future[RehearsalResult] | None = None  # the last Rehearse's first rehearsal

    # -- the steps, in order ------------------------------------------------------------------
    async def inspect(self) -> Step | None:
        name = self.migration
        loading: list[Ahead[Inspection]] = []

        def make() -> InspectStep:
            if self.inspection is None:
                loading.append(self.ahead(lambda: Inspection.of(self.engine.inspect(name))))
            return InspectStep(
                self.snapshot(),
                self.at(Step.INSPECT),
                name,
                inspection=self.inspection,
                load=loading[0] if loading else None,
            )

        async def choose_ahead() -> None:
            # A new analysis: its Choose step built as the operator reads it, the plans
            # loading meanwhile (the screen shows them once in).
            if loading and self.plans is None:
                inspection = await arrived(loading[0].future)
                incident = inspection.incident
                load = Ahead(lambda: self.engine.plans(incident))
                self.plans_ahead = load.future
                await self.prepare(
                    Step.CHOOSE, (inspection, None), lambda: self.choose_screen(incident, load)
                )

        answer = await self.show_step(Step.INSPECT, make, choose_ahead)
        if isinstance(answer, Back):
            return None  # escape on the first step closes the wizard
        if answer is not self.inspection:  # a new analysis: what was planned from the old goes
            self.forget()
            self.inspection = answer
        return Step.CHOOSE

    async def choose(self) -> Step | None:
        incident = self.incident

        def make() -> ChooseStep:
            if self.plans is not None:
                return self.choose_screen(incident, None)
            load = self.ahead(lambda: self.engine.plans(incident))
            self.plans_ahead = load.future
            return self.choose_screen(incident, load)

        async def data_fix_ahead() -> None:
            # The data caused the failure: a roll forward goes through Data fix, built as
            # the operator reads the plans.
            if not incident.data_caused or Step.DATA_FIX in self.kept:
                return
            plans = self.plans
            if plans is None and self.plans_ahead is not None:
                plans = await arrived(self.plans_ahead)
            if plans is not None:
                await self.prepare(
                    Step.DATA_FIX,
                    (self.inspection, plans, self.fix_choice),
                    lambda: self.data_fix_screen(plans),
                )

        answer = await self.show_step(Step.CHOOSE, make, data_fix_ahead)
        if isinstance(answer, Back):
            return Step.INSPECT
        self.plans, self.direction = answer.plans, answer.direction
        if self.goes_through_data_fix:
            return Step.DATA_FIX
        self.fix_choice, self.plan = None, answer.plans.of(answer.direction)
        return Step.PREVIEW

    async def data_fix(self) -> Step | None:
        plans = self.plans
        assert plans is not None

        async def preview_ahead() -> None:
            # The first template, as it is, is the likely fix: its Preview built (its plan
            # made) as the operator reads it; another fix makes its own at the key.
            template = next(iter(self.incident.templates), None)
            if self.fix_choice is None and template is not None:
                fix = DataFix(f"template {template.name}", template.sql)
                await self.prepare(
                    Step.PREVIEW,
                    (self.inspection, None, fix),
                    lambda: self.preview_screen(fix, ahead=False),
                )

        answer = await self.show_step(
            Step.DATA_FIX, lambda: self.data_fix_screen(plans), preview_ahead
        )
        if isinstance(answer, Back):
            return Step.CHOOSE
        self.fix_choice = answer
        # With a fix the plan is made again (the fix is its first step); without, it stands.
        self.plan = None if self.fix is not None else plans.roll_forward
        return Step.PREVIEW

    async def preview(self) -> Step | None:
        fix = self.fix

        async def rehearse_ahead() -> None:
            # Rehearse, built as the operator reads the plan; its rehearsal starts when shown.
            plan = self.plan
            if plan is None and self.plan_ahead is not None:
                plan = await arrived(self.plan_ahead)
            if plan is not None:
                await self.prepare(
                    Step.REHEARSE,
                    (plan, fix is not None),
                    lambda: self.rehearse_screen(plan),
                )

        answer = await self.show_step(
            Step.PREVIEW, lambda: self.preview_screen(fix, ahead=True), rehearse_ahead
        )
        if isinstance(answer, Back):
            return Step.DATA_FIX if self.goes_through_data_fix else Step.CHOOSE
        self.plan = answer.plan
        if not answer.skip_rehearsal:
            self.skipped = False
            return Step.REHEARSE
        skip = await self.ask(
            ConfirmModal("Skip the rehearsal?", SKIP_QUESTION, yes="Skip it", no="Rehearse")
        )
        if not skip:
            return Step.PREVIEW
        self.skipped, self.rehearsed = True, False
        return Step.EXECUTE

    async def rehearse(self) -> Step | None:
        plan = self.plan
        assert plan is not None
        back_to = Step.DATA_FIX if self.fix is not None else Step.CHOOSE

        async def execute_ahead() -> None:
            # Rehearsed without a failure: Execute, built as the operator reads the result.
            if self.rehearsal is not None and (await arrived(self.rehearsal)).ok:
                await self.prepare(
                    Step.EXECUTE,
                    (plan, True, self.skipped),
                    lambda: self.execute_screen(plan, rehearsed=True),
                )

        answer = await self.show_step(
            Step.REHEARSE, lambda: self.rehearse_screen(plan), execute_ahead
        )
        if isinstance(answer, Back):
            return Step.PREVIEW
        if answer.result.ok:
            self.rehearsed = True
            return Step.EXECUTE
        # The plan does not work: change it (another fix, the other direction).
        self.rehearsed = False
        return back_to

    async def execute(self) -> Step | None:
        plan = self.plan
        assert plan is not None
        answer = await self.show_step(
            Step.EXECUTE, lambda: self.execute_screen(plan, rehearsed=self.rehearsed)
        )
        if isinstance(answer, Back):
            if self.skipped:  # back to where the rehearsal was skipped: asked again there
                self.skipped = False
                return Step.PREVIEW
            return Step.REHEARSE
        if isinstance(answer, Executed):
            self.result = answer.result
            return Step.VERIFY
        if isinstance(answer, Reinspect):
            self.forget()
            self.inspection = None  # inspected again, from the real state
            return Step.INSPECT
        assert isinstance(answer, Closed)
        return None

    async def verify(self) -> Step | None:
        result = self.result
        assert result is not None
        await self.show_step(
            Step.VERIFY,
            lambda: VerifyStep(
                self.snapshot(),
                self.at(Step.VERIFY),
                result,
                write_report=lambda: self.engine.write_report(self.migration),
            ),
        )
        return None

    STEPS: ClassVar[dict[Step, Callable[[RecoveryFlow], Awaitable[Step | None]]]] = {
        Step.INSPECT: inspect,
        Step.CHOOSE: choose,
        Step.DATA_FIX: data_fix,
        Step.PREVIEW: preview,
        Step.REHEARSE: rehearse,
        Step.EXECUTE: execute,
        Step.VERIFY: verify,
    }

    # -- showing a step -----------------------------------------------------------------------
    def inputs(self, step: Step) -> tuple[object, ...] | None:
        # What each step's screen was made from; a step shown again with the same is the
        # screen kept. Rehearse runs as it opens (again, harmless), Execute and Verify are
        # never gone back to: not kept.
        inputs: dict[Step, tuple[object, ...]] = {
            Step.INSPECT: (self.inspection,),
            Step.CHOOSE: (self.inspection, self.plans),
            Step.DATA_FIX: (self.inspection, self.plans, self.fix_choice),
            Step.PREVIEW: (self.inspection, self.plan),
        }
        return inputs.get(step)

    def made_from(self, step: Step) -> tuple[object, ...] | None:
        # Steps never kept, only built ahead, and Preview, whose plan may be made again.
        if step is Step.PREVIEW:
            return (self.inspection, self.plan, self.fix)
        if step is Step.REHEARSE:
            return (self.plan, self.fix is not None)
        if step is Step.EXECUTE:
            return (self.plan, self.rehearsed, self.skipped)
        return self.inputs(step)

    def again(self, step: Step) -> tuple[Snapshot, Progress]:
        return self.snapshot(), self.at(step)

    async def ask(self, modal: Screen[Any]) -> bool:
        """A question over the step on screen, as push_screen_wait asks it."""
        return bool(await self.app.push_screen_wait(modal))

    # -- the screens built at the key and ahead of it -----------------------------------------
    def choose_screen(self, incident: Incident, load: Callable[[], Plans] | None) -> ChooseStep:
        return ChooseStep(
            self.snapshot(), self.at(Step.CHOOSE), incident, plans=self.plans, load=load
        )

    def data_fix_screen(self, plans: Plans) -> DataFixStep:
        return DataFixStep(
            self.snapshot(),
            self.at(Step.DATA_FIX),
            self.incident,
            required=plans.roll_forward.blocked is not None,
            previous=self.fix_choice,
        )

    def preview_screen(self, fix: DataFix | None, *, ahead: bool) -> PreviewStep:
        """Preview; its plan (when not made yet) made in a thread from now, awaited a moment
        by the step change (`ahead`: made at the key) or not (built ahead)."""
        incident = self.incident
        load: Ahead[RecoveryPlan] | None = None
        if self.plan is None:

            def plan() -> RecoveryPlan:
                return self.engine.plan(
                    incident, Direction.ROLL_FORWARD, fix, fix_blockers=fix is not None
                )

            load = self.ahead(plan) if ahead else Ahead(plan)
            self.plan_ahead = load.future
        return PreviewStep(
            self.snapshot(),
            self.at(Step.PREVIEW),
            incident,
            save_runbook=lambda plan: self.engine.save_runbook(incident, plan),
            plan=self.plan,
            load=load,
        )

    def rehearse_screen(self, plan: RecoveryPlan) -> RehearseStep:
        """Rehearse; its first rehearsal's result, once in, in `rehearsal` (Execute is built
        ahead on it)."""
        back_to = Step.DATA_FIX if self.fix is not None else Step.CHOOSE
        first = self.rehearsal = Future()

        def rehearse(observer: RecoveryObserver) -> RehearsalResult:
            result = self.engine.rehearse(plan, observer)
            if not first.done():  # (a retry's is not awaited)
                first.set_result(result)
            return result

        return RehearseStep(
            self.snapshot(), self.at(Step.REHEARSE), plan, rehearse, back_to=back_to.label
        )

    def execute_screen(self, plan: RecoveryPlan, *, rehearsed: bool) -> ExecuteStep:
        incident = self.incident
        return ExecuteStep(
            self.snapshot(),
            self.at(Step.EXECUTE),
            plan,
            lambda observer: self.engine.execute(incident, plan, observer),
            rehearsed=rehearsed,
        )

    # -- what the steps share -----------------------------------------------------------------
    @property
    def fix(self) -> DataFix | None:
        """The data fix that runs first, if any."""
        return self.fix_choice.fix if self.fix_choice is not None else None

    @property
    def incident(self) -> Incident:
        assert self.inspection is not None
        return self.inspection.incident

    @property
    def goes_through_data_fix(self) -> bool:
        """A roll forward of a failure the data caused: its data fix runs right before the
        failing statement."""
        return (
            self.direction is Direction.ROLL_FORWARD
            and self.inspection is not None
            and self.inspection.incident.data_caused
        )

    def at(self, step: Step) -> Progress:
        return Progress(
            step,
            data_fix=self.goes_through_data_fix,
            read_only=self.engine.read_only,
            skipped=frozenset({Step.REHEARSE}) if self.skipped else frozenset(),
        ).at(step)

    def forget(self) -> None:
        """Everything chosen from an analysis, when a new one comes."""
        self.plans = self.direction = self.fix_choice = self.plan = None
        self.rehearsed = self.skipped = False


class RecoverBackdrop(WizardBackdrop):
    CSS_PATH = "flow.tcss"

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(snapshot, Progress(Step.INSPECT, read_only=snapshot.read_only))
