"""What each statement of a failed migration left in the live database, checked against the
catalog, not trusted from the logs.

For every object a statement changes, the live value is matched against the values that object
takes along the migration (before it, after each statement that touches it): the last match says
how far the migration got for that object. A statement took effect when all its objects got that
far, did not run when none did; anything else is a conflict (a statement is atomic), except the
half-states that are known by name: PostgreSQL's INVALID index from a failed CREATE INDEX
CONCURRENTLY, and SQLite's `new_<Table>` from a table redefinition stopped half-way.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import field, replace
from enum import StrEnum

from mend_core.database.statements import Statement
from mend_core.dialects import dialect_for
from mend_core.history.failure import FailureRecord
from mend_core.records import record
from mend_core.recovery.provenance import definition_sql, left_no_effect, preexisting_keys
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, describe_key, value
from mend_core.schema.states import ExpectedStates, StatementState


class Effect(StrEnum):
    TOOK_EFFECT = "took_effect"
    NOT_RUN = "not_run"
    FAILED = "failed"
    PARTIAL = "partially"
    CONFLICTING = "conflicting"
    DATA = "data_statement"  # changes rows only: the catalog cannot tell whether it ran
    NO_SCHEMA_CHANGE = "no_schema_change"  # PRAGMA, SET, ...: nothing to check


EFFECT_WORDS = {
    Effect.TOOK_EFFECT: "took effect",
    Effect.NOT_RUN: "not run",
    Effect.FAILED: "failed",
    Effect.PARTIAL: "partially",
    Effect.CONFLICTING: "conflicting",
    Effect.DATA: "data statement (effect unknown)",
    Effect.NO_SCHEMA_CHANGE: "no schema change",
}


@record
class LiveExtras:
    """What the live database holds that the schema model does not say: half-states."""

    invalid_indexes: frozenset[str] = frozenset()  # PostgreSQL indisvalid = false
    leftover_rows: tuple[tuple[str, int], ...] = ()  # (new_<Table>, its rows), SQLite


NO_EXTRAS = LiveExtras()  # none: the default of classify_effects


@record
class StatementEffect:
    statement: Statement
    effect: Effect
    note: str = ""  # why, in words (what differs, what the logs said)
    keys: frozenset[ObjectKey] = field(default_factory=frozenset)
    # Objects it would change that the migration did not make so (see provenance.py).
    preexisting: frozenset[ObjectKey] = field(default_factory=frozenset)

    @property
    def words(self) -> str:
        return EFFECT_WORDS[self.effect]

    def to_json(self) -> dict[str, object]:
        return {
            "statement": self.statement.index,
            "line": self.statement.line,
            "sql": self.statement.sql,
            "effect": self.effect.value,
            "note": self.note,
            "objects": sorted(describe_key(k) for k in self.keys),
            "preexisting": sorted(describe_key(k) for k in self.preexisting),
        }


def classify_effects(
    states: ExpectedStates,
    live: Schema,
    failure: FailureRecord,
    extras: LiveExtras = NO_EXTRAS,
) -> tuple[list[StatementEffect], int | None]:
    """Each statement's effect, and the index of the statement that failed (None: unknown)."""
    statements = [state.statement for state in states.statements]
    known = _failing_from_failure(failure, states)
    gone = left_no_effect(failure, statements, live.dialect, known)
    preexisting = preexisting_keys(states, live, gone)
    # The objects the migration did not make are judged apart: the rest is judged as usual.
    judged = _without_keys(states, preexisting)
    reached = _prefix_reached(judged, live, failure)
    positions = _object_positions(judged, live)
    effects: list[StatementEffect] = []
    for position, state in enumerate(judged.statements, start=1):
        effect = _schema_effect(position, state, judged, live, positions, extras, reached)
        ours = states.statements[position - 1].keys & preexisting
        if ours:
            effect = _with_preexisting(effect, ours, live, not state.keys)
        effects.append(effect)
    failing = _failing_index(failure, effects, live.dialect)
    effects = [_mark_failed(e, failing) for e in effects]
    return _data_effects(effects, failure, live.dialect), failing


def _failing_from_failure(failure: FailureRecord, states: ExpectedStates) -> int | None:
    """The failing statement where the failure itself says it: mend's logs, or an error
    message naming the objects of exactly one statement."""
    count = len(states.statements)
    if failure.statement_index and failure.statement_index <= count:
        return failure.statement_index
    if failure.process_died or not failure.message:
        return None
    named = [
        state.statement.index
        for state in states.statements
        if state.keys and _names_any(failure.message, state.keys)
    ]
    return named[0] if len(named) == 1 else None


def _names_any(message: str, keys: frozenset[ObjectKey]) -> bool:
    names = {part for key in keys for part in key[1:]}
    return any(f'"{n}"' in message or f"'{n}'" in message or f"`{n}`" in message for n in names)


def _without_keys(states: ExpectedStates, keys: frozenset[ObjectKey]) -> ExpectedStates:
    if not keys:
        return states
    statements = tuple(replace(s, keys=s.keys - keys) for s in states.statements)
    return replace(states, statements=statements)


def _with_preexisting(
    effect: StatementEffect, keys: frozenset[ObjectKey], live: Schema, only: bool
) -> StatementEffect:
    """The effect, with the objects it would change that were there before it ran."""
    present = [k for k in sorted(keys) if value(live, k) is not None]
    absent = [k for k in sorted(keys) if value(live, k) is None]
    parts = []
    if present:
        shown = "; ".join(
            f"{describe_key(k)}: {' '.join(definition_sql(live, k)) or 'present'}" for k in present
        )
        parts.append(
            f"existed before this migration (or was made by hand since; the failed attempt "
            f"left nothing of it): {shown}"
        )
    if absent:
        parts.append(
            f"{', '.join(describe_key(k) for k in absent)} was removed or changed by hand, not "
            "by this migration"
        )
    note = "; ".join(p for p in (effect.note, *parts) if p)
    kind = Effect.CONFLICTING if only or effect.effect is Effect.NOT_RUN else effect.effect
    return replace(effect, effect=kind, note=note, keys=effect.keys | keys, preexisting=keys)


def _prefix_reached(states: ExpectedStates, live: Schema, failure: FailureRecord) -> int | None:
    """How far the migration got, when the live objects are exactly the expected state after
    some statement k (the usual case: a run stops and what ran before stays, or nothing stays).
    Among several such k (data statements change no object), the last one before the failing
    statement the logs name, else the last one. None when no state matches: then each object
    is judged on its own."""
    keys = states.migration_keys
    live_values = {key: value(live, key) for key in keys}
    candidates = [
        k
        for k in range(len(states.statements) + 1)
        if all(value(_state(states, k), key) == live_values[key] for key in keys)
    ]
    if failure.statement_index:
        before_failure = [k for k in candidates if k < failure.statement_index]
        candidates = before_failure or candidates
    return candidates[-1] if candidates else None


def _state(states: ExpectedStates, k: int) -> Schema:
    return states.statements[k - 1].after if k else states.before


def _object_positions(states: ExpectedStates, live: Schema) -> dict[ObjectKey, int | None]:
    """For each object the migration changes: the last statement after which its expected
    value is the live one (0: its value before the migration), or None: no expected value."""
    history: dict[ObjectKey, list[tuple[int, Hashable | None]]] = {}
    for key in states.migration_keys:
        history[key] = [(0, value(states.before, key))]
    for position, state in enumerate(states.statements, start=1):
        for key in state.keys:
            history[key].append((position, value(state.after, key)))
    positions: dict[ObjectKey, int | None] = {}
    for key, versions in history.items():
        live_value = value(live, key)
        matches = [position for position, expected in versions if expected == live_value]
        positions[key] = matches[-1] if matches else None
    return positions


def _schema_effect(
    position: int,
    state: StatementState,
    states: ExpectedStates,
    live: Schema,
    positions: dict[ObjectKey, int | None],
    extras: LiveExtras,
    reached: int | None,
) -> StatementEffect:
    statement = state.statement
    if state.data_only:
        return StatementEffect(statement, Effect.DATA)
    if state.replay_error is not None:
        return StatementEffect(
            statement,
            Effect.NOT_RUN,
            "it fails even on the replayed schema: "
            + (state.replay_error.first_message_line() or "error"),
        )
    if not state.keys:
        return StatementEffect(statement, Effect.NO_SCHEMA_CHANGE)
    partial = _known_half_state(state, states, live, extras)
    if partial is not None:
        return partial
    if reached is not None:
        took = position <= reached
        return StatementEffect(
            statement, Effect.TOOK_EFFECT if took else Effect.NOT_RUN, "", state.keys
        )
    return _object_effect(position, state, positions, live)


def _object_effect(
    position: int, state: StatementState, positions: dict[ObjectKey, int | None], live: Schema
) -> StatementEffect:
    """Judged object by object, when the live schema is no expected state as a whole."""
    statement = state.statement
    reached = {key: positions.get(key) for key in state.keys}
    conflicting = sorted(describe_key(k) for k, p in reached.items() if p is None)
    done = [k for k, p in reached.items() if p is not None and p >= position]
    if conflicting:
        return StatementEffect(
            statement,
            Effect.CONFLICTING,
            f"{', '.join(conflicting)} exists but differs from what this migration makes",
            state.keys,
        )
    if len(done) == len(reached):
        return StatementEffect(statement, Effect.TOOK_EFFECT, "", state.keys)
    if not done:
        return StatementEffect(statement, Effect.NOT_RUN, "", state.keys)
    behind = sorted(
        f"{describe_key(k)} {_not_reached(value(live, k), value(state.after, k))}"
        for k, p in reached.items()
        if p is not None and p < position
    )
    return StatementEffect(
        statement,
        Effect.CONFLICTING,
        f"only part of it is in the database ({', '.join(behind)}), which one "
        "statement cannot leave",
        state.keys,
    )


def _not_reached(live: object, expected: object) -> str:
    """How an object the statement did not get to differs: gone, not yet gone, or as before."""
    if live is None:
        return "missing"
    if expected is None:
        return "still there"
    return "unchanged"


def _known_half_state(
    state: StatementState, states: ExpectedStates, live: Schema, extras: LiveExtras
) -> StatementEffect | None:
    statement = state.statement
    for key in state.keys:
        if key[0] == "index" and key[2] in extras.invalid_indexes and value(state.after, key):
            return StatementEffect(
                statement,
                Effect.PARTIAL,
                f"index `{key[2]}` exists but is INVALID (a failed CREATE INDEX CONCURRENTLY): "
                "it slows every write and serves no read",
                state.keys,
            )
        if key[0] == "table" and key[1].startswith("new_") and live.table(key[1]) is not None:
            rows = dict(extras.leftover_rows).get(key[1])
            original = key[1].removeprefix("new_")
            if value(states.after, key) is None and value(state.after, key) is not None:
                holds = f" and holds {rows} row(s)" if rows is not None else ""
                where = (
                    "the original table is gone: the rows live only there"
                    if live.table(original) is None
                    else f"`{original}` still holds the original rows"
                )
                return StatementEffect(
                    statement,
                    Effect.PARTIAL,
                    f"the redefinition of `{original}` stopped half-way: `{key[1]}` is still "
                    f"there{holds}; {where}",
                    state.keys,
                )
    return None


def _failing_index(
    failure: FailureRecord, effects: Sequence[StatementEffect], dialect: str
) -> int | None:
    """The statement that failed: from the logs where they say so, else from the error message
    (the object it names), else, where statements before a failure stay (MySQL, SQLite), the
    first one not in effect after the last one that is; else unknown."""
    if failure.statement_index and failure.statement_index <= len(effects):
        return failure.statement_index
    if failure.process_died:
        return None  # nothing failed: the process stopped
    named = _named_in_message(failure.message, effects)
    if named is not None or dialect_for(dialect).runs_migration_in_one_transaction:
        return named
    done = [e.statement.index for e in effects if e.effect is Effect.TOOK_EFFECT]
    after = max(done, default=0)
    return next(
        (
            e.statement.index
            for e in effects
            if e.statement.index > after and e.effect in (Effect.NOT_RUN, Effect.DATA)
        ),
        None,
    )


def _named_in_message(message: str, effects: Sequence[StatementEffect]) -> int | None:
    """The one statement whose objects the error message names, if there is exactly one."""
    if not message:
        return None
    named = []
    for effect in effects:
        if effect.effect in (Effect.TOOK_EFFECT, Effect.DATA, Effect.NO_SCHEMA_CHANGE):
            continue
        names = {part for key in effect.keys for part in key[1:]}
        if any(f'"{n}"' in message or f"'{n}'" in message or f"`{n}`" in message for n in names):
            named.append(effect.statement.index)
    return named[0] if len(named) == 1 else None


def _mark_failed(effect: StatementEffect, failing: int | None) -> StatementEffect:
    if failing is None or effect.statement.index != failing:
        return effect
    if effect.effect in (Effect.NOT_RUN, Effect.DATA, Effect.NO_SCHEMA_CHANGE):
        return StatementEffect(effect.statement, Effect.FAILED, effect.note, effect.keys)
    return effect  # the catalog says otherwise: its word is kept


def _data_effects(
    effects: Sequence[StatementEffect], failure: FailureRecord, dialect: str
) -> list[StatementEffect]:
    """Each data statement's effect, from the statements around it: what took effect after
    each one and what stopped before it, counted once for all (not per data statement)."""
    took_after = [False] * (len(effects) + 1)  # [i]: a statement after effects[i] took effect
    for i in range(len(effects) - 1, 0, -1):
        took_after[i - 1] = took_after[i] or effects[i].effect is Effect.TOOK_EFFECT
    any_took = any(e.effect is Effect.TOOK_EFFECT for e in effects)
    found: list[StatementEffect] = []
    stopped_before = False  # a statement before this one did not run, or failed
    for i, effect in enumerate(effects):
        found.append(
            _data_effect(effect, failure, took_after[i], stopped_before, any_took, dialect)
        )
        stopped_before = stopped_before or effect.effect in (Effect.NOT_RUN, Effect.FAILED)
    return found


def _data_effect(
    effect: StatementEffect,
    failure: FailureRecord,
    later_took: bool,
    earlier_stopped: bool,
    any_took: bool,
    dialect: str,
) -> StatementEffect:
    """A data statement leaves no trace in the catalog: mend's logs say whether it committed;
    else the statements around it do (they run in order and stop at the failure)."""
    if effect.effect is not Effect.DATA:
        return effect
    index = effect.statement.index
    if failure.committed is not None and index in failure.committed:
        return StatementEffect(effect.statement, Effect.TOOK_EFFECT, "committed, per mend's logs")
    if failure.rolled_back is not None and index in failure.rolled_back:
        return StatementEffect(effect.statement, Effect.NOT_RUN, "rolled back, per mend's logs")
    if failure.committed is not None and failure.source == "mend":
        return StatementEffect(effect.statement, Effect.NOT_RUN, "never reached, per mend's logs")
    if later_took:
        return StatementEffect(
            effect.statement, Effect.TOOK_EFFECT, "a later statement took effect, so this one ran"
        )
    one_transaction = dialect_for(dialect).runs_migration_in_one_transaction
    if earlier_stopped or (one_transaction and not any_took):
        return StatementEffect(
            effect.statement, Effect.NOT_RUN, "the migration stopped (or rolled back) before it"
        )
    return effect
