"""The offline runbook: one reviewed SQL file a DBA runs with psql, mariadb or sqlite3.

It holds a guard that stops the script if the objects the plan changes are not as the plan found
them, or if the failed attempt was resolved meanwhile; the repair (in one transaction where the
database allows); the exact `_prisma_migrations` change `mend resolve` would make; and queries
that show the result.

Every name and value in it is escaped for the client that reads it (mend_core.output.sql_text): a
name in a comment cannot end the comment, a literal ends where the client thinks it ends. The
script starts with the client's own setting to stop at the first error, and the history change
takes the time the script runs, in the form Prisma's engine stores on the dialect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from mend_core.dialects import dialect_for
from mend_core.output.sql_text import comment_line, literal, needs_backslash_escapes
from mend_core.recovery.plan import Direction, RecoveryPlan
from mend_core.recovery.steps import batches
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, describe_key, value


def runbook(
    plan: RecoveryPlan,
    *,
    target_label: str,
    live: Schema,
    made_at: datetime,
    new_id: Callable[[], str],
) -> str:
    """The whole script, as text."""
    dialect = plan.dialect
    sql_dialect = dialect_for(dialect)
    q = sql_dialect.quote
    table = q("_prisma_migrations")
    lines = [
        comment_line(f"mend runbook: {plan.direction.words} of `{plan.migration}`"),
        comment_line(f"on {target_label}, made {made_at.isoformat(timespec='seconds')}"),
        comment_line(f"from schema fingerprint {plan.fingerprint.schema}"),
        comment_line(f"and history fingerprint {plan.fingerprint.history}"),
        f"-- Run with: {sql_dialect.runbook_client}",
        "-- Review every statement before running it. mend did not run anything.",
        *sql_dialect.stop_at_first_error,
        "",
        "-- 1. Guard: stop here if the database is not as the plan found it.",
    ]
    lines += _guard(plan, live, table, q)
    transactional = sql_dialect.transactional_ddl
    lines += [
        "",
        "-- 2. Repair, then 3. the history change"
        + (
            ", in one transaction (steps that cannot run in one run alone, in plan order)"
            if transactional
            else " (MySQL commits each DDL statement at once: nothing here is atomic)"
        ),
    ]
    groups = batches(plan.steps, transactional)
    if not groups or not transactional or not groups[-1][0]:
        groups.append((transactional, ()))  # the history change gets a transaction of its own
    for position, (in_transaction, steps) in enumerate(groups):
        if in_transaction:
            lines.append("BEGIN;")
        for step in steps:
            alone = (
                " (alone: cannot run in a transaction)"
                if transactional and not in_transaction
                else ""
            )
            lines.append(comment_line(f"{step.number}. {step.summary}{alone}"))
            for risk in step.risks:
                lines.append(comment_line(f"   ! {risk.text}"))
            lines += [_terminated(sql) for sql in step.sql]
        if position == len(groups) - 1:
            lines.append(
                comment_line(
                    f"The history: exactly what `{plan.history.command}` writes, at the time "
                    "this script runs."
                )
            )
            lines += _history_sql(plan, table, q, new_id)
        if in_transaction:
            lines.append("COMMIT;")
    lines += ["", "-- 4. Verification: the history row, and the objects the plan changed."]
    lines += _verification(plan, table, q)
    return "\n".join(lines) + "\n"


def _terminated(sql: str) -> str:
    return sql if sql.rstrip().endswith(";") else f"{sql};"


def _facts(plan: RecoveryPlan, live: Schema) -> list[tuple[ObjectKey, bool]]:
    """(object, exists now) for the tables, columns and indexes in the plan's scope."""
    keys = sorted(k for k in plan.scope if k[0] in ("table", "column", "index"))
    return [(key, value(live, key) is not None) for key in keys]


def _exists_sql(dialect: str, key: ObjectKey) -> str:
    """A boolean SQL expression: does the object exist?"""
    kind, table = key[0], key[1]
    name = key[2] if len(key) > 2 else ""
    return dialect_for(dialect).object_exists_sql(kind, table, name, partial(literal, dialect))


def _guard(plan: RecoveryPlan, live: Schema, table: str, q: Callable[[str], str]) -> list[str]:
    dialect = plan.dialect
    _literal = partial(literal, dialect)
    conditions = [
        f"(SELECT COUNT(*) FROM {table} WHERE {q('id')} = {_literal(row)} AND "
        f"{q('finished_at')} IS NULL AND {q('rolled_back_at')} IS NULL) = 1"
        for row in plan.history.failed_rows
    ]
    for key, exists in _facts(plan, live):
        expression = _exists_sql(dialect, key)
        conditions.append(expression if exists else f"NOT {expression}")
    names = [plan.migration, *(k for key, _ in _facts(plan, live) for k in key[1:])]
    escapes = needs_backslash_escapes(dialect, names)
    if escapes:
        # The literals double their backslashes: right only under the default sql_mode.
        conditions.append("FIND_IN_SET('NO_BACKSLASH_ESCAPES', @@SESSION.sql_mode) = 0")
    condition = "\n    AND ".join(conditions) or "1 = 1"
    message = (
        "mend guard: the database is not as the plan found it (the failed attempt was resolved, "
        "or the objects it changes differ): make a new plan"
    )
    described = ", ".join(
        f"{describe_key(k)} {'present' if e else 'absent'}" for k, e in _facts(plan, live)
    )
    lines = [
        comment_line(
            f"Checks: the failed attempt is still unresolved; {described or 'nothing else'}."
        )
    ]
    if escapes:
        lines.append("-- And the session does not use sql_mode NO_BACKSLASH_ESCAPES.")
    lines += dialect_for(dialect).guard_sql(condition, _literal(message))
    return lines


def _history_sql(
    plan: RecoveryPlan,
    table: str,
    q: Callable[[str], str],
    new_id: Callable[[], str],
) -> list[str]:
    _literal = partial(literal, plan.dialect)
    moment = dialect_for(plan.dialect).history_now_sql
    lines = [
        f"UPDATE {table} SET {q('rolled_back_at')} = {moment} WHERE {q('id')} = {_literal(row)};"
        for row in plan.history.failed_rows
    ]
    if plan.direction is Direction.ROLL_FORWARD:
        columns = ", ".join(
            q(c) for c in ("id", "checksum", "logs", "started_at", "finished_at", "migration_name")
        )
        values = ", ".join(
            [
                _literal(new_id()),
                _literal(plan.history.checksum or ""),
                "''",
                moment,
                moment,
                _literal(plan.migration),
            ]
        )
        lines.append(f"INSERT INTO {table} ({columns}) VALUES ({values});")
    return lines


def _verification(plan: RecoveryPlan, table: str, q: Callable[[str], str]) -> list[str]:
    _literal = partial(literal, plan.dialect)
    lines = [
        f"SELECT {q('migration_name')}, {q('started_at')}, {q('finished_at')}, "
        f"{q('rolled_back_at')} FROM {table} WHERE {q('migration_name')} = "
        f"{_literal(plan.migration)} ORDER BY {q('started_at')};"
    ]
    for key in sorted(k for k in plan.scope if k[0] in ("table", "column", "index")):
        expected = value(plan.target, key) is not None
        expression = _exists_sql(plan.dialect, key)
        want = "present" if expected else "absent"
        lines.append(
            f"SELECT {_literal(describe_key(key) + ' should be ' + want)} AS expected, "
            f"CASE WHEN {expression} THEN 'present' ELSE 'absent' END AS found;"
        )
    return lines
