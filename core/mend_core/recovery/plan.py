"""`mend plan`: the two ways out of a failed migration, as reviewable plans.

- **Roll back**: SQL taking the live database to *before*, for the objects this migration
  touches only (unrelated drift is never undone), then the history action of `resolve
  --rolled-back`. Afterwards the operator fixes the migration file and deploys again.
- **Roll forward**: the migration's statements that have not taken effect, verbatim and in
  order (data statements flagged); where a statement took effect partially or conflicts, mend's
  generated SQL for its objects instead. A data fix runs right before the statement it unblocks
  (after the migration's own earlier statements) when the data caused the
  failure. Then the history action of `resolve --applied`.

Each step carries risk notes (data loss with live row counts, the lock it takes, running outside
a transaction), and the plan carries the fingerprint of what it was made from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from mend_core.database.row_counts import count_rows
from mend_core.database.session import Database
from mend_core.database.statements import Statement
from mend_core.dialects import dialect_for
from mend_core.errors import M7006, MendError
from mend_core.recovery.collateral import UnrelatedDrift as UnrelatedDrift
from mend_core.recovery.collateral import roll_back_collateral as roll_back_collateral
from mend_core.recovery.collateral import unrelated_drift as unrelated_drift
from mend_core.recovery.collateral import without_dependents
from mend_core.recovery.effects import Effect, StatementEffect
from mend_core.recovery.fingerprint import Fingerprint
from mend_core.recovery.incident import Incident, refuse_in_progress
from mend_core.recovery.provenance import definition_sql
from mend_core.recovery.risks import RiskNote, lock_note, statement_notes
from mend_core.schema.model import Schema, Table
from mend_core.schema.objects import ObjectKey, describe_key, value, with_objects
from mend_core.schema.plan import DataLoss, Step, plan_migration

NOT_OURS = "not made by the migration"  # the role of a step that touches such an object


class Direction(StrEnum):
    ROLL_BACK = "roll_back"
    ROLL_FORWARD = "roll_forward"

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class DataFix:
    """A roll forward's data fix, run right before the statement it unblocks: the operator's SQL
    or a template."""

    source: str  # "--data-fix fix.sql", "--dedupe delete-keep-first"
    sql: str


@dataclass(frozen=True)
class PlanStep:
    number: int
    role: str  # "data fix", "statement 3", "generated for statement 3", "repair", "cleanup"
    summary: str
    sql: tuple[str, ...]
    transactional: bool = True  # can share the repair's transaction
    risks: tuple[RiskNote, ...] = ()
    statement: int | None = None  # the migration statement it comes from

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "role": self.role,
            "summary": self.summary,
            "sql": list(self.sql),
            "transactional": self.transactional,
            "risks": [r.to_json() for r in self.risks],
            "statement": self.statement,
        }


@dataclass(frozen=True)
class HistoryAction:
    """The `_prisma_migrations` change that ends the plan: exactly `mend resolve`'s."""

    direction: Direction
    migration: str
    failed_rows: tuple[str, ...]  # ids of the failed attempts that get rolled_back_at
    checksum: str | None = None  # roll forward: the inserted applied row's checksum

    def describe(self) -> list[str]:
        lines = [f"set rolled_back_at on the failed attempt {i}" for i in self.failed_rows]
        if self.direction is Direction.ROLL_FORWARD:
            lines.append(
                f"insert a finished row for `{self.migration}` (checksum {self.checksum}, logs "
                "'', started_at = finished_at = now), as `mend resolve --applied` does"
            )
        return lines

    @property
    def command(self) -> str:
        flag = "--applied" if self.direction is Direction.ROLL_FORWARD else "--rolled-back"
        return f"mend resolve {flag} {self.migration}"


@dataclass(frozen=True)
class RecoveryPlan:
    direction: Direction
    migration: str
    dialect: str
    steps: tuple[PlanStep, ...]
    history: HistoryAction
    target: Schema  # the live schema as it must be once the plan has run
    scope: frozenset[ObjectKey]  # the objects the plan changes
    collateral: frozenset[ObjectKey]  # unrelated objects it must change too (said loudly)
    fingerprint: Fingerprint
    afterwards: str  # what the operator does next
    notes: tuple[str, ...] = ()
    blocked: str | None = None  # why the plan cannot work as it stands
    data_fix: DataFix | None = None
    rehearsable: str = ""  # how a rehearsal can run on this dialect
    # Objects the migration would change but did not make: the plan leaves them as they are
    # (checked again by the verification).
    left_alone: frozenset[ObjectKey] = frozenset()
    # Objects the migration did not make that the plan removes or changes, each in a step of
    # its own, with the DDL that makes them again: (key, DDL).
    not_ours: tuple[tuple[ObjectKey, tuple[str, ...]], ...] = ()

    @property
    def in_one_transaction(self) -> bool:
        """Whether the plan's transactional steps run in one transaction (not on MySQL, whose
        DDL commits implicitly: statement by statement)."""
        return dialect_for(self.dialect).transactional_ddl

    @property
    def statements(self) -> list[str]:
        return [sql for step in self.steps for sql in step.sql]

    @property
    def non_transactional_steps(self) -> list[PlanStep]:
        return [s for s in self.steps if not s.transactional]

    def script(self) -> str:
        """The repair's SQL, each step under a comment (not the history change)."""
        blocks = []
        for step in self.steps:
            body = "\n".join(s if s.rstrip().endswith(";") else f"{s};" for s in step.sql)
            blocks.append(f"-- {step.number}. {step.summary}\n{body}\n")
        return "\n".join(blocks)

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction.value,
            "migration": self.migration,
            "dialect": self.dialect,
            "blocked": self.blocked,
            "data_fix": {"source": self.data_fix.source, "sql": self.data_fix.sql}
            if self.data_fix
            else None,
            "steps": [s.to_json() for s in self.steps],
            "history": {"command": self.history.command, "changes": self.history.describe()},
            "scope": sorted(describe_key(k) for k in self.scope),
            "collateral": sorted(describe_key(k) for k in self.collateral),
            "fingerprint": self.fingerprint.to_json(),
            "afterwards": self.afterwards,
            "notes": list(self.notes),
            "rehearsal": self.rehearsable,
            "left_alone": sorted(describe_key(k) for k in self.left_alone),
            "not_made_by_the_migration": [
                {"object": describe_key(k), "ddl": list(ddl)} for k, ddl in self.not_ours
            ],
        }


def make_plan(
    db: Database,
    incident: Incident,
    direction: Direction,
    data_fix: DataFix | None = None,
    blocker_fixes: Sequence[tuple[int, DataFix]] = (),
) -> RecoveryPlan:
    """The plan for one direction; `db` (read-only is enough) counts the rows at stake.
    `blocker_fixes`: data fixes for later statements the data blocks too, each run right
    before its statement (a roll forward)."""
    refuse_in_progress(incident)  # M4006: a deploy still running it is not a failure
    if direction is Direction.ROLL_BACK:
        return _numbered(plan_roll_back(db, incident))
    return _numbered(plan_roll_forward(db, incident, data_fix, blocker_fixes))


def generated_blocker_fixes(incident: Incident) -> list[tuple[int, DataFix]]:
    """For each later blocker, its first generated template that runs as it is."""
    fixes = []
    for blocker in incident.blockers:
        usable = next((t for t in blocker.templates if not t.needs_editing), None)
        if usable is not None:
            source = f"generated for statement {blocker.statement}: {usable.name}"
            fixes.append((blocker.statement, DataFix(source, usable.sql)))
    return fixes


# -- roll back ----------------------------------------------------------------------------------
def plan_roll_back(db: Database, incident: Incident) -> RecoveryPlan:
    live, pre_steps, notes = _prepare_live(db, incident, Direction.ROLL_BACK)
    preexisting = incident.preexisting_keys
    keys = incident.states.migration_keys - preexisting
    target = with_objects(live, incident.states.before, keys)
    target, collateral = without_dependents(target, keys)
    steps = list(pre_steps)
    not_ours: list[tuple[ObjectKey, tuple[str, ...]]] = []
    if collateral:
        # What the migration did not make goes first, in steps of its own, named as such.
        without = with_objects(live, Schema(live.dialect), collateral)
        for key in sorted(collateral):
            not_ours.append((key, definition_sql(live, key)))
        steps += _not_ours_steps(db, plan_migration(live, without).steps, live, collateral)
        live_after = without
    else:
        live_after = live
    steps += [_schema_step(db, step) for step in plan_migration(live_after, target).steps]
    if preexisting:
        notes.append(
            "Left as they are (the migration did not make them; the failed attempt left "
            "nothing of them): " + ", ".join(describe_key(k) for k in sorted(preexisting)) + "."
        )
    for effect in incident.effects:
        if effect.effect is Effect.TOOK_EFFECT and effect.statement.changes_data_only:
            first = effect.statement.first_line(50)
            notes.append(
                f"Statement {effect.statement.index} changed rows ({first}): a roll back does "
                "not undo data; check those rows by hand."
            )
    if collateral:
        notes.append(
            "Not made by this migration, but built on what the roll back removes, so removed "
            "first in steps of their own: "
            + ", ".join(describe_key(k) for k in sorted(collateral))
            + ". Their DDL is kept in the plan, the runbook and the report: make them again "
            "once the migration is fixed and deployed (`mend hotfix` records them)."
        )
    failed_rows = tuple(r.id for r in incident.attempts if r.failed)
    cause = f" ({incident.cause.describe().rstrip('.')})" if incident.cause else ""
    afterwards = (
        f"Fix `{incident.migration}/migration.sql`{cause}, commit it, then run `mend deploy`: "
        "the migration runs again from its first statement."
    )
    return RecoveryPlan(
        direction=Direction.ROLL_BACK,
        migration=incident.migration,
        dialect=incident.dialect,
        steps=tuple(steps),
        history=HistoryAction(Direction.ROLL_BACK, incident.migration, failed_rows),
        target=target,
        scope=frozenset(keys | collateral),
        collateral=frozenset(collateral),
        fingerprint=incident.fingerprint,
        afterwards=afterwards,
        notes=tuple(notes),
        rehearsable=_rehearsal_words(incident.dialect),
        left_alone=preexisting,
        not_ours=tuple(not_ours),
    )


def _not_ours_steps(
    db: Database, steps: Sequence[Step], live: Schema, keys: frozenset[ObjectKey] | set[ObjectKey]
) -> list[PlanStep]:
    """Steps that remove or change objects the migration did not make: named as such, with
    the DDL that makes each again as a risk note."""
    ddl = " ".join(sql for key in sorted(keys) for sql in definition_sql(live, key))
    result = []
    for step in steps:
        planned = _schema_step(db, step)
        result.append(
            replace(
                planned,
                role=NOT_OURS,
                summary=f"{planned.summary} (not made by this migration)",
                risks=(
                    RiskNote(
                        "not_made_by_migration",
                        "this object was not made by the migration; to make it again: " + ddl,
                    ),
                    *planned.risks,
                ),
            )
        )
    return result


# -- roll forward -------------------------------------------------------------------------------
def plan_roll_forward(
    db: Database,
    incident: Incident,
    data_fix: DataFix | None = None,
    blocker_fixes: Sequence[tuple[int, DataFix]] = (),
) -> RecoveryPlan:
    live, pre_steps, notes = _prepare_live(db, incident, Direction.ROLL_FORWARD)
    states = incident.states
    steps: list[PlanStep] = list(pre_steps)
    # The data fix runs right before the statement it unblocks, after the migration's own
    # earlier statements (its cleanup may already remove rows the fix would otherwise touch).
    fix_step = _data_fix_step(db, data_fix) if data_fix is not None else None
    unblocks = incident.failing_index or 0
    blocked = _forward_blocker(incident, data_fix)
    started = False  # the first statement still to do has been reached
    own_control: list[str] = []
    not_ours: list[tuple[ObjectKey, tuple[str, ...]]] = []
    for effect in incident.effects:
        if effect.effect is Effect.TOOK_EFFECT:
            continue
        if effect.statement.transaction_control:
            # mend's own transaction holds the repair and the history change together; the
            # script's BEGIN/COMMIT would end it early (and commit a rehearsal for real).
            if started:
                own_control.append(
                    f"{effect.statement.index} (`{effect.statement.first_line(30)}`)"
                )
            continue
        if effect.effect is Effect.NO_SCHEMA_CHANGE and not started:
            continue
        started = True
        if fix_step is not None and effect.statement.index >= unblocks:
            steps.append(fix_step)
            fix_step = None
        for index, later_fix in blocker_fixes:
            if index == effect.statement.index:
                steps.append(_data_fix_step(db, later_fix))
        if effect.preexisting:
            state = incident.states.statements[effect.statement.index - 1]
            changed = sorted(
                k for k in effect.preexisting if value(live, k) != value(state.after, k)
            )
            adopted = sorted(effect.preexisting - set(changed))
            if adopted:
                notes.append(
                    f"Adopted as they are (their definition equals what statement "
                    f"{effect.statement.index} makes): "
                    + ", ".join(describe_key(k) for k in adopted)
                    + "."
                )
            if changed:
                not_ours += [(k, definition_sql(live, k)) for k in changed]
        if effect.effect in (Effect.PARTIAL, Effect.CONFLICTING):
            steps += _generated_steps(db, incident, effect, live)
            continue
        steps.append(_verbatim_step(db, effect, incident.dialect))
    if fix_step is not None:  # nothing of the migration is left to run after it
        steps.insert(len(pre_steps), fix_step)
    if own_control:
        notes.append(
            "The migration's own transaction control is left out (statements "
            + ", ".join(own_control)
            + "): mend runs the repair and the history change in one transaction of its own."
        )
    target = with_objects(live, states.after, states.migration_keys)
    checksum = incident.local.checksum
    failed_rows = tuple(r.id for r in incident.attempts if r.failed)
    afterwards = (
        "Nothing more: the migration is recorded as applied; later migrations deploy as usual."
    )
    if incident.script_edited:
        afterwards = (
            f"Commit the edited `{incident.migration}/migration.sql`: the history now records "
            "its checksum, and every database must run the same file."
        )
    return RecoveryPlan(
        direction=Direction.ROLL_FORWARD,
        migration=incident.migration,
        dialect=incident.dialect,
        steps=tuple(steps),
        history=HistoryAction(Direction.ROLL_FORWARD, incident.migration, failed_rows, checksum),
        target=target,
        scope=frozenset(states.migration_keys),
        collateral=frozenset(),
        fingerprint=incident.fingerprint,
        afterwards=afterwards,
        notes=tuple(notes),
        blocked=blocked,
        data_fix=data_fix,
        rehearsable=_rehearsal_words(incident.dialect),
        not_ours=tuple(not_ours),
    )


def _forward_blocker(incident: Incident, data_fix: DataFix | None) -> str | None:
    """Why finishing the migration as it stands would fail again, if it would."""
    for state in incident.states.statements:
        if state.replay_error is not None:
            return (
                f"Statement {state.statement.index} fails even on the replayed schema "
                f"({state.replay_error.first_message_line()}): running it again fails the same "
                "way. Fix the migration file (the plan reads it again), or roll back."
            )
    if incident.data_caused and data_fix is None and not incident.script_edited:
        # (A migration edited since it failed may not need the data fixed any more: the
        # rehearsal tells.)
        return (
            f"The data caused the failure ({incident.cause.describe() if incident.cause else ''})"
            ": the failing statement fails again until the data is fixed. Give a data fix "
            "(--data-fix FILE, or --dedupe delete-keep-first|suffix for duplicates), or roll back."
        )
    return None


def _verbatim_step(db: Database, effect: StatementEffect, dialect: str) -> PlanStep:
    statement = effect.statement
    risks = statement_notes(db, statement)
    if effect.effect is Effect.DATA:
        risks.insert(
            0,
            RiskNote(
                "data_statement",
                "a data statement whose effect is unknown (the catalog cannot tell whether it "
                "ran before the failure): check before running it twice",
            ),
        )
    elif statement.changes_data_only:
        risks.insert(0, RiskNote("data_statement", "changes rows, not the schema"))
    transactional = _transactional(statement, dialect)
    if not transactional:
        risks.append(_not_transactional_note(dialect, statement))
    words = effect.words if effect.effect is not Effect.DATA else "data statement"
    return PlanStep(
        0,
        f"statement {statement.index}",
        f"statement {statement.index} of the migration ({words}): {statement.first_line(60)}",
        (statement.sql,),
        transactional,
        tuple(risks),
        statement.index,
    )


def _generated_steps(
    db: Database, incident: Incident, effect: StatementEffect, live: Schema
) -> list[PlanStep]:
    """For a statement that took effect partly or conflicts: mend's SQL taking its objects to
    what the statement makes."""
    index = effect.statement.index
    state = incident.states.statements[index - 1]
    first: list[PlanStep] = []
    changed = {k for k in effect.preexisting if value(live, k) != value(state.after, k)}
    if changed:
        # Objects it did not make are changed in steps of their own, named as such.
        made = with_objects(live, state.after, changed)
        first = _not_ours_steps(db, plan_migration(live, made).steps, live, changed)
        live = made
    target = with_objects(live, state.after, effect.keys - effect.preexisting)
    generated = [_schema_step(db, step) for step in plan_migration(live, target).steps]
    why = effect.note or effect.words
    return first + [
        replace(
            step,
            role=f"generated for statement {index}",
            summary=f"{step.summary} (instead of statement {index}: {why})",
            statement=index,
            risks=(
                RiskNote("generated", f"mend's SQL instead of statement {index}: {why}"),
                *step.risks,
            ),
        )
        for step in generated
    ]


def _data_fix_step(db: Database, fix: DataFix) -> PlanStep:
    statements = db.dialect.split(fix.sql)
    refuse_transaction_control(fix.source, statements)
    risks: list[RiskNote] = []
    for statement in statements:
        risks += statement_notes(db, statement)
    return PlanStep(
        0,
        "data fix",
        f"data fix ({fix.source}): {len(statements)} statement(s)",
        tuple(s.sql for s in statements),
        all(_transactional(s, db.dialect.name) for s in statements),
        tuple(risks),
    )


def refuse_transaction_control(source: str, statements: Sequence[Statement]) -> None:
    """A data fix runs inside the recovery's own transaction (and inside a rehearsal's, which
    must be rolled back): a COMMIT, BEGIN or ROLLBACK of its own would end it early."""
    control = [s for s in statements if s.transaction_control]
    if not control:
        return
    listed = ", ".join(f"statement {s.index} (`{s.first_line(30)}`)" for s in control)
    raise MendError(
        M7006,
        f"The data fix ({source}) holds its own transaction control: {listed}. mend runs the "
        "data fix inside the recovery's transaction (and the rehearsal's, which is rolled "
        "back), so a COMMIT, BEGIN or ROLLBACK there would end it early and could make a "
        "rehearsal permanent. Nothing was run.",
        "Remove BEGIN/START TRANSACTION, COMMIT/END and ROLLBACK from the data fix; mend "
        "commits it together with the repair and the history change, or not at all.",
    )


# -- shared -------------------------------------------------------------------------------------
def _prepare_live(
    db: Database, incident: Incident, direction: Direction
) -> tuple[Schema, list[PlanStep], list[str]]:
    """The live schema as the plan must see it, and the steps that come first: an INVALID
    index is dropped (it exists in the catalog but is of no use), a `new_<Table>` left by a
    half-done SQLite redefinition is renamed back when it holds the only copy of the rows."""
    live = incident.live
    steps: list[PlanStep] = []
    notes: list[str] = []
    keys = incident.states.migration_keys
    for name in sorted(incident.extras.invalid_indexes):
        owner = next((t for t in live.tables if any(i.name == name for i in t.indexes)), None)
        if owner is None or ("index", owner.name, name) not in keys:
            continue
        steps.append(
            PlanStep(
                0,
                "repair",
                f"drop the INVALID index `{name}` left by a failed CREATE INDEX CONCURRENTLY",
                (f"DROP INDEX CONCURRENTLY {db.dialect.quote(name)}",),
                transactional=False,
                risks=(
                    RiskNote("lock", "takes SHARE UPDATE EXCLUSIVE (reads and writes go on)"),
                    _not_transactional_note("postgresql", None),
                ),
            )
        )
        live = replace(
            live,
            tables=tuple(
                replace(t, indexes=tuple(i for i in t.indexes if i.name != name))
                if t is owner
                else t
                for t in live.tables
            ),
        )
    for leftover, rows in incident.extras.leftover_rows:
        original = leftover.removeprefix("new_")
        if live.table(original) is not None or incident.states.before.table(original) is None:
            continue
        if direction is Direction.ROLL_FORWARD:
            continue  # the migration's own RENAME finishes the redefinition
        notes.append(
            f"The rows of `{original}` live only in `{leftover}` ({rows} row(s)): the roll back "
            f"renames `{leftover}` back to `{original}`; it never drops it."
        )
        steps.append(
            PlanStep(
                0,
                "repair",
                f"rename `{leftover}` back to `{original}` (it holds the only copy of the rows)",
                (
                    f"ALTER TABLE {db.dialect.quote(leftover)} RENAME TO "
                    f"{db.dialect.quote(original)}",
                ),
            )
        )
        live = _renamed(live, leftover, original)
    return live, steps, notes


def _renamed(schema: Schema, old: str, new: str) -> Schema:
    tables: list[Table] = []
    for table in schema.tables:
        tables.append(replace(table, name=new) if table.name == old else table)
    return replace(schema, tables=tuple(tables))


def _schema_step(db: Database, step: Step) -> PlanStep:
    """A step of the schema engine's plan, with its risk notes counted live."""
    risks = [RiskNote("data_loss", _counted(db, loss)) for loss in step.data_loss]
    for sql in step.sql:
        lock = lock_note(db, sql)
        if lock is not None and lock not in risks:
            risks.append(lock)
    dialect = db.dialect.name
    transactional = all(_transactional_sql(sql, dialect) for sql in step.sql)
    if not transactional:
        risks.append(_not_transactional_note(dialect, None))
    return PlanStep(0, "repair", step.summary, step.sql, transactional, tuple(risks))


def _counted(db: Database, loss: DataLoss) -> str:
    """A data-loss warning with the live amount at stake where it can be counted."""
    if loss.table is None:
        return loss.words
    if loss.column is None:
        return f"{loss.words} ({count_rows(db, loss.table).words()} now)"
    values = count_rows(db, loss.table, loss.column)
    return f"{loss.words} ({values.words('non-NULL value')} now)"


def _transactional(statement: Statement, dialect: str) -> bool:
    return _transactional_sql(statement.code, dialect) and not statement.autocommit


def _transactional_sql(sql: str, dialect: str) -> bool:
    return dialect_for(dialect).shares_transaction(sql)


def _not_transactional_note(dialect: str, statement: Statement | None) -> RiskNote:
    if not dialect_for(dialect).transactional_ddl:
        return RiskNote(
            "not_transactional",
            "commits on its own (MySQL DDL): if a later step fails, this one stays done; a "
            "second `mend recover` re-analyses and continues from there",
        )
    return RiskNote(
        "not_transactional",
        "cannot run inside a transaction: it runs alone, committed on its own, before or "
        "after the transaction that holds the rest",
    )


def _rehearsal_words(dialect: str) -> str:
    if not dialect_for(dialect).transactional_ddl:
        return (
            "against a schema-only clone in a shadow database: MySQL commits DDL at once, so "
            "the real database cannot be rehearsed on; failures that depend on the data are "
            "not caught there"
        )
    return (
        "on the live database inside a transaction that is rolled back: nothing stays, but the "
        "locks are taken while it runs"
    )


def _numbered(plan: RecoveryPlan) -> RecoveryPlan:
    steps = tuple(replace(step, number=n) for n, step in enumerate(plan.steps, start=1))
    return replace(plan, steps=steps)


def scope_mismatches(plan: RecoveryPlan, live: Schema) -> list[str]:
    """The objects in the plan's scope whose live value is not the target's."""
    mismatches = []
    for key in sorted(plan.scope):
        expected, found = value(plan.target, key), value(live, key)
        if expected != found:
            if found is None:
                what = "is missing"
            elif expected is None:
                what = "should be gone"
            else:
                what = "differs"
            mismatches.append(f"{describe_key(key)} {what}")
    return mismatches


def unrelated_changes(
    before: Schema, after: Schema, keys: Sequence[ObjectKey] | frozenset[ObjectKey]
) -> list[str]:
    """The unrelated objects whose live value changed between two inspections."""
    return [describe_key(k) for k in sorted(keys) if value(before, k) != value(after, k)]


@dataclass(frozen=True)
class PlanChoice:
    """Both plans side by side, for the wizard's Choose step and `mend plan --both`."""

    roll_back: RecoveryPlan
    roll_forward: RecoveryPlan
    advice: tuple[str, ...] = field(default=())
