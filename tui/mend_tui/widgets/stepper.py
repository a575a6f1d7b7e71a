"""The wizards' stepper: where the operator is in the recovery's Inspect, Choose, (Data fix),
Preview, Rehearse, Execute, Verify (or the hotfix's steps: hotfix_stepper.py); what is done, and
what read-only mode rules out.

Told apart without colour too: a done step carries a mark, the current one is reversed, a step
off the path is in parentheses and one that cannot run is struck through and named at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from textual.content import Content
from textual.widgets import Static

from mend_tui.presentation import Look


class Step(StrEnum):
    INSPECT = "inspect"
    CHOOSE = "choose"
    DATA_FIX = "data_fix"
    PREVIEW = "preview"
    REHEARSE = "rehearse"
    EXECUTE = "execute"
    VERIFY = "verify"

    @property
    def label(self) -> str:
        return "Data fix" if self is Step.DATA_FIX else self.value.capitalize()


# The steps that write: read-only mode rules them out.
WRITING_STEPS = (Step.REHEARSE, Step.EXECUTE)


@dataclass(frozen=True)
class Progress:
    """What the stepper shows: the current step, the steps done, and the path taken."""

    current: Step
    done: frozenset[Step] = field(default_factory=frozenset)
    data_fix: bool = False  # the path goes through Data fix (a roll forward the data blocked)
    read_only: bool = False
    skipped: frozenset[Step] = field(default_factory=frozenset)  # a rehearsal skipped on purpose

    def at(self, step: Step) -> Progress:
        """The same path, at `step`, with every step before it done."""
        order = list(Step)
        done = frozenset(s for s in order[: order.index(step)] if s not in self.skipped)
        return Progress(step, done, self.data_fix, self.read_only, self.skipped)

    def content(self, look: Look) -> Content:
        return stepper_content(self, look)


class WizardProgress(Protocol):
    """Where a wizard is (the recovery's Progress, the hotfix's HotfixProgress): a stepper
    draws it, a step reads whether read-only mode rules its writing steps out."""

    @property
    def read_only(self) -> bool: ...

    def content(self, look: Look) -> Content: ...


def stepper_content(progress: Progress, look: Look) -> Content:
    """`✓Inspect › ✓Choose › (Data fix) ›  Preview  › Rehearse › Execute › Verify`."""
    marks = look.marks
    separator = " > " if look.ascii else " › "
    parts: list[Content | str] = []
    for step in Step:
        if parts:
            parts.append(Content.styled(separator, "$text-muted"))
        label = step.label
        if step is progress.current:
            parts.append(Content.styled(f" {label} ", "bold reverse $text-accent"))
        elif step is Step.DATA_FIX and not progress.data_fix:
            parts.append(Content.styled(f"({label})", "$text-muted"))
        elif progress.read_only and step in WRITING_STEPS:
            # Off the path, as Data fix can be: read-only mode rules it out.
            parts.append(Content.styled(f"({label})", "strike $text-muted"))
        elif step in progress.skipped:
            parts.append(Content.styled(f"{marks.pending}{label}", "strike $text-warning"))
        elif step in progress.done:
            # The mark without a space: all seven steps fit 80 columns.
            parts.append(Content.styled(f"{marks.applied}{label}", "$text-success"))
        else:
            parts.append(Content.styled(label, "$text-muted"))
    return Content.assemble(*parts)


class Stepper(Static):
    DEFAULT_CSS = """
    Stepper { height: 1; padding: 0 1; background: $boost; }
    """

    def __init__(self, progress: WizardProgress, look: Look) -> None:
        super().__init__(progress.content(look))
        self.progress = progress
        self.look = look

    def show(self, progress: WizardProgress) -> None:
        """Where the wizard is now (a step shown again: the choices since may have changed)."""
        if progress != self.progress:
            self.progress = progress
            self.update(progress.content(self.look))
