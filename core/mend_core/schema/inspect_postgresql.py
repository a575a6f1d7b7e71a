"""Inspect a PostgreSQL schema with eight bulk catalog queries, whatever the number of tables.

The server's time is most of an inspection, so the queries avoid per-row work the model can do
without: functions called once per row (obj_description, pg_get_indexdef of plain columns,
subqueries for referenced column names) are replaced by joins or by names already read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from mend_core.database.session import Database
from mend_core.dialects.errors import DatabaseError
from mend_core.schema.model import (
    CheckConstraint,
    Column,
    DbObject,
    Enum,
    Extension,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Schema,
    Sequence,
    Table,
    UniqueConstraint,
    View,
)

_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_NEXTVAL = re.compile(r"^nextval\('(?P<sequence>.+)'::regclass\)$")

# obj_description(oid, 'pg_class') is this join, run as a SQL function once per row.
TABLES = """
SELECT c.oid, c.relname, ds.description
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = c.oid AND ds.objsubid = 0
     AND ds.classoid = 'pg_catalog.pg_class'::regclass
WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname <> '_prisma_migrations'
"""

# A default is variable-free (PostgreSQL refuses column references in one), so it deparses the
# same without its table, which spares pg_get_expr a relation lookup per default; a generated
# column's expression does refer to columns, and keeps its table.
COLUMNS = """
SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       pg_catalog.pg_get_expr(d.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE d.adrelid END),
       a.attidentity, a.attgenerated,
       ds.description, CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = a.attrelid AND ds.objsubid = a.attnum
     AND ds.classoid = 'pg_catalog.pg_class'::regclass
WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# The referenced columns' names are looked up here only for a table of another schema: those of
# this schema's tables are among the columns already read.
CONSTRAINTS = """
SELECT con.conrelid, con.conname, con.contype, con.conkey, fc.relname,
       CASE WHEN fc.relnamespace <> con.connamespace OR fc.relkind NOT IN ('r', 'p') THEN
         ARRAY(SELECT fa.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid
                AND fa.attnum = k.attnum ORDER BY k.ord)
       END, con.confrelid, con.confkey,
       con.confdeltype, con.confupdtype,
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid, true) END
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = %s AND con.contype IN ('p', 'u', 'f', 'c') AND con.conrelid <> 0
ORDER BY con.conrelid, con.conname
"""

# What a key differs in from its default, per key column: a non-default operator class
# (qualified when not on the search path), a collation other than the column's (for an
# expression, other than the database default), NULLS FIRST/LAST (indoption bit 2) being
# reported as-is and compared with DESC (bit 1) in Python.
INDEXES = """
SELECT i.indrelid, ic.relname, i.indisunique, am.amname,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid), i.indoption::int2[], i.indkey::int2[],
       ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0
                         THEN pg_catalog.pg_get_indexdef(i.indexrelid, k, true) END
             FROM generate_series(1, i.indnkeyatts) AS k),
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL
                         WHEN pg_catalog.pg_opclass_is_visible(oc.oid)
                         THEN quote_ident(oc.opcname)
                         ELSE quote_ident(ons.nspname) || '.' || quote_ident(oc.opcname) END
             FROM generate_series(0, i.indnkeyatts - 1) AS k
             JOIN pg_catalog.pg_opclass oc ON oc.oid = i.indclass[k]
             JOIN pg_catalog.pg_namespace ons ON ons.oid = oc.opcnamespace
             ORDER BY k),
       ARRAY(SELECT CASE WHEN co.oid IS NULL OR co.oid = COALESCE(ta.attcollation, 100)
                         THEN NULL ELSE co.collname END
             FROM generate_series(0, i.indnkeyatts - 1) AS k
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = i.indcollation[k]
             LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = i.indrelid
                  AND ta.attnum = i.indkey[k] AND i.indkey[k] <> 0
             ORDER BY k)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE n.nspname = %s AND tc.relkind IN ('r', 'p') AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid
                  AND c.contype IN ('p', 'u', 'x'))
ORDER BY ic.relname
"""

VIEWS = """
SELECT c.relname, pg_catalog.pg_get_viewdef(c.oid, true), c.relkind = 'm'
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind IN ('v', 'm')
ORDER BY c.relname
"""

ENUMS = """
SELECT t.typname, ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e
                         WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %s AND t.typtype = 'e'
ORDER BY t.typname
"""

# The extensions installed in the schema, as the shadow database a replay creates has them
# (plpgsql comes with every database, in pg_catalog, and is not listed).
EXTENSIONS = """
SELECT e.extname, e.extversion
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE n.nspname = %s AND e.extname <> 'plpgsql'
ORDER BY e.extname
"""

SEQUENCES = """
SELECT c.relname, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, s.seqtypid,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid
               AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i'))
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s
ORDER BY c.relname
"""

# Only expressions are deparsed (indkey 0; int2vector counts from 0): a column's name is known.

# Default limits of a sequence, by its type (int2, int4, int8), left out of the model.
_TYPE_LIMITS = {21: 32767, 23: 2147483647, 20: 9223372036854775807}


def inspect_postgres(db: Database, only: Collection[str] | None = None) -> Schema:
    """Each answer is turned into model objects as soon as it arrives: a diff inspects two
    databases in two threads, so one's Python work overlaps the other's queries. `only`: just
    those tables (and every object that is not a table)."""
    schema = db.target.schema or "public"

    def rows(query: str, tables: str = "") -> list[Any]:
        """`tables`: the condition that keeps only the tables in `only`, when given."""
        if only is None or not tables:
            return db.query(query, (schema,))
        at = query.rfind("ORDER BY")
        at = len(query) if at < 0 else at
        return db.query(f"{query[:at]} AND {tables}\n{query[at:]}", (schema, sorted(only)))

    sequence_rows = rows(SEQUENCES)
    owned = {row[0] for row in sequence_rows if row[7]}
    columns_of, names_of = _columns(rows(COLUMNS, "c.relname = ANY(%s)"), owned)
    constraints = CONSTRAINTS
    if only is not None:  # the referenced tables' column names are not all read here
        constraints = constraints.replace(
            "CASE WHEN fc.relnamespace <> con.connamespace OR", "CASE WHEN true OR"
        )
    of_tables = (
        "con.conrelid IN (SELECT t.oid FROM pg_catalog.pg_class t "
        "WHERE t.relnamespace = n.oid AND t.relname = ANY(%s))"
    )
    keys, uniques, foreign, checks = _constraints(rows(constraints, of_tables), names_of)
    indexes = _indexes(rows(INDEXES, "tc.relname = ANY(%s)"), names_of)
    tables = tuple(
        sorted(
            (
                Table(
                    name,
                    tuple(columns_of[oid]),
                    keys.get(oid),
                    tuple(indexes[oid]) if oid in indexes else (),
                    tuple(uniques[oid]) if oid in uniques else (),
                    tuple(foreign[oid]) if oid in foreign else (),
                    tuple(checks[oid]) if oid in checks else (),
                    comment,
                )
                for oid, name, comment in rows(TABLES, "c.relname = ANY(%s)")
            ),
            key=_name,
        )
    )
    views = tuple(
        View(name, definition.strip(), bool(materialized))
        for name, definition, materialized in rows(VIEWS)
    )
    enums = tuple(Enum(name, tuple(values)) for name, values in rows(ENUMS))
    extensions = tuple(Extension(name, version) for name, version in rows(EXTENSIONS))
    return Schema(
        "postgresql", tables, views, enums, _sequences(sequence_rows), extensions=extensions
    )


def _name(table: Table) -> str:
    return table.name


_IDENTITY = {"a": "ALWAYS", "d": "BY DEFAULT"}


def _columns(
    rows: list[Any], owned_sequences: set[str]
) -> tuple[dict[int, list[Column]], dict[int, dict[int, str]]]:
    """Columns by table oid, and each table's column names by number."""
    columns_of: dict[int, list[Column]] = defaultdict(list)
    names_of: dict[int, dict[int, str]] = defaultdict(dict)
    for oid, number, name, type_, notnull, default, identity, generated, comment, collation in rows:
        names_of[oid][number] = name
        autoincrement = False
        expression = None
        if generated == "s":
            expression, default = default, None
        elif default is not None and owned_sequences:
            match = _NEXTVAL.match(default)
            if match and match.group("sequence").strip('"') in owned_sequences:
                autoincrement, default = True, None
        columns_of[oid].append(
            Column(
                name,
                type_,
                not notnull,
                default,
                autoincrement,
                _IDENTITY.get(identity) if identity else None,
                expression,
                True,
                comment,
                None,
                collation,
            )
        )
    return columns_of, names_of


Constraints = tuple[
    dict[int, PrimaryKey],
    dict[int, list[UniqueConstraint]],
    dict[int, list[ForeignKey]],
    dict[int, list[CheckConstraint]],
]


def _constraints(rows: list[Any], names_of: dict[int, dict[int, str]]) -> Constraints:
    keys: dict[int, PrimaryKey] = {}
    uniques: dict[int, list[UniqueConstraint]] = defaultdict(list)
    foreign: dict[int, list[ForeignKey]] = defaultdict(list)
    checks: dict[int, list[CheckConstraint]] = defaultdict(list)
    for (
        oid,
        name,
        kind,
        numbers,
        ref_table,
        ref_columns,
        ref_oid,
        ref_numbers,
        on_delete,
        on_update,
        definition,
    ) in rows:
        names = names_of[oid]
        columns = tuple(names.get(n, str(n)) for n in (numbers or ()))
        if kind == "p":
            keys[oid] = PrimaryKey(name, columns)
        elif kind == "u":
            uniques[oid].append(UniqueConstraint(name, columns))
        elif kind == "f":
            if ref_columns is None:  # a table of this schema: its names are known
                referenced = names_of[ref_oid]
                ref_columns = [referenced[n] for n in ref_numbers]
            foreign[oid].append(
                ForeignKey(
                    name,
                    columns,
                    ref_table,
                    tuple(ref_columns),
                    _ACTIONS[on_delete],
                    _ACTIONS[on_update],
                )
            )
        elif kind == "c":
            expression = definition.removeprefix("CHECK ").removesuffix(" NOT VALID")
            checks[oid].append(CheckConstraint(name, expression))
    return keys, uniques, foreign, checks


def _indexes(rows: list[Any], names_of: dict[int, dict[int, str]]) -> dict[int, list[Index]]:
    indexes: dict[int, list[Index]] = defaultdict(list)
    for row in rows:
        oid, name, unique, method, predicate, options, numbers, expressions = row[:8]
        opclasses, collations = row[8], row[9]
        names = names_of[oid]
        parts = []
        # One item per key column; indkey also lists the INCLUDE columns after them.
        for position, expression in enumerate(expressions):
            option = options[position] if position < len(options) else 0
            descending, nulls_first = bool(option & 1), bool(option & 2)
            # ASC sorts NULLS LAST and DESC NULLS FIRST unless told otherwise.
            nulls = None if nulls_first == descending else ("FIRST" if nulls_first else "LAST")
            number: int = numbers[position]
            text = expression if number == 0 else names.get(number, str(number))
            parts.append(
                IndexColumn(
                    text,
                    descending,
                    number == 0,  # an expression, deparsed by the query
                    opclasses[position] if position < len(opclasses) else None,
                    collations[position] if position < len(collations) else None,
                    nulls,
                )
            )
        include = tuple(names.get(n, str(n)) for n in numbers[len(expressions) :])
        indexes[oid].append(Index(name, tuple(parts), unique, predicate, method, include))
    return indexes


def _sequences(rows: list[Any]) -> tuple[Sequence, ...]:
    return tuple(
        Sequence(
            name,
            start,
            increment,
            minimum=None if minimum == 1 else minimum,
            maximum=None if maximum == _TYPE_LIMITS.get(type_oid) else maximum,
            cycle=cycle,
        )
        for name, start, increment, minimum, maximum, cycle, type_oid, owned in rows
        if not owned
    )


# -- everything a schema holds, for emptying a given shadow database ----------------------------
# Everything a migration can create in the schema that DROP ... CASCADE of these kinds does not
# already remove with a table: relations, types, routines, collations, extensions. Members of an
# extension are left to DROP EXTENSION; partitions, indexes, array and row types go with their
# owner. The schema itself is left as it is: its owner, grants and default privileges stay.
OBJECTS = """
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid
                  AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
UNION ALL
SELECT 'TYPE', quote_ident(n.nspname) || '.' || quote_ident(t.typname)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
WHERE n.nspname = %s AND (t.typtype IN ('e', 'd', 'r') OR r.relkind = 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = t.oid
                  AND d.classid = 'pg_catalog.pg_type'::regclass AND d.deptype = 'e')
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
       quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('
       || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %s
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid
                  AND d.classid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'e')
UNION ALL
SELECT 'COLLATION', quote_ident(n.nspname) || '.' || quote_ident(co.collname)
FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE n.nspname = %s
UNION ALL
SELECT 'EXTENSION', quote_ident(e.extname)
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE n.nspname = %s
"""

# The shared lock table holds max_locks_per_transaction x (max_connections +
# max_prepared_transactions) locks, and DROP TABLE ... CASCADE takes one per relation, type,
# constraint and default of each table (16 for a table of the benchmark). One transaction for
# 1000 tables would run out of shared memory, so tables go in batches that use a quarter of it.
LOCK_BUDGET = """
SELECT current_setting('max_locks_per_transaction')::int
       * (current_setting('max_connections')::int
          + current_setting('max_prepared_transactions')::int) / 4
"""
_OWN_LOCKS = "SELECT count(*) FROM pg_catalog.pg_locks WHERE pid = pg_backend_pid()"
_OUT_OF_LOCKS = "53200"  # out of shared memory
_TABLE_KINDS = ("TABLE", "FOREIGN TABLE")


def schema_objects(db: Database) -> set[DbObject]:
    rows = db.query(OBJECTS, (db.target.schema or "public",) * OBJECTS.count("%s"))
    return {DbObject(kind, name) for kind, name in rows}


def drop_objects(db: Database, objects: Collection[DbObject]) -> None:
    """Drop `objects` in a few transactions, as large as the server's lock table allows: the
    tables with one DROP per batch, then everything else."""
    batches = _Batches(max(int(db.scalar(LOCK_BUDGET)), 64))
    for kind in _TABLE_KINDS:  # one kind per DROP statement
        batches.run(db, sorted(o for o in objects if o.kind == kind), listed=True)
    rest = sorted((o for o in objects if o.kind not in _TABLE_KINDS), key=_drop_order)
    batches.run(db, rest, listed=False)


class _Batches:
    """Transactions sized by the locks the previous ones took per object (a first guess of 20,
    halved on "out of shared memory")."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.locks_per_object = 20

    def run(self, db: Database, objects: list[DbObject], *, listed: bool) -> None:
        while objects:
            batch = objects[: max(self.budget // self.locks_per_object, 1)]
            statements = (
                [_drop_statement(batch)] if listed else [_drop_statement([o]) for o in batch]
            )
            try:
                locks = _in_transaction(db, statements, measure=True)
            except DatabaseError as exc:
                if exc.db_error.code != _OUT_OF_LOCKS or len(batch) == 1:
                    raise
                self.locks_per_object *= 2
                continue
            self.locks_per_object = max(locks // len(batch) + 1, 1)
            objects = objects[len(batch) :]


def _drop_statement(objects: list[DbObject]) -> str:
    names = ", ".join(o.name for o in objects)
    # IF EXISTS: an earlier CASCADE may already have dropped it (a view on a dropped table).
    return f"DROP {objects[0].kind} IF EXISTS {names} CASCADE"


def _drop_order(item: DbObject) -> tuple[int, str]:
    """Dependents first, so that CASCADE has the least to look for; the order is not needed
    for correctness (IF EXISTS ... CASCADE)."""
    order = ("VIEW", "MATERIALIZED VIEW", "SEQUENCE", "AGGREGATE", "PROCEDURE", "FUNCTION")
    return (order.index(item.kind) if item.kind in order else len(order), item.name)


def _in_transaction(db: Database, statements: list[str], *, measure: bool = False) -> int:
    """Run `statements` in one transaction; with `measure`, the locks it held at the end."""
    db.begin()
    try:
        for statement in statements:
            db.execute(statement)
        locks = int(db.scalar(_OWN_LOCKS)) if measure else 0
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return locks
