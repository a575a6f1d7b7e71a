"""Inspect a MySQL/MariaDB database with six information_schema queries, whatever the number of
tables (SQLAlchemy's reflection issues one SHOW CREATE TABLE per table)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from mend_core.database.session import Database
from mend_core.dialects.mysql import own_sql_mode
from mend_core.schema.model import (
    CheckConstraint,
    Column,
    DbObject,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Schema,
    Table,
    View,
)
from mend_core.schema.render.base import literal


@dataclass(frozen=True)
class CatalogQuery:
    """An information_schema query, sent either as rows or, on MariaDB, as one JSON array:
    PyMySQL decodes rows field by field in Python, which costs more than the query itself."""

    columns: str
    source: str
    order: str = ""

    def plain(self) -> str:
        order = f" ORDER BY {self.order}" if self.order else ""
        return f"SELECT {self.columns} {self.source}{order}"

    def as_json(self) -> str:
        order = f" ORDER BY {self.order}" if self.order else ""
        return f"SELECT JSON_ARRAYAGG(JSON_ARRAY({self.columns}){order}) {self.source}"


_SCHEMA = "TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> '_prisma_migrations'"
# Views too (TABLE_TYPE 'VIEW'): when there are none, the VIEWS query is not sent.
TABLES = CatalogQuery(
    "TABLE_NAME, TABLE_TYPE, TABLE_COMMENT",
    "FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
)
COLUMNS = CatalogQuery(
    "TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, "
    "GENERATION_EXPRESSION",
    f"FROM information_schema.COLUMNS WHERE {_SCHEMA}",
    "TABLE_NAME, ORDINAL_POSITION",
)
STATISTICS = CatalogQuery(
    "TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, SUB_PART, INDEX_TYPE",
    f"FROM information_schema.STATISTICS WHERE {_SCHEMA}",
    "TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
)
# Two queries joined here: MariaDB's information_schema joins them six times slower.
FOREIGN_KEY_COLUMNS = CatalogQuery(
    "TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME",
    "FROM information_schema.KEY_COLUMN_USAGE "
    "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL",
    "TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
)
FOREIGN_KEY_RULES = CatalogQuery(
    "TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE",
    "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()",
)
MARIADB_CHECKS = CatalogQuery(
    "TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL",
    "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()",
    "TABLE_NAME, CONSTRAINT_NAME",
)
MYSQL_CHECKS = CatalogQuery(
    "t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE, 'Table'",
    "FROM information_schema.CHECK_CONSTRAINTS c JOIN information_schema.TABLE_CONSTRAINTS t "
    "ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
    "AND t.CONSTRAINT_TYPE = 'CHECK' WHERE c.CONSTRAINT_SCHEMA = DATABASE()",
    "t.TABLE_NAME, c.CONSTRAINT_NAME",
)
VIEWS = CatalogQuery(
    "TABLE_NAME, VIEW_DEFINITION",
    "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
    "TABLE_NAME",
)

_NUMERIC = re.compile(
    r"^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric|float|"
    r"double|real|bit|year)",
    re.I,
)


def inspect_mysql(db: Database, only: Collection[str] | None = None) -> Schema:
    """The schema, read under mend's own sql_mode whatever a migration set in this session.
    `only`: just those tables (and every object that is not a table)."""
    with own_sql_mode(db):
        return _inspect_mysql(db, only)


def _inspect_mysql(db: Database, only: Collection[str] | None = None) -> Schema:
    """Each answer is turned into model objects as soon as it arrives: a diff inspects two
    databases in two threads, and this way one's Python work overlaps the other's queries
    instead of both piling up at the end."""
    version, database = db.query("SELECT VERSION(), DATABASE()")[0]
    mariadb = "mariadb" in str(version).lower()
    if mariadb:
        # JSON_ARRAYAGG is built on GROUP_CONCAT, whose 1 MB default would cut the answer.
        # STATISTICS reads each table's engine-independent statistics (mysql.table_stats,
        # index_stats) for its CARDINALITY column, which mend does not ask for; without
        # `use_stat_tables` it skips them, and takes half the time. The setting only tells this
        # session's optimizer which statistics to use: no answer here depends on it.
        db.execute("SET SESSION group_concat_max_len = 4294967295, use_stat_tables = 'NEVER'")

    def rows(query: CatalogQuery, column: str = "TABLE_NAME") -> list[Any]:
        """Tuples, or on MariaDB lists (JSON arrays): unpacked alike, so not copied."""
        if listed and column:
            query = replace(query, source=f"{query.source} AND {column} {listed}")
        if not mariadb:  # MySQL's JSON_ARRAYAGG takes no ORDER BY
            return db.query(query.plain())
        return list(json.loads(db.scalar(query.as_json()) or "[]"))

    # With `only`: the tables it names, told to the server where the names are plain text
    # (compared as the catalog compares them; Python keeps the exact ones below).
    listed = _listed(only)
    folded = None if only is None else {name.lower() for name in only}
    column_checks, checks = _checks(
        rows(MARIADB_CHECKS) if mariadb else rows(MYSQL_CHECKS, "t.TABLE_NAME")
    )
    text_rows = None
    if mariadb:
        text_rows = _column_text_rows(db, listed) if listed else _column_text_rows(db)
    column_rows = text_rows or rows(COLUMNS)
    columns_of = _columns(column_rows, column_checks, mariadb)
    keys, indexes = _indexes(rows(STATISTICS))
    foreign = _foreign_keys(rows(FOREIGN_KEY_COLUMNS), rows(FOREIGN_KEY_RULES))
    table_query = TABLES
    if listed:  # the views as well: whether there are any says whether to read them
        table_query = replace(
            TABLES, source=f"{TABLES.source} AND (TABLE_TYPE = 'VIEW' OR TABLE_NAME {listed})"
        )
    tables = rows(table_query, "")
    has_views = any(kind == "VIEW" for _, kind, _ in tables)
    views = tuple(
        View(name, _unqualify(definition, str(database)))
        for name, definition in (rows(VIEWS, "") if has_views else ())
    )
    built = tuple(
        Table(
            name,
            tuple(columns_of[name]),
            keys.get(name),
            tuple(sorted(indexes[name], key=_name)) if name in indexes else (),
            (),
            tuple(sorted(foreign[name], key=_name_or_empty)) if name in foreign else (),
            tuple(checks[name]) if name in checks else (),
            comment or None,
        )
        for name, kind, comment in sorted(tables)
        if kind != "VIEW"
        and name != "_prisma_migrations"
        and (folded is None or name.lower() in folded)
    )
    return Schema("mysql", built, views)


# MariaDB: COLUMNS as one text, fields split by \x1f and rows by \x1e. JSON-escaping 10,000
# rows costs the server a third of the query, and Python more than a split. A NULL is written as
# '': MariaDB reports every default as an expression (an empty string default reads `''`), and a
# generated column's expression is never empty. The row count and eight fields in each row prove
# that no value held a separator (a value with one would add a row or a field); else the JSON
# form is read.
COLUMNS_TEXT = (
    "SELECT COUNT(*), GROUP_CONCAT(CONCAT_WS('\x1f', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, "
    "IS_NULLABLE, IFNULL(COLUMN_DEFAULT, ''), EXTRA, COLUMN_COMMENT, "
    "IFNULL(GENERATION_EXPRESSION, '')) ORDER BY TABLE_NAME, ORDINAL_POSITION SEPARATOR '\x1e') "
    f"FROM information_schema.COLUMNS WHERE {_SCHEMA}"
)


def _listed(only: Collection[str] | None) -> str:
    """`IN (...)` for the names in `only`; empty (no condition) when not all are plain text."""
    if only is None or any("'" in name or "\\" in name for name in only):
        return ""
    return "IN (" + ", ".join(f"'{name}'" for name in sorted(only)) + ")" if only else "IN (NULL)"


def _column_text_rows(db: Database, listed: str = "") -> list[Any] | None:
    count, text = db.query(COLUMNS_TEXT + (f" AND TABLE_NAME {listed}" if listed else ""))[0]
    if not count:
        return None
    rows = [row.split("\x1f") for row in text.split("\x1e")]
    # Each row has at least its eight fields: with the count right, eight in all of them.
    if len(rows) != count or sum(map(len, rows)) != 8 * count:
        return None
    return rows


def _default(raw: Any, extra: str, column_type: str, mariadb: bool) -> str | None:
    """COLUMN_DEFAULT as a SQL expression. MariaDB already reports expressions (quoted
    literals, `NULL` for none); MySQL reports bare values."""
    if raw is None:
        return None
    text = str(raw)
    if mariadb:
        return None if text == "NULL" else text
    if "DEFAULT_GENERATED" in extra.upper():
        return text if text.upper().startswith("CURRENT_TIMESTAMP") else f"({text})"
    if _NUMERIC.match(column_type):
        return text
    return literal(text)


def _unqualify(definition: str, database: str) -> str:
    """Views are reported with every table qualified by the database: drop that, so that a
    view inspected in a shadow database compares equal to the same view elsewhere."""
    return definition.replace(f"`{database}`.", "")


def _name(item: Index) -> str:
    return item.name


def _name_or_empty(item: ForeignKey) -> str:
    return item.name or ""


def _checks(
    rows: list[Any],
) -> tuple[dict[tuple[str, str], str], dict[str, list[CheckConstraint]]]:
    """MariaDB's column-level CHECKs (what JSON columns carry) by column; the others by table."""
    column_checks: dict[tuple[str, str], str] = {}
    checks: dict[str, list[CheckConstraint]] = defaultdict(list)
    for table, name, clause, level in rows:
        if level == "Column":
            column_checks[table, name] = clause
        else:
            checks[table].append(CheckConstraint(name, clause))
    return column_checks, checks


def _columns(
    rows: list[Any], column_checks: dict[tuple[str, str], str], mariadb: bool
) -> dict[str, list[Column]]:
    """Columns by table, in their order. Written for 10,000 rows: EXTRA is empty for most
    columns and MariaDB's defaults need no conversion, so those cases skip the work."""
    columns_of: dict[str, list[Column]] = defaultdict(list)
    for table, name, type_, nullable, default, extra, comment, generation in rows:
        autoincrement = stored = False
        if extra:
            autoincrement = "auto_increment" in extra.lower()
            stored = "STORED" in extra.upper()
        if generation or (mariadb and not default):  # '': NULL in _column_text_rows
            default = None
        elif mariadb:  # _default, inlined: MariaDB reports defaults as expressions already
            default = None if default == "NULL" else str(default)
        elif default is not None:
            default = _default(default, extra or "", type_, mariadb)
        columns_of[table].append(
            Column._make(
                (
                    name,
                    type_,
                    nullable == "YES",
                    default,
                    autoincrement,
                    None,
                    generation or None,
                    stored,
                    comment or None,
                    column_checks.get((table, name)) if column_checks else None,
                    None,
                )
            )
        )
    return columns_of


def _indexes(rows: list[Any]) -> tuple[dict[str, PrimaryKey], dict[str, list[Index]]]:
    """Primary keys and indexes by table, from STATISTICS' rows (one per indexed column)."""
    parts_of: dict[tuple[str, str], list[IndexColumn]] = defaultdict(list)
    unique_of: dict[tuple[str, str], bool] = {}
    method_of: dict[tuple[str, str], str | None] = {}
    for table, name, non_unique, column, collation, sub_part, index_type in rows:
        if sub_part and index_type != "SPATIAL":  # a spatial key reports its own length, 32
            part = IndexColumn(f"`{column}`({sub_part})", collation == "D", True)
        else:
            part = IndexColumn(column, collation == "D", False)
        key = (table, name)
        parts_of[key].append(part)
        unique_of[key] = not int(non_unique)
        # BTREE (or HASH, chosen by the engine) is what CREATE INDEX makes by itself.
        method_of[key] = index_type if index_type in ("FULLTEXT", "SPATIAL") else None
    keys: dict[str, PrimaryKey] = {}
    indexes: dict[str, list[Index]] = defaultdict(list)
    for (table, name), parts in parts_of.items():
        if name == "PRIMARY":
            keys[table] = PrimaryKey(None, tuple(p.expression for p in parts))
        else:
            key = (table, name)
            indexes[table].append(Index(name, tuple(parts), unique_of[key], None, method_of[key]))
    return keys, indexes


def _foreign_keys(rows: list[Any], rule_rows: list[Any]) -> dict[str, list[ForeignKey]]:
    """Foreign keys by table: KEY_COLUMN_USAGE's rows (one per column) with their rules."""
    parts_of: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        parts_of[row[0], row[1]].append(row)
    rules = {(t, n): (on_delete, on_update) for t, n, on_delete, on_update in rule_rows}
    foreign: dict[str, list[ForeignKey]] = defaultdict(list)
    for (table, name), parts in parts_of.items():
        on_delete, on_update = rules.get((table, name), ("NO ACTION", "NO ACTION"))
        foreign[table].append(
            ForeignKey(
                name,
                tuple(r[2] for r in parts),
                parts[0][3],
                tuple(r[4] for r in parts),
                on_delete,
                on_update,
            )
        )
    return foreign


# -- everything a database holds, for emptying a given shadow database --------------------------
# Tables, views and sequences (TABLE_TYPE needs only the .frm), routines and events: all that a
# migration can create. Triggers go with their table.
OBJECTS = """
SELECT CASE TABLE_TYPE WHEN 'VIEW' THEN 'VIEW' WHEN 'SEQUENCE' THEN 'SEQUENCE' ELSE 'TABLE' END,
       TABLE_NAME
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES
WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')
UNION ALL
SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
"""
_LISTED_KINDS = ("VIEW", "SEQUENCE", "TABLE")  # DROP takes a list of these
_NAMES_PER_DROP = 500  # well under max_allowed_packet


def schema_objects(db: Database) -> set[DbObject]:
    return {DbObject(kind, db.dialect.quote(name)) for kind, name in db.query(OBJECTS)}


def drop_objects(db: Database, objects: Collection[DbObject]) -> None:
    """One DROP TABLE for all the tables (a few if there are thousands), with the session's
    foreign key checks off so that their order does not matter; one DROP per routine or event,
    which take no list. DDL commits by itself on MySQL: there is no transaction to group it."""
    checks = db.scalar("SELECT @@SESSION.foreign_key_checks")
    db.execute("SET SESSION foreign_key_checks = 0")
    try:
        for kind in _LISTED_KINDS:
            names = sorted(o.name for o in objects if o.kind == kind)
            for start in range(0, len(names), _NAMES_PER_DROP):
                listed = ", ".join(names[start : start + _NAMES_PER_DROP])
                db.execute(f"DROP {kind} IF EXISTS {listed}")
        for item in sorted(o for o in objects if o.kind not in _LISTED_KINDS):
            db.execute(f"DROP {item.kind} IF EXISTS {item.name}")
    finally:
        db.execute(f"SET SESSION foreign_key_checks = {int(checks)}")
