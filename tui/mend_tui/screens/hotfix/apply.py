"""Apply: the one step that writes. The operator types the hotfix's short name (the name given
at Name, as in its folder; the database's name when the default name was kept and this database
is the only one written; confirmed_write.py); then, in a thread worker, `apply_hotfix` takes
Prisma's migration lock, checks that the chosen objects are still as previewed (M4005 otherwise:
nothing written), writes the folder, records the row `mend resolve --applied` writes (no SQL of
the migration runs), then marks the migration applied on each patched target at once, each under
its own lock, checked again there. Every stage shows as it happens (the engine's ApplyEvents).

There is no way back from here: once it ran, only on to Verify. When it fails, the error says
what was written (nothing, or the folder removed again); `enter` starts again from Items, from
the database as it is now (the phases and keys: confirmed_write.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from mend_core.errors import MendError
from mend_core.history.folder import slugify
from mend_core.hotfix.apply import ApplyEvent, HotfixResult
from mend_core.hotfix.naming import default_name
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.target_check import TargetCheck, TargetState
from mend_tui.presentation import Look
from mend_tui.screens.confirmed_write import Closed, ConfirmedWriteStep, Phase
from mend_tui.screens.hotfix.name import relative
from mend_tui.screens.hotfix.targets import apply_summary
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.hotfix_stepper import HotfixProgress
from mend_tui.widgets.step_progress import STATE_STYLE, StepState, state_mark

__all__ = ["Applied", "ApplyStep", "Closed", "Phase", "StartAgain"]


@dataclass(frozen=True)
class Applied:
    result: HotfixResult


@dataclass(frozen=True)
class StartAgain:
    """Apply failed: Items again, from the database as it is now."""

    error: MendError


@dataclass
class Stage:
    key: str  # an ApplyEvent's stage ("lock", "guard", "folder", "row"), or "target:NAME"
    text: str
    state: StepState = StepState.WAITING


def stages_for(preview: HotfixPreview, checks: Sequence[TargetCheck], root: Path) -> list[Stage]:
    folder = preview.name.folder
    stages = [
        Stage("lock", "Take Prisma's migration lock"),
        Stage("guard", "Check that the chosen objects are as previewed"),
        Stage("folder", f"Write the folder {folder} and its migration.sql"),
        Stage("row", "Record it as applied (the row of `mend resolve --applied`)"),
    ]
    stages += [
        Stage(f"target:{c.target.name}", f"{c.target.name}: mark it applied, checked again there")
        for c in checks
        if c.state is TargetState.PATCHED
    ]
    return stages


class ApplyProgress(Static):
    """The stages, each with its state; told apart without colour (marks, or words)."""

    def __init__(self, stages: list[Stage], look: Look, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stages = stages
        self.look = look

    def on_mount(self) -> None:
        self.draw()

    def apply_event(self, event: ApplyEvent) -> None:
        """An ApplyEvent: the stages before it are done; `lock` and `guard` start, the others
        say they finished."""
        key = f"target:{event.target}" if event.stage == "target" else event.stage
        keys = [s.key for s in self.stages]
        if event.stage == "done":
            for stage in self.stages:
                if stage.state is not StepState.FAILED:
                    stage.state = StepState.DONE
        elif key in keys:
            position = keys.index(key)
            if event.stage != "target":
                for stage in self.stages[:position]:
                    stage.state = StepState.DONE
            stage = self.stages[position]
            if event.stage in ("lock", "guard"):
                stage.state = StepState.RUNNING
            elif event.stage == "target":
                stage.state = (
                    StepState.DONE if event.message == "marked applied" else (StepState.FAILED)
                )
                stage.text = f"{event.target}: {event.message}"
            else:
                stage.state = StepState.DONE
            if event.stage == "row":  # the targets are marked at once from here
                for later in self.stages[position + 1 :]:
                    later.state = StepState.RUNNING
        self.draw()

    def failed(self) -> None:
        for stage in self.stages:
            if stage.state is StepState.RUNNING:
                stage.state = StepState.FAILED
        self.draw()

    def draw(self) -> None:
        rows: list[Content | str] = []
        for stage in self.stages:
            if rows:
                rows.append("\n")
            rows += [
                Content.styled(state_mark(stage.state, self.look), STATE_STYLE[stage.state]),
                f" {stage.text}",
            ]
        self.update(Content.assemble(*rows))


class ApplyStep(ConfirmedWriteStep[HotfixResult]):
    CSS_PATH = ["../recover/flow.tcss", "flow.tcss", "apply.tcss"]
    BINDINGS = [
        Binding("enter", "confirm", "Record", priority=True),
        Binding("enter", "next", "Verify"),
        Binding("enter", "retry", "Items again"),
    ]
    what = "the hotfix"
    confirm_words = "to record it"
    running_words = "is being recorded."
    done_words = "is recorded; enter verifies it."
    failed_title = "The hotfix was not recorded"
    failed_next = (
        "enter: the items again, from the database as it is now; escape: close the wizard."
    )

    def __init__(
        self,
        snapshot: Snapshot,
        progress: HotfixProgress,
        preview: HotfixPreview,
        checks: tuple[TargetCheck, ...],
        run: Callable[[Callable[[ApplyEvent], None]], HotfixResult],
        root: Path,
    ) -> None:
        super().__init__(snapshot, progress)
        self.preview = preview
        self.checks = checks
        self.run = run
        self.root = root
        self.init_write()

    @property
    def folder(self) -> str:
        return self.preview.name.folder

    def body(self) -> ComposeResult:
        preview = self.preview
        summary = apply_summary(self.checks)
        lines: list[Content | str] = [
            Content.styled("Record the migration ", "bold"),
            f"on {self.snapshot.target}: write it to "
            f"{relative(preview.name.path.parent, self.root)}, then the row `mend resolve "
            "--applied` writes, under the migration lock, journaled. None of its SQL runs: the "
            "database has it already.",
        ]
        if summary:
            lines += ["\n", Content.styled("Then: ", "bold"), summary + "."]
        yield Static(Content.assemble(*lines), classes="lead", id="apply-lead")
        yield from self.confirm_row()
        with Vertical(id="apply-stages"):
            yield Static("", id="phase")
            yield ApplyProgress(
                stages_for(preview, self.checks, self.root), self.look, id="progress"
            )
        yield Static("", id="outcome")

    def ready(self) -> None:
        self.query_one("#phase").display = False
        self.query_one(Input).focus()

    # -- the write ------------------------------------------------------------------------------
    @property
    def full_name(self) -> str:
        return self.folder

    @property
    def expected(self) -> str:
        """The name the operator gave at Name; for the default name (long: `hotfix_index_
        user_email_idx`, and not the operator's words), the database's name when this
        database is the only one written (no target is marked too: then it would be
        ambiguous)."""
        if self.database_asked:
            return self.snapshot.database
        return super().expected

    @property
    def expected_is(self) -> str:
        return "the database's name" if self.database_asked else ""

    @property
    def database_asked(self) -> bool:
        kept_default = self.folder.partition("_")[2] == slugify(default_name(self.preview.items))
        marks_others = any(check.state is TargetState.PATCHED for check in self.checks)
        return kept_default and bool(self.snapshot.database) and not marks_others

    def started(self) -> None:
        phase = self.query_one("#phase", Static)
        phase.update("Recording" + self.look.marks.ellipsis)
        phase.display = True

    def perform(self) -> HotfixResult:
        progress = self.query_one(ApplyProgress)

        def tell(event: ApplyEvent) -> None:
            self._from_thread(progress.apply_event, event)

        return self.run(tell)

    def show_done(self, result: HotfixResult) -> None:
        self.query_one("#phase", Static).update("Recorded.")
        parts: list[Content | str] = [
            Content.styled(
                f"Recorded {result.migration.name} as applied "
                f"(journal run {result.journal_run[:8]}).",
                "bold $text-success",
            )
        ]
        if result.needs_attention:
            names = ", ".join(t.check.target.name for t in result.needs_attention)
            parts += [
                "\n",
                Content.styled(
                    f"Needs a hand: {names}; nothing was written there.", "bold $text-warning"
                ),
            ]
        parts += ["\n", Content.styled("enter: the verification.", "$text-muted")]
        self.query_one("#outcome", Static).update(Content.assemble(*parts))

    def show_failed(self) -> None:
        self.query_one(ApplyProgress).failed()
        self.query_one("#phase", Static).update("Stopped.")

    def done_answer(self, result: HotfixResult) -> Applied:
        return Applied(result)

    def retry_answer(self, error: MendError) -> StartAgain:
        return StartAgain(error)
