"""The schema model pickles (the replay cache) as Python's default reduction pickles it: the
model's own __reduce_ex__ (schema/model.py) only skips the search for hooks it does not have."""

from __future__ import annotations

import copy
import pickle

import pytest

from conftest import TestDatabase
from mend_core.schema import model
from schema_support import apply_sql, inspect

DDL = {
    "sqlite": (
        'CREATE TABLE "Parent" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT DEFAULT \'x\',\n'
        '    CONSTRAINT "Parent_name_check" CHECK ("name" <> \'\'));\n'
        'CREATE TABLE "Child" ("id" INTEGER NOT NULL PRIMARY KEY, "parentId" INTEGER,\n'
        '    CONSTRAINT "Child_fkey" FOREIGN KEY ("parentId") REFERENCES "Parent"("id"));\n'
        'CREATE UNIQUE INDEX "Child_parentId_key" ON "Child"("parentId" DESC);\n'
        'CREATE VIEW "Names" AS SELECT "name" FROM "Parent";\n'
    ),
    "postgresql": (
        'CREATE TABLE "Parent" ("id" SERIAL PRIMARY KEY, "name" TEXT DEFAULT \'x\',\n'
        '    CONSTRAINT "Parent_name_check" CHECK ("name" <> \'\'));\n'
        'CREATE TABLE "Child" ("id" INTEGER NOT NULL PRIMARY KEY, "parentId" INTEGER,\n'
        '    CONSTRAINT "Child_fkey" FOREIGN KEY ("parentId") REFERENCES "Parent"("id"));\n'
        'CREATE UNIQUE INDEX "Child_parentId_key" ON "Child"("parentId" DESC);\n'
        "CREATE TYPE \"Mood\" AS ENUM ('ok', 'sad');\n"
        'CREATE VIEW "Names" AS SELECT "name" FROM "Parent";\n'
    ),
    "mysql": (
        "CREATE TABLE `Parent` (`id` INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
        "    `name` VARCHAR(191) DEFAULT 'x', CONSTRAINT `Parent_check` CHECK (`name` <> ''));\n"
        "CREATE TABLE `Child` (`id` INTEGER NOT NULL PRIMARY KEY, `parentId` INTEGER,\n"
        "    CONSTRAINT `Child_fkey` FOREIGN KEY (`parentId`) REFERENCES `Parent`(`id`));\n"
        "CREATE UNIQUE INDEX `Child_parentId_key` ON `Child`(`parentId` DESC);\n"
        "CREATE VIEW `Names` AS SELECT `name` FROM `Parent`;\n"
    ),
}


def test_an_inspected_schema_pickles_and_copies_as_by_default(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_sql(db, DDL[db.dialect])
    schema = inspect(db)
    table = schema.table("Child")
    assert table is not None and table.indexes and table.foreign_keys and schema.views
    written = pickle.dumps(schema, protocol=5)
    assert pickle.loads(written) == schema
    assert copy.deepcopy(schema) == schema and copy.copy(schema) == schema
    # Without the model's hooks: Python's own reduction writes the very same bytes.
    for name in ("Column", "IndexColumn", "Index", "PrimaryKey", "UniqueConstraint"):
        monkeypatch.delattr(getattr(model, name), "__reduce_ex__")
    for name in ("ForeignKey", "CheckConstraint", "Table", "View", "Enum", "Sequence"):
        monkeypatch.delattr(getattr(model, name), "__reduce_ex__")
    for name in ("Trigger", "Extension", "Schema"):
        monkeypatch.delattr(getattr(model, name), "__reduce_ex__")
    assert pickle.dumps(schema, protocol=5) == written
