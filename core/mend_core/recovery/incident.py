"""`mend inspect`: what a failed migration did and left behind. Read-only: the live database is
only read, through a read-only session; the expected schemas come from a shadow database.

An incident gathers: the migration and every attempt recorded for it; the failure record (from
mend's logs, Prisma's, or none when the process died); the expected schemas (before, and after
each statement); each statement's effect as the live catalog shows it; the drift that this
migration does not explain (hotfixes: recovery never touches them); and, for a failure caused by
the data, read-only diagnostics and data-fix templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mend_core.database.locking import connect_to_analyse, deploy_in_progress, lock_taken_elsewhere
from mend_core.database.session import Database
from mend_core.errors import M7002, MendError
from mend_core.history.checksum import checksum_matches
from mend_core.history.classify import MigrationState, MigrationStatus, classify
from mend_core.history.failure import FailureRecord
from mend_core.history.folder import LocalMigration, list_migrations
from mend_core.history.table import HistoryRow, HistoryTable
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget
from mend_core.records import record
from mend_core.recovery.cause import FailureCause, classify_cause
from mend_core.recovery.effects import Effect, LiveExtras, StatementEffect, classify_effects
from mend_core.recovery.fingerprint import Fingerprint, fingerprint_of
from mend_core.schema.compare import compare
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, describe_key, differing_keys, with_objects
from mend_core.schema.planned import SchemaPlan
from mend_core.schema.states import ExpectedStates, expected_states, live_schema

if TYPE_CHECKING:
    from mend_core.recovery.data_fix import DataFixTemplate
    from mend_core.recovery.diagnostics import Diagnostic
    from mend_core.recovery.dry_run import Blocker


class SeveralFailed(MendError):
    """More than one failed migration and none named: a usage error that lists them."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            M7002,
            f"{len(names)} migrations have failed: {', '.join(names)}. Name the one to inspect.",
            f"For example: mend inspect {names[0]}",
        )
        self.names = names


@record
class Incident:
    """A failed migration, what it did, and what the database holds now."""

    migration: str
    dialect: str
    target: str  # where, for people (never the password)
    local: LocalMigration
    attempts: tuple[HistoryRow, ...]
    failure: FailureRecord
    script_edited: bool  # migration.sql changed since the failed attempt ran it
    states: ExpectedStates
    live: Schema
    extras: LiveExtras
    effects: tuple[StatementEffect, ...]
    failing_index: int | None
    unrelated_keys: frozenset[ObjectKey]
    unrelated: SchemaPlan  # from *before* to *before* + the unrelated drift
    cause: FailureCause | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    templates: tuple[DataFixTemplate, ...] = ()
    # Later statements that fail on the data too (found by the dry run, dry_run.py).
    blockers: tuple[Blocker, ...] = ()
    # Where the diagnostics' counts come from: the migration's own state, or the live rows.
    analysis_note: str = ""
    # Who holds Prisma's migration lock while the row is unfinished and has no logs: then the
    # migration is still running (a deploy in progress), not a process that died.
    lock_holder: str | None = None

    @cached_property
    def fingerprint(self) -> Fingerprint:
        """Of the live schema and the migration's rows, which a plan is made from. Computed
        when asked (a plan, the JSON): it hashes the whole schema's text, which the text of
        `mend inspect` does not show."""
        return fingerprint_of(self.live, self.attempts)

    @property
    def in_progress(self) -> bool:
        return self.lock_holder is not None

    @property
    def statement_count(self) -> int:
        return len(self.effects)

    @property
    def preexisting_keys(self) -> frozenset[ObjectKey]:
        """Objects the migration would change that it did not make (provenance.py)."""
        return frozenset(k for effect in self.effects for k in effect.preexisting)

    def effect_of(self, index: int) -> StatementEffect:
        return self.effects[index - 1]

    @property
    def data_caused(self) -> bool:
        return self.cause is not None and self.cause.data_caused

    def summary(self) -> str:
        """One paragraph: what failed, where, and what persisted."""
        if self.in_progress:
            return (
                f"`{self.migration}` is in progress: a deploy holds the migration lock "
                f"(holder: {self.lock_holder}); it has not failed."
            )
        counts: dict[Effect, int] = {}
        for effect in self.effects:
            counts[effect.effect] = counts.get(effect.effect, 0) + 1
        parts = [f"{n} {e.value.replace('_', ' ')}" for e, n in counts.items()]
        where = (
            f"statement {self.failing_index} of {self.statement_count}"
            if self.failing_index
            else "an unknown statement"
        )
        said = self.failure.first_message_line()
        code = f"{self.failure.error_code}: " if self.failure.error_code else ""
        return (
            f"`{self.migration}` failed at {where}"
            + (f" ({code}{said})" if said else "")
            + f". In the live database: {', '.join(parts) or 'no statements'}."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "migration": self.migration,
            "dialect": self.dialect,
            "target": self.target,
            "summary": self.summary(),
            "in_progress": self.in_progress,
            "lock_holder": self.lock_holder,
            "script_edited": self.script_edited,
            "attempts": [
                {
                    "id": row.id,
                    "checksum": row.checksum,
                    "started_at": _iso(row.started_at),
                    "finished_at": _iso(row.finished_at),
                    "rolled_back_at": _iso(row.rolled_back_at),
                    "applied_steps_count": row.applied_steps_count,
                }
                for row in self.attempts
            ],
            "failure": self.failure.to_json(),
            "failing_statement": self.failing_index,
            "statements": [effect.to_json() for effect in self.effects],
            "cause": self.cause.to_json() if self.cause else None,
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "data_fix_templates": [t.to_json() for t in self.templates],
            "other_blockers": [b.to_json() for b in self.blockers],
            "analysis_note": self.analysis_note,
            "unrelated_drift": {
                "objects": sorted(describe_key(k) for k in self.unrelated_keys),
                "preexisting": sorted(describe_key(k) for k in self.preexisting_keys),
                "changes": [step.summary for step in self.unrelated.steps],
                "script": self.unrelated.script(),
            },
            "replay": {
                "cached": self.states.cached,
                "applied_migrations": list(self.states.history.migrations),
                "skipped_data_statements": len(self.states.history.skipped),
            },
            "fingerprint": self.fingerprint.to_json(),
        }


def refuse_in_progress(incident: Incident) -> None:
    """M4006 before a recovery is planned or rehearsed: a deploy is still running it."""
    if incident.lock_holder is not None:
        raise deploy_in_progress(incident.lock_holder)


def failed_migration(statuses: list[MigrationStatus], name: str | None) -> MigrationStatus:
    """The migration to recover: the one named, else the only failed one."""
    failed = [s for s in statuses if s.state is MigrationState.FAILED]
    if name is not None:
        found = next((s for s in statuses if s.name == name), None)
        if found is None or found.state is not MigrationState.FAILED:
            state = found.state.value.replace("_", " ") if found else "not in the history"
            raise MendError(
                M7002,
                f"`{name}` is not a failed migration ({state}); recovery is for a migration "
                "that failed.",
                "Failed: " + ", ".join(s.name for s in failed)
                if failed
                else "`mend status` shows every migration's state.",
            )
        return found
    if not failed:
        raise MendError(
            M7002,
            "No migration has failed: there is nothing to recover.",
            "`mend status` shows every migration's state; `mend drift` shows hand-made changes.",
        )
    if len(failed) > 1:
        raise SeveralFailed([s.name for s in failed])
    return failed[0]


def inspect_incident(
    context: Context,
    name: str | None = None,
    *,
    shadow_url: DatabaseTarget | None = None,
    diagnose: bool = True,
    replay_data: bool = False,
) -> Incident:
    """Analyse the failed migration `name` (default: the only failed one). Never writes."""
    local = list_migrations(context.migrations_dir)
    with connect_to_analyse(context.target) as db:
        rows = _history_rows(db)
        statuses, _ = classify(local, rows)
        status = failed_migration(statuses, name)
        migration = _local(status)
        failed_row = next(r for r in status.rows if r.failed)
        failure = FailureRecord.from_logs(failed_row.logs)
        # No logs yet: dead, or still running under the lock (tried without waiting).
        holder = lock_taken_elsewhere(db) if failure.process_died else None
        script = migration.read_script()
        statements = db.dialect.split(script)
        applied = [
            s.local
            for s in statuses
            if s.state is MigrationState.APPLIED and s.local is not None and s.name != status.name
        ]

        def replayed() -> ExpectedStates:
            return expected_states(
                context.target.dialect,
                context.target,
                applied,
                statements,
                migration.checksum or "",
                shadow_url,
                replay_data=replay_data,
            )

        states, live, extras = _states_and_live(db, replayed)
        effects, failing = classify_effects(states, live, failure, extras)
        unrelated_keys = frozenset(differing_keys(states.before, live) - states.migration_keys)
        unrelated = _unrelated_plan(states.before, live, unrelated_keys)
        incident = Incident(
            migration=status.name,
            dialect=context.target.dialect,
            target=context.target.label(),
            local=migration,
            attempts=status.rows,
            failure=failure,
            script_edited=not checksum_matches(failed_row.checksum, migration.read_bytes()),
            states=states,
            live=live,
            extras=extras,
            effects=tuple(effects),
            failing_index=failing,
            unrelated_keys=unrelated_keys,
            unrelated=unrelated,
            lock_holder=holder,
        )
        if diagnose:
            incident = with_diagnostics(incident, db, context)
        return incident


def _unrelated_plan(before: Schema, live: Schema, keys: frozenset[ObjectKey]) -> SchemaPlan:
    """The plan from *before* to *before* with the unrelated drift: empty without any (most
    incidents), which needs no planner."""
    if not keys:
        return SchemaPlan(before.dialect, ())
    # deferred: the planner and the dialect's renderer (~5 ms) only when there is drift to plan
    from mend_core.schema.plan import plan_migration

    return plan_migration(before, with_objects(before, live, keys))


def _states_and_live(
    db: Database, replayed: Callable[[], ExpectedStates]
) -> tuple[ExpectedStates, Schema, LiveExtras]:
    """The expected states (shadow) and the live schema. On a server both mostly wait for it,
    so they are read at once; SQLite's inspection is Python-bound: one after the other, and
    the live schema is read only where its catalog differs from the shadow's (live_schema)."""
    if not db.dialect.has_server:
        states = replayed()
        live = live_schema(db, states)
        return states, live, live_extras(db, live)
    # deferred: concurrent.futures (~5 ms) only on a server; SQLite's are read one after the other
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mend-shadow") as pool:
        future = pool.submit(replayed)
        live = inspect_database(db)
        extras = live_extras(db, live)
        return future.result(), live, extras


def with_diagnostics(incident: Incident, db: Database, context: Context) -> Incident:
    """The cause of the failure and, when the data caused it, diagnostics and templates:
    counted in the state the migration's earlier statements leave, with every other blocker,
    where the rest of the migration can be dry-run (dry_run.py); else on the live rows."""
    changes = []
    if incident.failing_index is not None:
        state = incident.states.statements[incident.failing_index - 1]
        before = incident.states.state_before(incident.failing_index)
        # The same object when the statement changed nothing in the shadow (it failed there
        # too, or changes only rows): no changes, without comparing every table.
        changes = [] if state.after is before else compare(before, state.after)
    cause = classify_cause(incident.failure, incident.dialect, changes)
    if not cause.data_caused:
        if cause.kind != "lock":
            return replace(incident, cause=cause)
        # Who holds or waits for locks now, as the database family can tell (diagnostics.py's
        # lock_diagnostics): no data analysis, so none of its modules.
        locks = tuple(db.dialect.lock_diagnostics(db, cause.table))
        return replace(incident, cause=cause, diagnostics=locks, templates=(), analysis_note="")
    # deferred: most failures are not the data's (a missing object, a syntax error); these
    # modules (SQLAlchemy, the dry run's write session and journal) cost start-up time
    from mend_core.recovery.data_fix import templates
    from mend_core.recovery.diagnostics import diagnose
    from mend_core.recovery.dry_run import can_dry_run, dry_run, static_blockers

    incident = replace(incident, cause=cause)
    if (why_not := can_dry_run(context, incident)) is None:

        def analyse(
            session: Database, found: FailureCause
        ) -> tuple[list[Diagnostic], list[DataFixTemplate]]:
            schema = inspect_database(session)
            return diagnose(session, found, schema), templates(session, found, schema)

        ran = dry_run(context, incident, analyse)
        if ran.diagnostics is not None and ran.templates is not None:
            return replace(
                incident,
                diagnostics=ran.diagnostics,
                templates=ran.templates,
                blockers=ran.blockers,
                analysis_note=(
                    "Counted in the state the migration's earlier statements leave (run in a "
                    "transaction that was rolled back)."
                ),
            )
        incident = replace(incident, blockers=ran.blockers)
        why_not = ran.note or "the failing statement was not reached"
    else:
        incident = replace(incident, blockers=static_blockers(db, incident))
    return replace(
        incident,
        diagnostics=tuple(diagnose(db, cause, incident.live)),
        templates=tuple(templates(db, cause, incident.live)),
        analysis_note=f"Counted on the live rows ({why_not}).",
    )


def live_extras(db: Database, live: Schema) -> LiveExtras:
    """Half-states the model does not show: INVALID indexes, leftover `new_` tables."""
    invalid = db.dialect.invalid_indexes(db)
    leftovers = []
    for table in live.tables:
        if table.name.startswith("new_"):
            # deferred: row counts only for a leftover `new_` table (a half-done table rebuild):
            # not on `mend inspect`'s usual path
            from mend_core.database.row_counts import count_rows

            leftovers.append((table.name, count_rows(db, table.name).value or 0))
    return LiveExtras(invalid, tuple(leftovers))


def _history_rows(db: Database) -> list[HistoryRow]:
    table = HistoryTable(db)
    columns = table.columns()
    if columns is None:
        raise MendError(
            M7002,
            "The database has no _prisma_migrations table: no migration was ever recorded in it, "
            "so none can have failed.",
            "Check that --url points at the right database and schema.",
        )
    table.check_shape(columns)
    return table.rows()


def _local(status: MigrationStatus) -> LocalMigration:
    if status.local is None or not status.local.has_script:
        raise MendError(
            M7002,
            f"`{status.name}` failed, but its migration.sql is not in the migrations folder: "
            "mend needs the script to know what it did.",
            "Restore the migration folder from version control (git log -- prisma/migrations), "
            "then run the command again.",
        )
    return status.local


def _iso(value: object) -> str | None:
    return value.isoformat(timespec="milliseconds") if hasattr(value, "isoformat") else None
