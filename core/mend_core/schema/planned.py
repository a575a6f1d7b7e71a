"""What a plan is: its steps, in the order they run, and what each can lose. Apart from the
planner (plan.py) so that a command that only reads a plan, or makes an empty one (`mend
inspect` with no unrelated drift), does not load the planner and the dialects' renderers."""

from __future__ import annotations

from typing import Literal

from mend_core.records import record

# What a step does to its object: makes it (or a part, a value), drops it, or changes it.
StepAction = Literal["create", "drop", "change"]


@record
class DataLoss:
    """One way a step can lose data or fail on it: its words, and the table (and column) whose
    rows (non-NULL values) it takes away, for a live count; None where nothing is taken away
    as such (a type change, a NOT NULL column added: they fail, or convert, on existing rows)."""

    words: str
    table: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        return self.words


@record
class Step:
    phase: int
    heading: str  # the comment above its SQL in a script, as Prisma writes them: CreateTable...
    summary: str
    objects: tuple[str, ...]
    sql: tuple[str, ...]
    data_loss: tuple[DataLoss, ...] = ()
    action: StepAction = "change"

    @property
    def warnings(self) -> list[str]:
        """The data-loss warnings' words."""
        return [loss.words for loss in self.data_loss]


@record
class SchemaPlan:
    """The steps that turn one schema into another, in the order they must run."""

    dialect: str
    steps: tuple[Step, ...]

    @property
    def is_empty(self) -> bool:
        return not self.steps

    @property
    def statements(self) -> list[str]:
        return [sql for step in self.steps for sql in step.sql]

    @property
    def data_loss(self) -> list[str]:
        return [warning for step in self.steps for warning in step.warnings]

    def script(self) -> str:
        """The SQL, each step under its heading; empty when there is nothing to do."""
        blocks = []
        for step in self.steps:
            if step.sql:
                body = "\n".join(f"{sql};" for sql in step.sql)
                blocks.append(f"-- {step.heading}\n{body}\n")
        return "\n".join(blocks)
