"""A roll back's data-loss notes count the live rows from the schema engine's record of what
each step takes away, not from its words: a table whose name holds a dot still gets its count
(issue 15 §2).

PostgreSQL runs a failed migration's statements in one implicit transaction: nothing of it is
left for a roll back to drop, so these incidents exist on SQLite and MySQL only."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.recovery.plan import Direction
from recovery_support import stage

LEFT_BEHIND = pytest.mark.parametrize("db", ["sqlite", "mysql"], indirect=True)


@LEFT_BEHIND
def test_a_dropped_column_of_a_dotted_table_is_counted(project: Project, db: TestDatabase):
    q = db.q
    odd = q("we.ird")
    staged = stage(
        project,
        db,
        [("1_init", f"CREATE TABLE {odd} ({q('x')} INTEGER);\n")],
        (
            "2_extra",
            f"ALTER TABLE {odd} ADD COLUMN {q('extra')} INTEGER;\n"
            f"INSERT INTO {odd} ({q('x')}, {q('extra')}) VALUES (1, 10), (2, 20), (3, NULL);\n"
            f"CREATE INDEX {q('broken_idx')} ON {q('nowhere')} ({q('x')});\n",
        ),
    )
    plan = staged.plan(Direction.ROLL_BACK)
    notes = [r.text for step in plan.steps for r in step.risks if r.kind == "data_loss"]
    dropped = [n for n in notes if "drops column `we.ird.extra`" in n]
    assert dropped, notes
    # Two rows hold a value in the column the roll back drops: counted live on that table.
    assert all(n.endswith("(2 non-NULL values now)") for n in dropped), dropped


@LEFT_BEHIND
def test_a_dropped_dotted_table_is_counted(project: Project, db: TestDatabase):
    q = db.q
    odd = q("made.here")
    staged = stage(
        project,
        db,
        [("1_init", f"CREATE TABLE {q('kept')} ({q('x')} INTEGER);\n")],
        (
            "2_made",
            f"CREATE TABLE {odd} ({q('x')} INTEGER);\n"
            f"INSERT INTO {odd} ({q('x')}) VALUES (1), (2), (3);\n"
            f"CREATE INDEX {q('broken_idx')} ON {q('nowhere')} ({q('x')});\n",
        ),
    )
    plan = staged.plan(Direction.ROLL_BACK)
    notes = [r.text for step in plan.steps for r in step.risks if r.kind == "data_loss"]
    dropped = [n for n in notes if "drops table `made.here`" in n]
    assert dropped, notes
    assert all(n.endswith("(3 rows now)") for n in dropped), dropped
