"""Helpers for schema-engine tests: build databases from DDL, inspect, and an oracle that reads
each database without mend's inspector (pg_dump, SHOW CREATE TABLE, SQLite pragmas)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import TestDatabase
from mend_core.database.runner import run_statements
from mend_core.database.session import Database, connect
from mend_core.project.target import parse_url
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.plan import SchemaPlan, plan_migration


def session(db: TestDatabase) -> Database:
    return connect(parse_url(db.url, base_dir=Path("/")))


def apply_sql(db: TestDatabase, sql: str) -> None:
    with session(db) as s:
        run_statements(s, s.dialect.split(sql))


def inspect(db: TestDatabase) -> Schema:
    with session(db) as s:
        return inspect_database(s)


def apply_plan(db: TestDatabase, plan: SchemaPlan) -> None:
    script = plan.script()
    if script.strip():
        apply_sql(db, script)


def round_trip(x: TestDatabase, y: TestDatabase) -> SchemaPlan:
    """Migrate X to Y's schema with mend's plan; assert mend then sees no difference and the
    independent oracle sees X and Y alike. Returns the plan that was applied."""
    plan = plan_migration(inspect(x), inspect(y))
    apply_plan(x, plan)
    again = plan_migration(inspect(x), inspect(y))
    assert again.is_empty, [step.summary for step in again.steps]
    assert oracle(x) == oracle(y)
    return plan


# -- the oracle ------------------------------------------------------------------------------
def oracle(db: TestDatabase) -> list[str]:
    if db.dialect == "postgresql":
        return _pg_dump(db)
    if db.dialect == "mysql":
        return _show_create(db)
    return _sqlite_pragmas(db)


def _pg_dump(db: TestDatabase) -> list[str]:
    dump = subprocess.run(
        ["pg_dump", "-s", "-O", "-x", "--no-tablespaces", "-d", db.url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = []
    for line in dump.splitlines():
        if not line.strip() or line.startswith(
            ("--", "SET ", "SELECT pg_catalog.set_config", "\\")
        ):
            continue
        lines.append(line.rstrip())
    statements = " ".join(lines).split(";")
    normalised = sorted(_column_order_free(" ".join(s.split())) for s in statements if s.strip())
    return [s for s in normalised if "_prisma_migrations" not in s]


def _column_order_free(statement: str) -> str:
    """Columns added later come last; the order of columns is not part of what is compared."""
    match = re.match(r"^(CREATE TABLE [^(]+\() (.*) \)$", statement)
    if not match:
        return statement
    return f"{match.group(1)} {', '.join(sorted(match.group(2).split(', ')))} )"


def _show_create(db: TestDatabase) -> list[str]:
    items = []
    for name, kind in db.sql("SHOW FULL TABLES"):
        if name == "_prisma_migrations":
            continue
        if kind == "VIEW":
            text = db.sql(f"SHOW CREATE VIEW `{name}`")[0][1]
            text = re.sub(r"ALGORITHM=\S+ DEFINER=\S+ SQL SECURITY \S+ ", "", text)
            items.append(text.replace(f"`{db.name}`.", ""))
            continue
        text = db.sql(f"SHOW CREATE TABLE `{name}`")[0][1]
        text = re.sub(r" AUTO_INCREMENT=\d+", "", text)
        body = sorted(line.strip().rstrip(",") for line in text.splitlines()[1:-1])
        items.append(f"TABLE {name}: " + " | ".join(body) + " | " + text.splitlines()[-1])
    return sorted(items)


def _sqlite_pragmas(db: TestDatabase) -> list[str]:
    items = []
    objects = db.sql(
        "SELECT type, name, tbl_name FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'"
    )
    for kind, name, table in objects:
        if kind == "table":
            columns = db.sql(
                f'SELECT name, upper(type), "notnull", dflt_value, pk FROM '
                f"pragma_table_xinfo('{name}') ORDER BY name"
            )
            keys = db.sql(
                f'SELECT "table", "from", "to", on_update, on_delete FROM '
                f"pragma_foreign_key_list('{name}')"
            )
            items.append(f"table {name} {columns} fks={sorted(keys)}")
        elif kind == "index":
            columns = db.sql(
                f"SELECT name, \"desc\", coll FROM pragma_index_xinfo('{name}') WHERE key = 1"
            )
            unique = db.sql(
                f"SELECT \"unique\", partial FROM pragma_index_list('{table}') "
                f"WHERE name = '{name}'"
            )
            auto = name.startswith("sqlite_autoindex")
            items.append(f"index {'(auto)' if auto else name} on {table} {columns} {unique}")
        else:
            items.append(f"{kind} {name} on {table}")
    return sorted(items)
