"""Per-statement effects read off a failure record, for the SQL view's gutter.

A stopgap: the recovery engine will compare each statement with the live schema and hand the
app real effects (partially, conflicting, ...) through the same {statement index: effect}
mapping. Until then the failure record is all there is, and it is only as good as the logs.
"""

from __future__ import annotations

from mend_core.history.failure import FailureRecord
from mend_tui.presentation import Effect


def effects_from_failure(record: FailureRecord | None, count: int) -> dict[int, Effect]:
    """{1-based statement index: effect} for a script of `count` statements.

    `committed` took effect, `rolled_back` did not, the failing statement failed and the
    statements after it never ran. When the record does not say what persisted (Prisma's logs,
    a killed process), the statements before the failure are unknown, not guessed."""
    if record is None or count <= 0:
        return {}
    failing = record.statement_index
    known = record.committed is not None or record.rolled_back is not None
    committed = set(record.committed or ())
    rolled_back = set(record.rolled_back or ())
    effects: dict[int, Effect] = {}
    for index in range(1, count + 1):
        if index == failing:
            effects[index] = Effect.FAILED
        elif index in committed:
            effects[index] = Effect.TOOK_EFFECT
        elif index in rolled_back:
            effects[index] = Effect.NOT_RUN
        elif failing is not None and index > failing:
            effects[index] = Effect.NOT_RUN  # a script stops at its first failure
        elif known:
            effects[index] = Effect.NOT_RUN
        else:
            effects[index] = Effect.UNKNOWN
    return effects
