"""Data fixes run in the migration's own order (issue 13 §2): a dedupe placed after the
migration's cleanup, its counts taken in that state, and every blocker found in one round."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.recovery.plan import Direction
from recovery_support import stage, stage_two_blockers
from test_recovery import text_type

_ROWS = ((1, 101, "'c'"), (2, 102, "'a'"), (3, 102, "'b'"), (4, 103, "NULL"))
_ROWS += ((5, 103, "'c1'"), (6, 104, "NULL"))


def _subscriptions(project: Project, db: TestDatabase):
    q, text = db.q, text_type(db)
    init = (
        f"CREATE TABLE {q('Subscription')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('userId')} INTEGER NOT NULL, {q('customerId')} {text});\n"
    )
    rows = "".join(
        f"INSERT INTO {q('Subscription')} VALUES ({i}, {u}, {c});\n" for i, u, c in _ROWS
    )
    not_null = {
        "postgresql": (
            f"ALTER TABLE {q('Subscription')} ALTER COLUMN {q('customerId')} SET NOT NULL"
        ),
        "mysql": f"ALTER TABLE {q('Subscription')} MODIFY {q('customerId')} {text} NOT NULL",
    }
    failing = f"DELETE FROM {q('Subscription')} WHERE {q('customerId')} IS NULL;\n"
    if db.dialect in not_null:
        failing += not_null[db.dialect] + ";\n"
    failing += (
        f"CREATE UNIQUE INDEX {q('Subscription_userId_key')} "
        f"ON {q('Subscription')}({q('userId')});\n"
    )
    return stage(project, db, [("1_init", init), ("2_rows", rows)], ("3_unique", failing))


def _ids(db: TestDatabase) -> list[int]:
    return [r[0] for r in db.sql(f"SELECT {db.q('id')} FROM {db.q('Subscription')} ORDER BY 1")]


def test_the_dedupe_runs_after_the_migrations_own_cleanup(project: Project, db: TestDatabase):
    staged = _subscriptions(project, db)
    incident = staged.incident()
    assert incident.failing_index == incident.statement_count
    plan = staged.plan(Direction.ROLL_FORWARD)
    template = next(t for t in incident.templates if t.name == "delete-keep-first")
    if db.dialect != "mysql":  # counted after the cleanup: only user 102's extra row
        assert template.rows_affected_now == 1, template
    if db.dialect == "postgresql":
        assert "migration's earlier statements" in incident.analysis_note
    plan = staged.plan(Direction.ROLL_FORWARD, template.sql)
    roles = [step.role for step in plan.steps]
    fix_at = roles.index("data fix")
    # Right before the statement it unblocks: after the DELETE (and SET NOT NULL).
    assert plan.steps[fix_at + 1].statement == incident.failing_index, roles
    if db.dialect == "postgresql":  # rolled back; MySQL and SQLite kept the cleanup
        assert plan.steps[0].statement == 1 and "DELETE" in plan.steps[0].sql[0]
    result = staged.recover(Direction.ROLL_FORWARD, template.sql)
    assert result.verification.ok, result.verification.describe()
    # User 103 keeps its only valid row (5); 102 keeps its first (2).
    assert _ids(db) == [1, 2, 5]
    assert staged.status_code() == 0 and staged.drift() == []


def test_every_blocker_is_found_in_one_round(project: Project, db: TestDatabase):
    """NULLs in two columns, a unique index on duplicates: the failing statement and the two
    that would fail after it are all listed, each with its rows. Dry-run where the database
    allows (PostgreSQL, SQLite); checked statement by statement on the live rows elsewhere
    (MySQL, and a read-only inspect)."""
    import json

    q, text = db.q, text_type(db)
    init = (
        f"CREATE TABLE {q('G')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('groups')} {text}, "
        f"{q('edges')} {text}, {q('tag')} {text});\n"
        f"INSERT INTO {q('G')} VALUES (1, NULL, 'e', 'x');\n"
        f"INSERT INTO {q('G')} VALUES (2, 'g', NULL, 'x');\n"
    )
    if db.dialect == "postgresql":
        failing = (
            f"ALTER TABLE {q('G')} ALTER COLUMN {q('groups')} SET NOT NULL;\n"
            f"ALTER TABLE {q('G')} ALTER COLUMN {q('edges')} SET NOT NULL;\n"
            f"CREATE UNIQUE INDEX {q('G_tag_key')} ON {q('G')}({q('tag')});\n"
        )
    elif db.dialect == "mysql":
        failing = (
            f"ALTER TABLE {q('G')} MODIFY {q('groups')} {text} NOT NULL;\n"
            f"ALTER TABLE {q('G')} MODIFY {q('edges')} {text} NOT NULL;\n"
            f"CREATE UNIQUE INDEX {q('G_tag_key')} ON {q('G')}({q('tag')});\n"
        )
    else:  # SQLite: a table redefinition per constraint is long; indexes show the same
        failing = (
            f"CREATE UNIQUE INDEX {q('G_tag_key')} ON {q('G')}({q('tag')});\n"
            f"CREATE TABLE {q('H')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, {q('g')} TEXT);\n"
            f"INSERT INTO {q('H')} SELECT {q('id')}, {q('tag')} FROM {q('G')};\n"
            f"CREATE UNIQUE INDEX {q('H_g_key')} ON {q('H')}({q('g')});\n"
        )
    staged = stage(project, db, [("1_init", init)], ("2_constraints", failing))
    incident = staged.incident()
    found = [b.statement for b in incident.blockers]
    assert incident.failing_index == 1
    if db.dialect == "sqlite":
        assert found == [4], incident.blockers
    else:
        assert found == [2, 3], incident.blockers
        kinds = [b.cause.kind for b in incident.blockers]
        assert kinds == ["nulls", "duplicates"]
        assert all(b.diagnostics for b in incident.blockers)
    read_only = project.mend("inspect", "--json", "--url", db.url)
    assert read_only.returncode == 0, read_only.stderr
    statically = [b["statement"] for b in json.loads(read_only.stdout)["other_blockers"]]
    # Read-only, the statements are checked on the live rows: H does not exist yet on SQLite.
    assert statically == ([] if db.dialect == "sqlite" else [2, 3])
    text_out = project.mend("inspect", "--url", db.url)
    assert ("--dry-run" in text_out.stdout) is (db.dialect != "mysql")
    if db.dialect == "mysql":
        return  # MySQL commits DDL at once: it is never dry-run
    shown = project.mend("inspect", "--dry-run", "--url", db.url)
    assert shown.returncode == 0, shown.stderr
    assert "fail on the data too" in shown.stdout
    refused = project.mend("inspect", "--dry-run", "--read-only", "--url", db.url)
    assert refused.returncode == 1 and refused.stderr.startswith("Error: M1003")
    data = project.mend("inspect", "--dry-run", "--json", "--url", db.url)
    assert [b["statement"] for b in json.loads(data.stdout)["other_blockers"]] == found


def test_read_only_inspect_counts_the_live_rows_and_says_so(project: Project, db: TestDatabase):
    _subscriptions(project, db)
    shown = project.mend("inspect", "--read-only", "--json", "--url", db.url)
    assert shown.returncode == 0, shown.stderr
    import json

    data = json.loads(shown.stdout)
    assert "live rows" in data["analysis_note"]


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_fix_blockers_fixes_every_later_blocker_before_its_statement(
    project: Project, db: TestDatabase
):
    """A unique index fails on duplicates, a later one on other duplicates: one recovery with
    --dedupe and --fix-blockers gets through, each fix right before its statement."""
    q = db.q
    stage_two_blockers(project, db)
    flags = ["--roll-forward", "--dedupe", "delete-keep-first", "--fix-blockers"]
    planned = project.mend("plan", *flags, "--json", "--url", db.url)
    assert planned.returncode == 0, planned.stderr
    import json

    steps = json.loads(planned.stdout)["steps"]
    roles = [(s["role"], s["statement"]) for s in steps]
    assert roles == [("data fix", None), ("statement 1", 1), ("data fix", None), ("statement 2", 2)]
    assert "generated for statement 2" in steps[2]["summary"]
    done = project.mend("recover", *flags, "--yes", "--url", db.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r[0] for r in db.sql(f"SELECT {q('id')} FROM {q('P')} ORDER BY 1")] == [1]
    assert project.mend("status", "--url", db.url).returncode == 0
