"""Read-only diagnostics for a failure the data caused: which rows block it, or who holds locks.

Every query is built with SQLAlchemy Core (identifiers from the schema model, quoted for the
dialect), runs under a time limit, returns at most `SAMPLE_ROWS` rows, and is kept, as the SQL
that ran, on the diagnostic that shows it: an operator can run it again and see the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, column, func, literal_column, not_, or_, select

from mend_core.database.row_counts import time_limit, timed_out
from mend_core.database.session import Database
from mend_core.database.sql_builder import render_literal, run_query, table_of
from mend_core.dialects import dialect_for
from mend_core.dialects.diagnostic import SAMPLE_ROWS as SAMPLE_ROWS
from mend_core.dialects.diagnostic import Diagnostic as Diagnostic
from mend_core.dialects.diagnostic import DiagnosticKind as DiagnosticKind
from mend_core.dialects.diagnostic import json_value as json_value
from mend_core.dialects.diagnostic import plural as _plural
from mend_core.dialects.diagnostic import sample_rows as _rows
from mend_core.dialects.errors import DatabaseError
from mend_core.recovery.cause import FailureCause
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema, Table

if TYPE_CHECKING:
    from sqlalchemy.sql import ClauseElement, ColumnElement, Select
    from sqlalchemy.sql.expression import TableClause

    from mend_core.database.session import Row


# -- running built queries ----------------------------------------------------------------------
def shown_sql(dialect: str, statement: ClauseElement) -> str:
    """The statement with its values written in, runnable as it reads."""
    return render_literal(dialect, statement)


def run_built(db: Database, statement: ClauseElement) -> tuple[str, list[Row]]:
    """Run a built query; the SQL as shown, and its rows."""
    return run_query(db, statement)


class TimedOut(Exception):
    """A count or sample took longer than the time limit."""

    def __init__(self, sql: str) -> None:
        super().__init__(sql)
        self.sql = sql


def run_limited(db: Database, statement: ClauseElement) -> tuple[str, list[Row]]:
    """`run_built` under a per-statement time limit: a diagnostic never hangs on a huge table."""
    try:
        # row_counts' limit and its timeout codes, so that every count mend makes behaves alike.
        with time_limit(db):
            return run_built(db, statement)
    except DatabaseError as exc:
        if timed_out(db, exc.db_error.code):
            raise TimedOut(shown_sql(db.dialect.name, statement)) from None
        raise


# -- the table at fault -------------------------------------------------------------------------
@dataclass(frozen=True)
class RowKey:
    """What tells the table's rows apart, for samples and data fixes."""

    columns: tuple[str, ...]  # () when nothing does (a MySQL table without a key)
    source: str  # "primary key", "unique key `k`", "ctid", "rowid", "none"

    @property
    def physical(self) -> bool:
        return self.source in ("ctid", "rowid")


_PREFIX_PART = re.compile(r"`(?P<column>(?:[^`]|``)+)`\((?P<n>\d+)\)")


@dataclass(frozen=True)
class Subject:
    """The cause with every name resolved against the live schema, and its table to query."""

    cause: FailureCause
    table: Table
    key: RowKey
    clause: TableClause  # the table's columns, plus ctid/rowid when that is the key

    def column(self, name: str) -> ColumnElement[Any]:
        """A column of the table, or one of the index's expressions."""
        if name in self.cause.expression_columns:
            return self._expression(name)
        return self.clause.c[name]

    def _expression(self, text: str) -> ColumnElement[Any]:
        prefix = _PREFIX_PART.fullmatch(text)
        if prefix and prefix["column"].replace("``", "`") in self.clause.c:
            # A MySQL prefix index part, `name`(10): the first 10 characters are the key.
            return func.left(self.clause.c[prefix["column"].replace("``", "`")], int(prefix["n"]))
        # SQL text from the schema; literal_column keeps it verbatim (text() would read a
        # `:word` inside a string literal as a parameter).
        return literal_column(f"({text})")

    def key_columns(self) -> list[ColumnElement[Any]]:
        return [self.clause.c[name] for name in self.key.columns]

    def order(self) -> list[ColumnElement[Any]]:
        """A stable order for samples: the key, when an index backs it."""
        return [] if self.key.physical else self.key_columns()

    def where(self) -> str:
        return describe_columns(self.table.name, self.cause.columns)


def describe_columns(table: str, columns: Sequence[str]) -> str:
    if len(columns) == 1:
        return f"`{table}.{columns[0]}`"
    return f"`{table}` ({', '.join(columns)})"


def subject_of(db: Database, cause: FailureCause, schema: Schema | None = None) -> Subject | None:
    """The cause's table in the live database, or None when it cannot be queried."""
    if schema is None:
        schema = inspect_database(db)
    cause = resolve(cause, schema, db.dialect.name)
    table = schema.table(cause.table) if cause.table else None
    if table is None or not _columns_known(cause, table):
        return None
    key = row_key(table, db.dialect.name)
    names = table.column_names + (key.columns if key.physical else ())
    return Subject(cause, table, key, table_of(db, table.name, names))


def _columns_known(cause: FailureCause, table: Table) -> bool:
    if cause.kind == "check":
        return cause.expression is not None
    if not cause.columns:
        return False
    if cause.column_added:
        return True
    known = set(table.column_names)
    return all(c in known or c in cause.expression_columns for c in cause.columns)


def row_key(table: Table, dialect: str) -> RowKey:
    """The primary key, else a unique key of NOT NULL columns, else ctid/rowid, else none."""
    if table.primary_key and table.primary_key.columns:
        return RowKey(table.primary_key.columns, "primary key")
    not_null = {c.name for c in table.columns if not c.nullable}
    for name, columns in _unique_keys(table):
        if columns and all(c in not_null for c in columns):
            return RowKey(columns, f"unique key `{name}`")
    physical = dialect_for(dialect).physical_row_id
    if physical is not None:
        return RowKey((physical,), physical)
    return RowKey((), "none")


def _unique_keys(table: Table) -> list[tuple[str | None, tuple[str, ...]]]:
    keys: list[tuple[str | None, tuple[str, ...]]] = [
        (index.name, index.column_names)
        for index in table.indexes
        if index.unique and index.where is None and not any(c.is_expression for c in index.columns)
    ]
    return keys + [(unique.name, unique.columns) for unique in table.uniques]


# -- resolving names against the live schema ----------------------------------------------------
def resolve(cause: FailureCause, schema: Schema, dialect: str) -> FailureCause:
    """Fill in what the failure did not say from the live schema (the table of a named index,
    the columns of a named key, a named CHECK's expression), spelled as the database does."""
    table = _find_table(schema, cause.table, dialect) if cause.table else None
    if table is None and cause.index_or_constraint:
        table = _table_with(schema, cause.index_or_constraint)
    if table is None:
        return cause
    cause = replace(cause, table=table.name, columns=_spelled(table, cause.columns))
    cause = _named_parts(cause, table)
    if cause.kind == "orphans" and cause.referenced_table:
        cause = _referenced(cause, schema, dialect)
    return cause


def _find_table(schema: Schema, name: str, dialect: str) -> Table | None:
    found = schema.table(name)
    if found is not None or not dialect_for(dialect).names_ignore_case:
        return found
    # MySQL's messages may spell a table name in another case than the catalog does.
    matches = [t for t in schema.tables if t.name.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def _table_with(schema: Schema, name: str) -> Table | None:
    """The table that already has an index or constraint of this name (a failing INSERT)."""
    for table in schema.tables:
        names = (
            [i.name for i in table.indexes]
            + [u.name for u in table.uniques]
            + [k.name for k in table.foreign_keys]
            + [c.name for c in table.checks]
        )
        if name in names:
            return table
    return None


def _spelled(table: Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    """Each column as the catalog spells it (MySQL column names ignore case)."""
    by_lower = {c.lower(): c for c in table.column_names}
    return tuple(c if c in table.column_names else by_lower.get(c.lower(), c) for c in columns)


def _named_parts(cause: FailureCause, table: Table) -> FailureCause:
    name = cause.index_or_constraint
    if name is None:
        return cause
    if not cause.columns:
        keys = dict(_unique_keys(table))
        keys.update({k.name: k.columns for k in table.foreign_keys})
        if name in keys:
            cause = replace(cause, columns=keys[name])
    if cause.kind == "check" and cause.expression is None:
        check = next((c for c in table.checks if c.name == name), None)
        if check is not None:
            cause = replace(cause, expression=check.expression)
    if cause.kind == "orphans" and not cause.referenced_columns:
        key = next((k for k in table.foreign_keys if k.name == name), None)
        if key is not None:
            cause = replace(
                cause,
                referenced_table=key.referenced_table,
                referenced_columns=key.referenced_columns,
            )
    return cause


def _referenced(cause: FailureCause, schema: Schema, dialect: str) -> FailureCause:
    parent = _find_table(schema, cause.referenced_table or "", dialect)
    if parent is None:
        return cause
    columns = _spelled(parent, cause.referenced_columns)
    if not columns and parent.primary_key:
        columns = parent.primary_key.columns  # a foreign key names the primary key by default
    return replace(cause, referenced_table=parent.name, referenced_columns=columns)


# -- diagnosing ---------------------------------------------------------------------------------
def diagnose(db: Database, cause: FailureCause, schema: Schema | None = None) -> list[Diagnostic]:
    """Read-only diagnostics for the cause; [] when there is nothing the data can show."""
    if cause.kind == "lock":
        return lock_diagnostics(db, cause.table)
    if not cause.data_caused:
        return []
    if cause.kind == "orphans" and cause.table is None and db.dialect.checks_foreign_keys_whole:
        return [_foreign_key_check(db)]
    subject = subject_of(db, cause, schema)
    if subject is None:
        return []
    found = _BY_KIND[subject.cause.kind](db, subject)
    return [found] if found is not None else []


def _measured(
    db: Database,
    count: Select[Any],
    sample: Select[Any],
    build: Callable[[Row, list[Row], str, str], Diagnostic],
    slow: Callable[[str], Diagnostic],
) -> Diagnostic:
    """Run the count, then the sample, under the time limit; `slow` words a timeout."""
    try:
        total_sql, totals = run_limited(db, count)
        sample_sql, rows = run_limited(db, sample)
    except TimedOut as timed_out:
        return slow(timed_out.sql)
    return build(totals[0], rows, sample_sql, total_sql)


def _slow(subject: Subject, kind: DiagnosticKind, what: str) -> Callable[[str], Diagnostic]:
    def word(sql: str) -> Diagnostic:
        return Diagnostic(
            kind,
            f"Counting {what} took too long; run the query below by hand, off-peak.",
            subject.table.name,
            subject.cause.columns,
            None,
            (),
            (),
            sql,
        )

    return word


# -- duplicates ---------------------------------------------------------------------------------
def present_keys(subject: Subject) -> ColumnElement[bool]:
    """Rows whose key has no NULL (and that a partial index covers): NULLs never collide in a
    unique index on PostgreSQL, MySQL or SQLite."""
    conditions: list[ColumnElement[Any]] = [
        subject.column(c).is_not(None) for c in subject.cause.columns
    ]
    if subject.cause.predicate:
        # The partial index's WHERE, SQL text from the schema; literal_column keeps it verbatim
        # (text() would read a `:word` inside a string literal as a parameter).
        conditions.append(literal_column(f"({subject.cause.predicate})"))
    return and_(*conditions)


def _key_lists(subject: Subject, dialect: str) -> list[ColumnElement[Any]]:
    """Per group, the first keys of its rows: one aggregate per key column, in the same order."""

    family = dialect_for(dialect)
    order = subject.key_columns()
    return [
        family.first_values(column, order, SAMPLE_ROWS).label(name)
        for name, column in zip(subject.key.columns, order, strict=True)
    ]


def duplicate_groups(subject: Subject, *extra: ColumnElement[Any]) -> Select[Any]:
    keys = [subject.column(c) for c in subject.cause.columns]
    return (
        select(*keys, func.count().label("rows"), *extra)
        .select_from(subject.clause)
        .where(present_keys(subject))
        .group_by(*keys)
        .having(func.count() > 1)
    )


def _duplicates(db: Database, subject: Subject) -> Diagnostic:
    groups = select(func.count().label("rows")).select_from(subject.clause)
    groups = groups.where(present_keys(subject)).group_by(
        *[subject.column(c) for c in subject.cause.columns]
    )
    grouped = groups.having(func.count() > 1).subquery("duplicate_groups")
    count = select(func.count(), func.coalesce(func.sum(grouped.c.rows), 0))
    keys = [subject.column(c) for c in subject.cause.columns]
    sample = (
        duplicate_groups(subject, *_key_lists(subject, db.dialect.name))
        .order_by(func.count().desc(), *keys)
        .limit(SAMPLE_ROWS)
    )
    headers = (*subject.cause.columns, "rows", *subject.key.columns)

    def build(totals: Row, rows: list[Row], sql: str, total_sql: str) -> Diagnostic:
        groups_count, row_count = int(totals[0]), int(totals[1])
        return Diagnostic(
            "duplicates",
            _duplicates_summary(subject, groups_count, row_count),
            subject.table.name,
            subject.cause.columns,
            groups_count,
            headers,
            _rows(rows),
            sql,
            total_sql,
        )

    return _measured(
        db,
        count.select_from(grouped),
        sample,
        build,
        _slow(subject, "duplicates", "the duplicate groups"),
    )


def _duplicates_summary(subject: Subject, groups: int, rows: int) -> str:
    cause = subject.cause
    blocked = (
        f"unique index `{cause.index_or_constraint}`"
        if cause.index_or_constraint
        else "the unique index"
    )
    if groups == 0:
        return (
            f"No two rows share a value of {subject.where()} now (NULLs aside), so nothing in "
            f"the table blocks {blocked}: the rows that did came from the migration itself."
        )
    noun = "value" if len(cause.columns) == 1 else "combination"
    verb = "is" if groups == 1 else "are"
    return (
        f"{_plural(groups, noun)} of {subject.where()} {verb} shared by "
        f"{_plural(rows, 'row')}, blocking {blocked}."
    )


# -- NULLs --------------------------------------------------------------------------------------
def null_rows(subject: Subject) -> ColumnElement[bool]:
    return or_(*[subject.clause.c[c].is_(None) for c in subject.cause.columns])


def _nulls(db: Database, subject: Subject) -> Diagnostic:
    if subject.cause.column_added:
        return _rows_without_value(db, subject)

    where = null_rows(subject)
    count = select(func.count()).select_from(subject.clause).where(where)
    shown = [*subject.key_columns(), *[subject.clause.c[c] for c in subject.cause.columns]]
    sample = select(*shown).where(where).order_by(*subject.order()).limit(SAMPLE_ROWS)
    headers = (*subject.key.columns, *subject.cause.columns)

    def build(totals: Row, rows: list[Row], sql: str, total_sql: str) -> Diagnostic:
        found = int(totals[0])
        blocked = (
            f"primary key `{subject.cause.index_or_constraint}`"
            if subject.cause.index_or_constraint
            else "making it NOT NULL"
        )
        return Diagnostic(
            "nulls",
            f"{_plural(found, 'row')} of `{subject.table.name}` "
            f"{'has' if found == 1 else 'have'} NULL in {names(subject.cause.columns)}, "
            f"blocking {blocked}.",
            subject.table.name,
            subject.cause.columns,
            found,
            headers,
            _rows(rows),
            sql,
            total_sql,
        )

    return _measured(db, count, sample, build, _slow(subject, "nulls", "the NULL rows"))


def names(columns: Sequence[str]) -> str:
    """`a`, `b`: column names for a sentence."""
    return ", ".join(f"`{c}`" for c in columns)


def _rows_without_value(db: Database, subject: Subject) -> Diagnostic:
    """ADD COLUMN ... NOT NULL without a default: the column has no values yet; every row of
    the table is one without a value for it."""
    count = select(func.count()).select_from(subject.clause)
    sample = select(*subject.key_columns()).order_by(*subject.order()).limit(SAMPLE_ROWS)
    column = subject.cause.columns[0]

    def build(totals: Row, rows: list[Row], sql: str, total_sql: str) -> Diagnostic:
        found = int(totals[0])
        return Diagnostic(
            "rows",
            f"`{subject.table.name}` has {_plural(found, 'row')}, and a NOT NULL column "
            f"`{column}` added without a default has no value for them (the column does not "
            "exist yet: this is the table's row count). Give the column a default, or add it "
            "as NULL, fill it, then make it NOT NULL.",
            subject.table.name,
            subject.cause.columns,
            found,
            subject.key.columns,
            _rows(rows) if subject.key.columns else (),
            sql if subject.key.columns else total_sql,
            total_sql,
        )

    return _measured(db, count, sample, build, _slow(subject, "rows", "the table's rows"))


# -- orphans ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrphanJoin:
    """The child LEFT JOIN the parent on the foreign key, and what makes a child an orphan."""

    child: Any  # an alias of the child table
    joined: Any
    orphaned: ColumnElement[bool]


def orphan_join(db: Database, subject: Subject) -> OrphanJoin | None:
    cause = subject.cause
    if not cause.referenced_table or len(cause.referenced_columns) != len(cause.columns):
        return None
    child = subject.clause.alias("child")
    parent = table_of(db, cause.referenced_table, cause.referenced_columns).alias("parent")
    pairs = list(zip(cause.columns, cause.referenced_columns, strict=True))
    joined = child.outerjoin(parent, and_(*[parent.c[p] == child.c[c] for c, p in pairs]))
    # MATCH SIMPLE, the default on all three: a key with a NULL in it is not checked.
    orphaned = and_(
        *[child.c[c].is_not(None) for c in cause.columns],
        parent.c[cause.referenced_columns[0]].is_(None),
    )
    return OrphanJoin(child, joined, orphaned)


def _orphans(db: Database, subject: Subject) -> Diagnostic | None:
    join = orphan_join(db, subject)
    if join is None:
        return None
    cause = subject.cause
    keys = [join.child.c[k] for k in subject.key.columns]
    shown = [*keys, *[join.child.c[c] for c in cause.columns]]
    count = select(func.count()).select_from(join.joined).where(join.orphaned)
    order = [] if subject.key.physical else keys
    sample = select(*shown).select_from(join.joined).where(join.orphaned).order_by(*order)
    headers = (*subject.key.columns, *cause.columns)

    def build(totals: Row, rows: list[Row], sql: str, total_sql: str) -> Diagnostic:
        found = int(totals[0])
        parent = describe_columns(cause.referenced_table or "", cause.referenced_columns)
        blocked = (
            f"foreign key `{cause.index_or_constraint}`"
            if cause.index_or_constraint
            else "the foreign key"
        )
        return Diagnostic(
            "orphans",
            f"{_plural(found, 'row')} of `{subject.table.name}` "
            f"{'has' if found == 1 else 'have'} {names(cause.columns)} with no match in "
            f"{parent}, blocking {blocked}.",
            subject.table.name,
            cause.columns,
            found,
            headers,
            _rows(rows),
            sql,
            total_sql,
        )

    return _measured(
        db, count, sample.limit(SAMPLE_ROWS), build, _slow(subject, "orphans", "the orphan rows")
    )


def _foreign_key_check(db: Database) -> Diagnostic:
    """SQLite said FOREIGN KEY constraint failed without naming a table: its own check lists
    every orphan of the database."""
    check = func.pragma_foreign_key_check().table_valued(
        column("table"), column("rowid"), column("parent"), column("fkid")
    )
    count = select(func.count()).select_from(check)
    sample = select(check.c.table, check.c.rowid, check.c.parent, check.c.fkid).limit(SAMPLE_ROWS)
    total_sql, totals = run_built(db, count)
    sql, rows = run_built(db, sample)
    found = int(totals[0][0])
    return Diagnostic(
        "orphans",
        f"{_plural(found, 'row')} of the database point to no row of their parent table "
        "(SQLite's foreign_key_check).",
        None,
        (),
        found,
        ("table", "rowid", "parent", "fkid"),
        _rows(rows),
        sql,
        total_sql,
    )


# -- CHECK violators ----------------------------------------------------------------------------
def check_fails(subject: Subject) -> ColumnElement[bool]:
    """Rows for which the CHECK is false; rows where it is NULL pass a CHECK."""
    # The CHECK's condition is SQL text from the migration (or the catalog): literal_column
    # keeps it verbatim and in parentheses (text() would read a `:word` in it as a parameter).
    return not_(literal_column(f"({subject.cause.expression})"))


def check_columns(subject: Subject) -> tuple[str, ...]:
    """The table's columns that the CHECK's text names, in the order it names them."""
    text = (subject.cause.expression or "").lower()
    found: dict[str, int] = {}
    for name in subject.table.column_names:
        match = re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text)
        if match:
            found[name] = match.start()
    return tuple(sorted(found, key=found.__getitem__)) or subject.table.column_names


def _check(db: Database, subject: Subject) -> Diagnostic:
    fails = check_fails(subject)
    columns = tuple(c for c in check_columns(subject) if c not in subject.key.columns)
    shown = [*subject.key_columns(), *[subject.clause.c[c] for c in columns]]
    count = select(func.count()).select_from(subject.clause).where(fails)
    sample = select(*shown).where(fails).order_by(*subject.order()).limit(SAMPLE_ROWS)
    expression = " ".join((subject.cause.expression or "").split())

    def build(totals: Row, rows: list[Row], sql: str, total_sql: str) -> Diagnostic:
        found = int(totals[0])
        name = (
            f" (`{subject.cause.index_or_constraint}`)" if subject.cause.index_or_constraint else ""
        )
        return Diagnostic(
            "check",
            f"{_plural(found, 'row')} of `{subject.table.name}` "
            f"{'violates' if found == 1 else 'violate'} CHECK {expression}{name}.",
            subject.table.name,
            columns,
            found,
            (*subject.key.columns, *columns),
            _rows(rows),
            sql,
            total_sql,
        )

    return _measured(db, count, sample, build, _slow(subject, "check", "the violating rows"))


# -- values too long for a narrower type --------------------------------------------------------
_LENGTH_TYPE = re.compile(
    r"^\s*(?:character varying|varchar|character|char|nvarchar|nchar)\s*\(\s*(?P<n>\d+)\s*\)",
    re.I,
)


def length_limit(subject: Subject) -> int | None:
    """The new type's length, when the change narrows a string column."""
    match = _LENGTH_TYPE.match(subject.cause.target_type or "")
    return int(match["n"]) if match and len(subject.cause.columns) == 1 else None


def length_of(subject: Subject, dialect: str) -> ColumnElement[Any]:
    column = subject.clause.c[subject.cause.columns[0]]
    # Characters, not bytes: CHAR_LENGTH on the servers; SQLite's length() counts characters.
    return getattr(func, dialect_for(dialect).char_length_function)(column)  # type: ignore[no-any-return]


def _too_long(db: Database, subject: Subject) -> Diagnostic | None:
    limit = length_limit(subject)
    if limit is None:
        return None
    length = length_of(subject, db.dialect.name)
    column = subject.cause.columns[0]
    count = select(func.count()).select_from(subject.clause).where(length > limit)
    shown = [*subject.key_columns(), subject.clause.c[column], length.label("length")]
    sample = select(*shown).where(length > limit).order_by(*subject.order()).limit(SAMPLE_ROWS)

    def build(totals: Row, rows: list[Row], sql: str, total_sql: str) -> Diagnostic:
        found = int(totals[0])
        return Diagnostic(
            "too-long",
            f"{_plural(found, 'value')} of `{subject.table.name}.{column}` "
            f"{'is' if found == 1 else 'are'} longer than the {limit} characters of "
            f"{subject.cause.target_type}.",
            subject.table.name,
            (column,),
            found,
            (*subject.key.columns, column, "length"),
            _rows(rows),
            sql,
            total_sql,
        )

    return _measured(db, count, sample, build, _slow(subject, "too-long", "the long values"))


_BY_KIND: dict[str, Callable[[Database, Subject], Diagnostic | None]] = {
    "duplicates": _duplicates,
    "nulls": _nulls,
    "orphans": _orphans,
    "check": _check,
    "type": _too_long,
}


# -- locks --------------------------------------------------------------------------------------
def lock_diagnostics(db: Database, table: str | None) -> list[Diagnostic]:
    """Who holds or waits for locks now: on the table where the server can tell, else the open
    transactions of the database (any of them may hold it); the dialect's own queries
    (dialects/postgresql_locks.py, dialects/mysql_locks.py). SQLite cannot say who holds its
    lock."""
    return db.dialect.lock_diagnostics(db, table)
