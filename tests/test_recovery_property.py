"""Generated incidents: random hand-made objects around a failing migration, recovered in a random
direction on each dialect. Whatever existed before the first attempt is never dropped or
changed, unless the plan names it as a step of its own (issue 13 §1)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import Project, make_database
from mend_core.database.session import connect
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.project.target import parse_url
from mend_core.recovery.plan import Direction
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.objects import all_keys, describe_key, value
from recovery_support import Staged

EXAMPLES = int(os.environ.get("MEND_PROPERTY_EXAMPLES", "6"))
COLUMNS = ("c1", "c2", "c3")


@dataclass(frozen=True)
class Scenario:
    hand_columns: tuple[tuple[str, str], ...]  # (name, type) added by hand before the attempt
    hand_index: bool  # an index on T(a) made by hand
    hand_table: bool  # a table H made by hand
    new_table: bool  # the migration creates X first
    adds: tuple[tuple[str, str], ...]  # the migration's ADD COLUMNs
    index_after: bool  # by hand after the failure: an index on the first added column
    direction: Direction


def scenarios() -> st.SearchStrategy[Scenario]:
    types = st.sampled_from(("INTEGER", "TEXT"))
    columns = st.lists(
        st.tuples(st.sampled_from(COLUMNS), types), unique_by=lambda c: c[0], max_size=2
    )
    adds = st.lists(
        st.tuples(st.sampled_from(COLUMNS), types), unique_by=lambda c: c[0], min_size=1, max_size=2
    )
    return st.builds(
        Scenario,
        columns.map(tuple),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        adds.map(tuple),
        st.booleans(),
        st.sampled_from(list(Direction)),
    )


def _q(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def _type(dialect: str, kind: str) -> str:
    return "VARCHAR(191)" if dialect == "mysql" and kind == "TEXT" else kind


def _live(url: str) -> Schema:
    with connect(parse_url(url, base_dir=Path.cwd()), read_only=True) as session:
        return inspect_database(session)


def _run(dialect: str, folder: Path, scenario: Scenario) -> None:
    q = lambda name: _q(dialect, name)  # noqa: E731 - a short local alias
    maker = make_database(dialect, folder)
    db = next(maker)
    try:
        root = folder / "project"
        (root / "prisma" / "migrations").mkdir(parents=True)
        project = Project(root, db.url, dialect)
        project.add(
            "20240101000000_init",
            f"CREATE TABLE {q('T')} ({q('id')} INTEGER PRIMARY KEY, {q('a')} INTEGER);\n",
        )
        deploy(project.context(), SilentDeploy())
        for row, a in ((1, 1), (2, 1), (3, 2)):
            db.sql(f"INSERT INTO {q('T')} ({q('id')}, {q('a')}) VALUES ({row}, {a})")
        for name, kind in scenario.hand_columns:
            db.sql(f"ALTER TABLE {q('T')} ADD COLUMN {q(name)} {_type(dialect, kind)}")
            literal = "7" if kind == "INTEGER" else "'kept'"
            db.sql(f"UPDATE {q('T')} SET {q(name)} = {literal}")
        if scenario.hand_index:
            db.sql(f"CREATE INDEX {q('T_a_hand')} ON {q('T')}({q('a')})")
        if scenario.hand_table:
            db.sql(f"CREATE TABLE {q('H')} ({q('id')} INTEGER PRIMARY KEY)")
            db.sql(f"INSERT INTO {q('H')} VALUES (1)")
        before = _live(db.url)
        hand_values = db.sql(f"SELECT * FROM {q('T')} ORDER BY {q('id')}")
        script = []
        if scenario.new_table:
            script.append(f"CREATE TABLE {q('X')} ({q('id')} INTEGER PRIMARY KEY);")
        for name, kind in scenario.adds:
            script.append(f"ALTER TABLE {q('T')} ADD COLUMN {q(name)} {_type(dialect, kind)};")
        script.append(f"CREATE UNIQUE INDEX {q('T_a_key')} ON {q('T')}({q('a')});")
        project.add("20240102000000_failing", "\n".join(script) + "\n")
        with pytest.raises(MigrationFailed):
            deploy(project.context(), SilentDeploy())
        first_added = scenario.adds[0][0]
        if scenario.index_after and first_added in _live(db.url).table("T").column_names:  # type: ignore[union-attr]
            db.sql(f"CREATE INDEX {q('T_added_hand')} ON {q('T')}({q(first_added)})")
        staged = Staged(project, db, "20240102000000_failing")
        direction = scenario.direction
        fix = (
            f"DELETE FROM {q('T')} WHERE {q('id')} = 2;"
            if direction.value == "roll_forward"
            else None
        )
        plan = staged.plan(direction, fix)
        if plan.blocked:
            return  # a plan that says it cannot work runs nothing: nothing to check
        result = staged.recover(direction, fix)
        assert result.verification.ok, result.verification.describe()
        after = _live(db.url)
        named = {key for key, _ in plan.not_ours} | set(plan.collateral)
        for key in sorted(all_keys(before)):
            if key in named:
                continue
            assert value(after, key) == value(before, key), (
                f"{describe_key(key)} existed before the attempt and changed, unnamed",
                scenario,
                [s.summary for s in plan.steps],
            )
        # The hand-made values are still there (but for the row the data fix deletes).
        kept_ids = {1, 3} if fix else {1, 2, 3}
        rows_now = {r[0]: r for r in db.sql(f"SELECT * FROM {q('T')} ORDER BY {q('id')}")}
        columns_before = [c.name for c in before.table("T").columns]  # type: ignore[union-attr]
        columns_now = [c.name for c in after.table("T").columns]  # type: ignore[union-attr]
        for row in hand_values:
            if row[0] not in kept_ids:
                continue
            now = rows_now[row[0]]
            for position, name in enumerate(columns_before):
                if ("column", "T", name) in named:
                    continue
                assert now[columns_now.index(name)] == row[position], (name, scenario)
    finally:
        maker.close()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_nothing_that_existed_before_is_dropped_or_changed_unnamed(
    dialect: str, tmp_path_factory: pytest.TempPathFactory
):
    # No shrinking: each example builds real databases, and a shrink could outlast CI.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(scenarios())
    def check(scenario: Scenario) -> None:
        _run(dialect, tmp_path_factory.mktemp("incident"), scenario)

    check()
