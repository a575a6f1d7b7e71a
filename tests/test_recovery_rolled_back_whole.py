"""Roll forward restores what a PostgreSQL rollback undid (issue 13 §3): an extension created
by the failed migration (it changes no table) is part of the roll forward, and the data fix
runs right before the statement it unblocks."""

from __future__ import annotations

import pytest

from conftest import Project, TestDatabase
from mend_core.recovery.effects import Effect
from mend_core.recovery.plan import Direction
from recovery_support import stage


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_rolled_back_create_extension_is_run_again(project: Project, db: TestDatabase):
    db.sql('DROP EXTENSION IF EXISTS "uuid-ossp"')
    init = (
        'CREATE TABLE "U" ("id" INTEGER PRIMARY KEY, "email" TEXT);\n'
        "INSERT INTO \"U\" VALUES (1, 'a'), (2, 'a'), (3, 'b');\n"
    )
    failing = (
        'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n'
        'ALTER TABLE "U" ADD COLUMN "uid" UUID NOT NULL DEFAULT uuid_generate_v4();\n'
        'CREATE UNIQUE INDEX "U_email_key" ON "U"("email");\n'
    )
    staged = stage(project, db, [("1_init", init)], ("2_uid", failing))
    assert db.sql("SELECT 1 FROM pg_extension WHERE extname = 'uuid-ossp'") == []
    incident = staged.incident()
    assert incident.effect_of(1).effect is Effect.NOT_RUN
    fix = 'DELETE FROM "U" WHERE "id" = 2;'
    plan = staged.plan(Direction.ROLL_FORWARD, fix)
    statements = [step.statement for step in plan.steps]
    assert statements[:2] == [1, 2], [s.summary for s in plan.steps]
    assert plan.steps[2].role == "data fix" and statements[3] == 3
    result = staged.recover(Direction.ROLL_FORWARD, fix)
    assert result.verification.ok, result.verification.describe()
    assert db.sql("SELECT 1 FROM pg_extension WHERE extname = 'uuid-ossp'") == [(1,)]
    assert staged.status_code() == 0 and staged.drift() == []
