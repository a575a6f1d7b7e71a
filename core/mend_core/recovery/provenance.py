"""Which live objects the failed migration did not make, from evidence, not from names.

A failed statement is atomic: it left nothing. On PostgreSQL a failed migration's transaction
was rolled back whole (Prisma's engine sends the script as one implicit transaction; mend runs
it in one; a killed connection rolls back too), except for statements that commit on their own
and a script's own COMMITs; mend's logs say exactly which statements were rolled back. So an
object that such a statement would change, found live in a state the migration's earlier
(committed) statements do not explain, was not made by the migration: it existed before the
attempt, or was made by hand since. A plan must never drop or alter it unless it names that as
a step of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from mend_core.database.statements import Statement
from mend_core.dialects import dialect_for
from mend_core.history.failure import FailureRecord
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, value, with_objects
from mend_core.schema.states import ExpectedStates


def left_no_effect(
    failure: FailureRecord,
    statements: Sequence[Statement],
    dialect: str,
    failing: int | None,
) -> frozenset[int]:
    """The statements known to have left nothing in the database."""
    gone: set[int] = set()
    alone_ones = {s.index for s in statements if s.autocommit}
    if failing is not None and not failure.process_died and failing not in alone_ones:
        # A statement is atomic: the one that failed left nothing. (Not so those that run
        # alone: a failed CREATE INDEX CONCURRENTLY leaves an INVALID index.)
        gone.add(failing)
    if failure.rolled_back is not None:
        gone.update(failure.rolled_back)  # mend's logs say so
        return frozenset(gone)
    if failure.committed is not None or not dialect_for(dialect).runs_migration_in_one_transaction:
        return frozenset(gone)
    if any(s.transaction_control for s in statements):
        return frozenset(gone)  # the script drew its own boundaries: not known here
    # PostgreSQL, run by Prisma's engine or killed: one transaction, rolled back. Statements
    # that commit on their own (CONCURRENTLY...) end it; only what came after the last of
    # them before the failure shared the failed transaction.
    end = failing if failing is not None else len(statements) + 1
    alone = [index for index in alone_ones if index < end]
    start = max(alone, default=0)
    gone.update(s.index for s in statements if start < s.index < end and not s.autocommit)
    if failing is None:  # killed: nothing after the transaction's start committed
        gone.update(s.index for s in statements if s.index > start and not s.autocommit)
    return frozenset(gone)


def preexisting_keys(
    states: ExpectedStates, live: Schema, gone: frozenset[int]
) -> frozenset[ObjectKey]:
    """Objects that statements which left nothing would change, whose live value is not the
    value the statements that did run leave them at: the migration did not make them so."""
    found: set[ObjectKey] = set()
    decided: set[ObjectKey] = set()
    for state in states.statements:
        index = state.statement.index
        if index not in gone:
            continue
        for key in state.keys - decided:
            # The first statement that left nothing decides: the object must still be as the
            # statements before it (those that ran) left it.
            decided.add(key)
            if value(live, key) != value(states.state_before(index), key):
                found.add(key)
    return frozenset(found)


def definition_sql(schema: Schema, key: ObjectKey) -> tuple[str, ...]:
    """The SQL that makes the object as `schema` has it, on a schema without it: its DDL,
    kept in plans, runbooks and reports so that anything removed can be made again."""
    # deferred: the planner (~5 ms) only when a definition is asked for (`mend inspect` on an
    # incident without unrelated drift asks for none)
    from mend_core.schema.plan import plan_migration

    without = with_objects(schema, Schema(schema.dialect), {key})
    return tuple(plan_migration(without, schema).statements)
