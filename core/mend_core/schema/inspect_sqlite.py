"""Inspect a SQLite database: five queries over sqlite_master joined with the table-valued
pragmas, whatever the number of tables, plus the stored CREATE statements for what pragmas
omit (constraint names, CHECKs, AUTOINCREMENT, index expressions)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from mend_core.database.session import Database
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
    Trigger,
    UniqueConstraint,
    View,
)
from mend_core.schema.sqlite_ddl import ParsedTable, parse_create_index, parse_create_table

_SKIP = "m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name <> '_prisma_migrations'"
_SPACES = re.compile(r"\s+")
Row = tuple[Any, ...]
_COMMA = re.compile(r"\s*,\s*")
_PAREN = re.compile(r"\s*\(\s*")


@lru_cache(maxsize=1024)
def normalise_type(declared: str) -> str:
    """SQLite keeps declared types verbatim; `numeric(10, 2)` and `NUMERIC(10,2)` are one type."""
    text = _SPACES.sub(" ", declared.strip()).upper()
    text = _PAREN.sub("(", text)
    return _COMMA.sub(",", text).replace(" )", ")")


# Every index with its key columns, one row per column; its `seq` keeps the order
# pragma_index_list gives the indexes of a table in (what orders the table's UNIQUE constraints).
INDEX_COLUMNS = (
    'SELECT m.name, il.name, il."unique", il.origin, il.partial, ix.cid, ix.name, ix."desc", '
    "ix.coll "
    "FROM sqlite_master m JOIN pragma_index_list(m.name) il "
    "JOIN pragma_index_xinfo(il.name) ix "
    f"WHERE m.type = 'table' AND ix.key = 1 AND {_SKIP} ORDER BY m.name, il.seq, ix.seqno"
)


def inspect_sqlite(
    db: Database,
    tables: Collection[str] | None = None,
    known: Mapping[str, Table] | None = None,
) -> Schema:
    """The whole schema; with `tables`, only those tables (views and triggers all the same):
    `known` holds the other tables as inspected before, for the foreign keys that name a
    referenced table's primary key."""
    only = owned = ""  # with `tables`: conditions on the table's name (its own rows, and
    names: tuple[str, ...] = ()  # those of its indexes too), and the names they allow
    if tables is not None:
        names = tuple(sorted(tables))
        listed = f"IN ({', '.join('?' * len(names))})"
        only = f" AND m.name {listed}"
        owned = f" AND (m.type IN ('view', 'trigger') OR m.tbl_name {listed})"
    objects = db.query(
        f"SELECT type, name, tbl_name, sql FROM sqlite_master m WHERE {_SKIP}{owned}", names
    )
    columns = db.query(
        'SELECT m.name, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden '
        "FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c "
        f"WHERE m.type = 'table' AND {_SKIP}{only} ORDER BY m.name, c.cid",
        names,
    )
    index_columns = db.query(INDEX_COLUMNS.replace(" ORDER BY", f"{only} ORDER BY"), names)
    foreign_keys = db.query(
        'SELECT m.name, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete '
        f"FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
        f"WHERE m.type = 'table' AND {_SKIP}{only} ORDER BY m.name, f.id, f.seq",
        names,
    )

    table_sql = {
        name: sql or ""
        for kind, name, _, sql in objects
        if kind == "table" and (tables is None or name in tables)
    }
    index_sql = {name: sql for kind, name, _, sql in objects if kind == "index" and sql}
    columns_of = _grouped(columns)
    indexes_of = _indexes_by_table(index_columns)
    fks_of: dict[str, dict[int, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for row in foreign_keys:
        fks_of[row[0]][row[1]].append(row)

    # The tables built so far (those named before this one), for foreign keys to their keys.
    built: dict[str, Table] = dict(known or {})
    inspected: list[Table] = []
    for name in sorted(table_sql):
        facts = parse_create_table(table_sql[name])
        table_columns, primary_key = _columns(columns_of[name], facts)
        indexes, uniques = _indexes(indexes_of.get(name, {}), facts, index_sql)
        built[name] = Table(
            name,
            table_columns,
            primary_key,
            tuple(sorted(indexes, key=_index_name)),
            tuple(uniques),
            _foreign_keys(name, fks_of[name], facts, built) if name in fks_of else (),
            tuple(CheckConstraint(n, e) for n, e in facts.checks),
        )
        inspected.append(built[name])
    views = tuple(
        View(name, _view_body(sql or ""))
        for kind, name, _, sql in sorted(objects, key=lambda o: o[1])
        if kind == "view"
    )
    triggers = tuple(
        Trigger(name, table, sql or "")
        for kind, name, table, sql in sorted(objects, key=lambda o: o[1])
        if kind == "trigger"
    )
    return Schema("sqlite", tuple(inspected), views, triggers=triggers)


def _columns(rows: list[Row], facts: ParsedTable) -> tuple[tuple[Column, ...], PrimaryKey | None]:
    columns: list[Column] = []
    pk_columns: list[tuple[int, str]] = []
    generated = facts.generated
    for _, column, declared, notnull, default, pk, hidden in rows:
        if pk:
            pk_columns.append((pk, column))
        columns.append(
            Column(
                column,
                normalise_type(declared or ""),
                not notnull,
                default,
                bool(pk) and facts.autoincrement,
                None,
                generated.get(column) if hidden in (2, 3) else None,
            )
        )
    if not pk_columns:
        return tuple(columns), None
    return tuple(columns), PrimaryKey(
        facts.primary_key_name, tuple(c for _, c in sorted(pk_columns))
    )


IndexRows = dict[str, list[Row]]  # an index's name: its rows, one per key column


def _indexes_by_table(rows: list[Row]) -> dict[str, IndexRows]:
    tables: dict[str, IndexRows] = {}
    for row in rows:
        tables.setdefault(row[0], {}).setdefault(row[1], []).append(row)
    return tables


def _indexes(
    indexes_of: IndexRows, facts: ParsedTable, index_sql: dict[str, str]
) -> tuple[list[Index], list[UniqueConstraint]]:
    """A table's indexes, and its UNIQUE constraints (which SQLite keeps as indexes)."""
    indexes: list[Index] = []
    uniques: list[UniqueConstraint] = []
    for index_name, parts in indexes_of.items():
        _, _, unique, origin, partial = parts[0][:5]
        if origin == "pk":
            continue
        if origin == "u":
            column_names = tuple(p[6] for p in parts)
            uniques.append(UniqueConstraint(facts.unique_names.get(column_names), column_names))
            continue
        needs_sql = partial or any(p[5] == -2 or p[6] is None for p in parts)
        text = parse_create_index(index_sql.get(index_name, "")) if needs_sql else None
        items: list[IndexColumn] = []
        for position, part in enumerate(parts):
            cid, column, descending, collation = part[5], part[6], part[7], part[8]
            is_expression = cid == -2 or column is None
            expression = column
            if is_expression and text is not None and position < len(text.items):
                expression = text.items[position]
            # An expression keeps its COLLATE in its text; a column's is reported apart.
            if is_expression or not collation or collation.upper() == "BINARY":
                collation = None
            items.append(IndexColumn(expression, bool(descending), is_expression, None, collation))
        where = text.where if text is not None else None
        indexes.append(Index(index_name, tuple(items), bool(unique), where))
    return indexes, uniques


def _index_name(index: Index) -> str:
    return index.name


def _foreign_keys(
    name: str, keys: dict[int, list[Row]], facts: ParsedTable, built: dict[str, Table]
) -> tuple[ForeignKey, ...]:
    """A foreign key without referenced columns names the referenced table's primary key,
    known here when that table comes before this one (by name)."""
    foreign: list[ForeignKey] = []
    for _fk_id, parts in sorted(keys.items()):
        first = parts[0]
        from_columns = tuple(p[4] for p in parts)
        referenced = first[3]
        to_columns = tuple(p[5] for p in parts)
        if any(c is None for c in to_columns):
            target = built.get(referenced) if referenced < name else None
            to_columns = target.primary_key.columns if target and target.primary_key else ()
        foreign.append(
            ForeignKey(
                facts.foreign_key_names.get((from_columns, referenced.lower())),
                from_columns,
                referenced,
                to_columns,
                on_delete=first[7],
                on_update=first[6],
            )
        )
    return tuple(foreign)


def _grouped(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows grouped by their first column (the table or index they belong to)."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row)
    return groups


_VIEW_AS = re.compile(r"^\s*CREATE\s+(?:TEMP|TEMPORARY\s+)?VIEW\s+.*?\bAS\b\s*", re.I | re.S)


def _view_body(sql: str) -> str:
    return _VIEW_AS.sub("", sql, count=1).strip().rstrip(";")


# -- everything a database holds, for emptying a given shadow database --------------------------
# Virtual tables first: dropping one drops its shadow tables, which cannot be dropped before it.
OBJECTS = (
    "SELECT upper(type), name, sql LIKE 'CREATE VIRTUAL%' FROM sqlite_master "
    "WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)
_ORDER = {"TRIGGER": 0, "VIEW": 1, "VIRTUAL": 2, "TABLE": 3}


def schema_objects(db: Database) -> set[DbObject]:
    return {
        DbObject("VIRTUAL" if virtual else kind, db.dialect.quote(name))
        for kind, name, virtual in db.query(OBJECTS)
    }


def drop_objects(db: Database, objects: Collection[DbObject]) -> None:
    """Everything in one transaction, foreign keys off (the pragma is ignored inside one)."""
    keys = db.scalar("PRAGMA foreign_keys")
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        db.begin()
        try:
            for item in sorted(objects, key=lambda o: (_ORDER[o.kind], o.name)):
                kind = "TABLE" if item.kind == "VIRTUAL" else item.kind
                db.execute(f"DROP {kind} IF EXISTS {item.name}")
            db.commit()
        except BaseException:
            db.rollback()
            raise
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if keys else 'OFF'}")
