"""The hotfix wizard's steps for the stepper: Items, Name, Preview, Targets, Apply, Verify.

Drawn as the recovery's are (stepper.py): a done step carries a mark, the current one is
reversed, and with --read-only the steps it rules out (Apply, and Verify after it) are in
parentheses and struck through, so that the stepper says where the wizard stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from textual.content import Content

from mend_tui.presentation import Look


class HotfixStep(StrEnum):
    ITEMS = "items"
    NAME = "name"
    PREVIEW = "preview"
    TARGETS = "targets"
    APPLY = "apply"
    VERIFY = "verify"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Read-only mode stops before Apply: Apply writes, and Verify checks what it wrote.
RULED_OUT_READ_ONLY = (HotfixStep.APPLY, HotfixStep.VERIFY)


@dataclass(frozen=True)
class HotfixProgress:
    current: HotfixStep
    read_only: bool = False

    @property
    def done(self) -> frozenset[HotfixStep]:
        order = list(HotfixStep)
        return frozenset(order[: order.index(self.current)])

    def content(self, look: Look) -> Content:
        """`✓Items › ✓Name ›  Preview  › Targets › Apply › Verify`."""
        separator = " > " if look.ascii else " › "
        parts: list[Content | str] = []
        for step in HotfixStep:
            if parts:
                parts.append(Content.styled(separator, "$text-muted"))
            label = step.label
            if step is self.current:
                parts.append(Content.styled(f" {label} ", "bold reverse $text-accent"))
            elif self.read_only and step in RULED_OUT_READ_ONLY:
                parts.append(Content.styled(f"({label})", "strike $text-muted"))
            elif step in self.done:
                parts.append(Content.styled(f"{look.marks.applied}{label}", "$text-success"))
            else:
                parts.append(Content.styled(label, "$text-muted"))
        return Content.assemble(*parts)
