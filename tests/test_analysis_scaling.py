"""The analysis of a failed migration grows linearly with its statement count (issue 16 §6):
after each statement only the tables it touched are inspected again, and the states found so
are the ones a whole inspection after each statement gives."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import TestDatabase
from mend_core.database.runner import ScriptFailed, run_statements
from mend_core.database.session import Database, connect
from mend_core.database.statements import Statement
from mend_core.history.failure import FailureRecord
from mend_core.project.target import parse_url
from mend_core.recovery.effects import Effect, StatementEffect, _data_effects
from mend_core.schema import states as states_module
from mend_core.schema import touched as touched_module
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey, delta_keys
from mend_core.schema.shadow import shadow_database
from test_recovery import text_type


def _tricky(db: TestDatabase) -> list[str]:
    """Statements that touch other tables than the one they name, or none, or fail."""
    q, text = db.q, text_type(db)
    sql = [
        f"CREATE TABLE {q('A')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('name')} {text})",
        f"CREATE TABLE {q('B')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('aId')} INTEGER, "
        f"CONSTRAINT {q('B_aId_fkey')} FOREIGN KEY ({q('aId')}) REFERENCES {q('A')}({q('id')}))",
        f"ALTER TABLE {q('A')} ADD COLUMN {q('amount')} INTEGER",
        f"CREATE INDEX {q('A_name_idx')} ON {q('A')} ({q('name')})",
        f"CREATE INDEX {q('A_name_idx')} ON {q('nowhere')} ({q('x')})",  # fails
        f"CREATE VIEW {q('V')} AS SELECT {q('id')} FROM {q('A')}",
        f"DROP INDEX {q('A_name_idx')}" + (f" ON {q('A')}" if db.dialect == "mysql" else ""),
        f"DROP VIEW {q('V')}",
        f"CREATE TABLE {q('C')} ({q('id')} INTEGER NOT NULL PRIMARY KEY)",
        f"DROP TABLE {q('C')}",
    ]
    if db.dialect == "sqlite":
        sql += [
            # A foreign key naming no columns refers to the referenced table's primary key:
            # redefining that table changes what the referring one says.
            f"CREATE TABLE {q('Z')} ({q('id')} INTEGER, {q('aId')} INTEGER REFERENCES {q('A')})",
            f"CREATE TABLE {q('new_A')} ({q('key')} INTEGER NOT NULL PRIMARY KEY, "
            f"{q('name')} TEXT)",
            f"DROP TABLE {q('A')}",
            f"ALTER TABLE {q('new_A')} RENAME TO {q('A')}",
            f"ALTER TABLE {q('B')} RENAME COLUMN {q('aId')} TO {q('a_id')}",
            f"CREATE TRIGGER {q('t')} AFTER INSERT ON {q('B')} BEGIN SELECT 1; END",
            f"ALTER TABLE {q('Z')} DROP COLUMN {q('id')}",
            f"ALTER TABLE {q('Z')} RENAME TO {q('Y')}",
        ]
    else:
        if db.dialect == "postgresql":
            sql += [
                # The foreign key of B names A's column: renaming it changes B as read.
                f"ALTER TABLE {q('A')} RENAME COLUMN {q('id')} TO {q('key')}",
                'CREATE TABLE "S" ("id" SERIAL PRIMARY KEY, "aId" INTEGER REFERENCES "A" '
                "ON DELETE CASCADE)",
                'ALTER TABLE public."S" ADD COLUMN "x" INTEGER',
                "CREATE TABLE lower_t (id INTEGER)",
                "ALTER TABLE LOWER_T ADD COLUMN y INTEGER",
                'CREATE UNIQUE INDEX "lower_y" ON lower_t(y)',
                'DROP TABLE "S" CASCADE',
                "DROP TABLE lower_t",
            ]
        if db.dialect == "mysql":
            sql += [
                # The foreign key of B names A's column: renaming it changes B as read.
                "ALTER TABLE `A` RENAME COLUMN `id` TO `key`",
                "CREATE TABLE `S` (`id` INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                "`aId` INTEGER, FOREIGN KEY (`aId`) REFERENCES `A` (`key`) ON DELETE CASCADE)",
                "ALTER TABLE S ADD COLUMN `x` INTEGER, RENAME INDEX `aId` TO `S_aId_idx`",
                "CREATE UNIQUE INDEX `S_x` ON S (`x`)",
                "DROP INDEX `S_x` ON `S`",
                "ALTER TABLE `S` RENAME TO `S2`",
                "DROP TABLE `S2`",
            ]
        sql += [
            f"ALTER TABLE {q('B')} DROP CONSTRAINT {q('B_aId_fkey')}"
            if db.dialect == "postgresql"
            else f"ALTER TABLE {q('B')} DROP FOREIGN KEY {q('B_aId_fkey')}",
            f"ALTER TABLE {q('A')} RENAME TO {q('A2')}",
            f"ALTER TABLE {q('B')} RENAME COLUMN {q('aId')} TO {q('a_id')}",
        ]
    return sql


def _statements(db: TestDatabase, sql: list[str]) -> list[Statement]:
    target = parse_url(db.url, base_dir=Path.cwd())
    with connect(target) as live:
        return list(live.dialect.split(";\n".join(sql) + ";\n"))


def _whole_inspections(
    shadow: Database, statements: list[Statement]
) -> list[tuple[Schema, set[ObjectKey]]]:
    """The reference: the shadow inspected whole after each statement."""
    current = inspect_database(shadow)
    found: list[tuple[Schema, set[ObjectKey]]] = []
    for statement in statements:
        try:
            run_statements(shadow, [statement])
        except ScriptFailed:
            found.append((current, set()))
            continue
        after = inspect_database(shadow)
        found.append((after, delta_keys(current, after)))
        current = after
    return found


def test_each_state_is_what_a_whole_inspection_says(db: TestDatabase) -> None:
    statements = _statements(db, _tricky(db))
    target = parse_url(db.url, base_dir=Path.cwd())
    with shadow_database(db.dialect, target) as shadow:
        _, states, _ = states_module._states_on(shadow, statements)
    with shadow_database(db.dialect, target) as shadow:
        reference = _whole_inspections(shadow, statements)
    assert len(states) == len(reference) == len(statements)
    assert any(state.replay_error is not None for state in states)
    for state, (after, keys) in zip(states, reference, strict=True):
        assert state.after == after, state.statement.sql
        assert state.keys == keys, state.statement.sql


@contextmanager
def _counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of tables each inspection made while computing the states returned."""
    counts: list[int] = []
    inspect = states_module.inspect_database

    def counting(db: Database, *args: object, **kwargs: object) -> Schema:
        schema = inspect(db, *args, **kwargs)
        counts.append(len(schema.tables))
        return schema

    monkeypatch.setattr(states_module, "inspect_database", counting)
    monkeypatch.setattr(touched_module, "inspect_database", counting)
    yield counts


def _growing(db: TestDatabase, tables: int) -> list[str]:
    """`tables` tables, each made, altered and indexed: 3 statements a table."""
    q, text = db.q, text_type(db)
    sql = []
    for n in range(tables):
        name = f"t{n:03d}"
        sql += [
            f"CREATE TABLE {q(name)} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('name')} {text})",
            f"ALTER TABLE {q(name)} ADD COLUMN {q('amount')} INTEGER",
            f"CREATE INDEX {q(name + '_idx')} ON {q(name)} ({q('name')})",
        ]
    return sql


@pytest.mark.parametrize("db", ["sqlite", "postgresql", "mysql"], indirect=True)
def test_tables_inspected_grow_with_statements_not_statements_times_tables(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = _statements(db, _growing(db, 40))
    target = parse_url(db.url, base_dir=Path.cwd())
    with _counted(monkeypatch) as counts, shadow_database(db.dialect, target) as shadow:
        _, states, _ = states_module._states_on(shadow, statements)
    assert len(states[-1].after.tables) == 40
    # A whole inspection after each statement reads 40 * 41 / 2 * 3 = 2,460 tables; one
    # table per statement reads 120.
    assert len(counts) == len(statements) + 1
    assert sum(counts) <= 2 * len(statements), sum(counts)


def _data_effect_by_definition(
    effect: StatementEffect, effects: list[StatementEffect], dialect: str
) -> Effect:
    """What a data statement's effect is, read off the statements around it (no logs)."""
    if effect.effect is not Effect.DATA:
        return effect.effect
    index = effect.statement.index
    if any(e.effect is Effect.TOOK_EFFECT for e in effects if e.statement.index > index):
        return Effect.TOOK_EFFECT
    stopped = (Effect.NOT_RUN, Effect.FAILED)
    if any(e.effect in stopped for e in effects if e.statement.index < index):
        return Effect.NOT_RUN
    if dialect == "postgresql" and not any(e.effect is Effect.TOOK_EFFECT for e in effects):
        return Effect.NOT_RUN
    return Effect.DATA


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_data_statements_are_judged_from_the_statements_around_them(dialect: str) -> None:
    """Counted once for the migration, each data statement's effect is still what the
    statements after it (one took effect) and before it (one stopped) say."""
    kinds = (Effect.TOOK_EFFECT, Effect.NOT_RUN, Effect.FAILED, Effect.DATA, Effect.CONFLICTING)
    failure = FailureRecord(source="prisma", message="boom")
    judged = 0
    for length in range(1, 6):
        for combination in itertools.product(kinds, repeat=length):
            effects = [
                StatementEffect(Statement(i, f"SELECT {i}", i), kind)
                for i, kind in enumerate(combination, start=1)
            ]
            found = [e.effect for e in _data_effects(effects, failure, dialect)]
            assert found == [_data_effect_by_definition(e, effects, dialect) for e in effects]
            judged += combination.count(Effect.DATA)
    assert judged > 1000
