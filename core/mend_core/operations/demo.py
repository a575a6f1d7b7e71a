"""`mend demo`: a Prisma project on SQLite that reproduces the incident of Prisma's guide.

`init` creates User(id, name); `add_users` inserts two users named 'paul'; `unique` creates Post,
adds a nullable email column and makes User.name unique, which fails on the duplicate after its
first two statements have run. Then an index is added by hand, outside any migration: a hotfix,
hence drift.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from mend_core.database.session import connect
from mend_core.errors import M5001, MendError
from mend_core.history.folder import write_lock_file
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.project.context import Context, load_context

MARKER = ".mend-demo"

SCHEMA = """// The demo project of mend: Prisma's failed-migration example, on SQLite.
datasource db {
  provider = "sqlite"
  url      = env("DATABASE_URL")
}

model User {
  id    Int     @id
  name  String  @unique
  email String?
}

model Post {
  id    Int    @id
  title String
}
"""

MIGRATIONS: dict[str, str] = {
    "20240101000000_init": """-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL
);
""",
    "20240102000000_add_users": """-- Production data: two users share the name 'paul'.
INSERT INTO "User" ("id", "name") VALUES (1, 'paul');
INSERT INTO "User" ("id", "name") VALUES (2, 'paul');
""",
    "20240103000000_unique": """-- CreateTable
CREATE TABLE "Post" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL
);

-- AlterTable
ALTER TABLE "User" ADD COLUMN "email" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "User_name_key" ON "User"("name");
""",
}

HOTFIX_SQL = 'CREATE INDEX "User_email_idx" ON "User"("email")'


@dataclass(frozen=True)
class DemoProject:
    root: Path
    database: Path
    failed_migration: str
    context: Context


def create_demo(
    root: Path,
    *,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], str] | None = None,
) -> DemoProject:
    """Write (or rewrite) the demo project under `root` and stage the incident. `clock` and
    `new_id` fix the rows' timestamps and ids (reproducible screenshots)."""
    root = root.resolve()
    _prepare_folder(root)
    prisma = root / "prisma"
    migrations = prisma / "migrations"
    migrations.mkdir(parents=True)
    (root / MARKER).write_text("Written by `mend demo`; running it again rewrites this folder.\n")
    (root / ".env").write_text('DATABASE_URL="file:./dev.db"\n')
    (prisma / "schema.prisma").write_text(SCHEMA)
    write_lock_file(migrations, "sqlite")
    for name, sql in MIGRATIONS.items():
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql, newline="\n")
    context = load_context(root=root, environ={}, journal_path=root / ".mend-journal.jsonl")
    if clock is not None:
        context = replace(context, clock=clock)
    if new_id is not None:
        context = replace(context, new_id=new_id)
    failed = ""
    try:
        deploy(context, SilentDeploy())
    except MigrationFailed as failure:
        failed = failure.migration_name
    # The hotfix, made by hand on "production": not a migration, so not in the history.
    with connect(context.target) as db:
        db.execute(HOTFIX_SQL)
    assert context.target.path is not None
    return DemoProject(root, context.target.path, failed, context)


def check_folder(root: Path) -> None:
    """Refuse a folder the demo must not write into (before anything is written)."""
    if root.exists() and not root.is_dir():
        raise MendError(M5001, f"`{root}` exists and is not a folder.", "Choose another path.")
    if root.is_dir() and any(root.iterdir()) and not (root / MARKER).exists():
        raise MendError(
            M5001,
            f"`{root}` is not empty and was not written by `mend demo`; the demo will not "
            "write into it.",
            "Pass an empty or new folder: `mend demo ./mend-demo`.",
        )


def _prepare_folder(root: Path) -> None:
    check_folder(root)
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    root.mkdir(parents=True, exist_ok=True)
