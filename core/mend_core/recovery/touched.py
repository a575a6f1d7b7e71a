"""Which tables a statement of the failed migration touched, so that the shadow's state after
it is read by inspecting those tables again, not the whole schema (issue 16 §6: a whole
inspection after each statement made the analysis grow with statements x tables).

SQLite keeps each table's and index's CREATE statement in sqlite_master, rewritten by every
ALTER: the rows that differ from those read before the statement name the tables it touched,
whatever it was. PostgreSQL's catalog has no such cheap view: the statement's own text names its
table for the shapes that touch no other (CREATE TABLE, ALTER TABLE, CREATE INDEX, DROP TABLE);
any other statement, or one that may reach further (CASCADE, partitions, inheritance, another
schema), has the whole schema inspected, as does every statement on MySQL.

Besides the tables named, those whose foreign keys refer to one of them are read again: what a
foreign key says of its referenced table (its columns, its primary key) can change with it.
Every object that is not a table (views, enums, sequences, triggers, extensions) is read whole
each time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache

from mend_core.db import Database
from mend_core.recovery.objects import ObjectKey, delta_keys
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema, Table
from mend_core.statements import Statement

Sharing = Callable[[Schema, Schema], Schema]  # reuses the unchanged table objects


class TouchedTables:
    """The state after each statement, from the tables it touched where that is known."""

    @staticmethod
    def of(shadow: Database, before: Schema) -> TouchedTables:
        if shadow.dialect.name == "sqlite":
            return _SqliteCatalog(shadow, before)
        if shadow.dialect.name == "postgresql":
            return _PostgresText(shadow, before)
        if shadow.dialect.name == "mysql":
            return _MysqlText(shadow, before)
        return TouchedTables(shadow, before)

    def __init__(self, shadow: Database, before: Schema) -> None:
        self.shadow = shadow
        # The tables whose foreign keys name each table, and the tables of each name (both
        # keyed in lower case: a name may reach a table whose case differs, as on MySQL).
        self.referrers: dict[str, set[str]] = {}
        self.names: dict[str, set[str]] = {}
        self._refer(before.tables, add=True)

    def touched(self, statement: Statement) -> set[str] | None:
        """The tables the statement that just ran touched; None: not known."""
        return None

    def state_after(
        self, current: Schema, statement: Statement, shared: Sharing
    ) -> tuple[Schema, set[ObjectKey]]:
        """The state after `statement` (which just ran on the shadow), and the objects it
        changed, from `current`, the state before it."""
        touched = self.touched(statement)
        read = None if touched is None else self.read_again(current, touched, shared)
        if read is None:
            return self._whole(current, shared)
        after, olds, news = read
        # The other tables are the same objects in both states: only these can differ.
        return after, delta_keys(replace(current, tables=olds), replace(after, tables=news))

    def read_again(
        self, current: Schema, touched: set[str], shared: Sharing
    ) -> tuple[Schema, tuple[Table, ...], tuple[Table, ...]] | None:
        """`current` with the tables `touched` inspected again, and those of the same name in
        another case or whose foreign keys refer to one of them: the new state, and those
        tables as they were and as they are. None: the inspection found a table under another
        name (case) than asked; the whole schema must be read."""
        again = set(touched)
        for name in touched:
            again |= self.names.get(name.lower(), set())
            again |= self.referrers.get(name.lower(), set())
        known = {t.name: t for t in current.tables if t.name not in again}
        partial = shared(current, inspect_database(self.shadow, again, known))
        if any(t.name not in again for t in partial.tables):  # another case than the text's
            return None
        tables = dict(known)
        tables.update((t.name, t) for t in partial.tables)
        after = replace(partial, tables=tuple(tables[name] for name in sorted(tables)))
        names = sorted(again)
        olds = tuple(t for n in names if (t := current.table(n)) is not None)
        news = tuple(t for n in names if (t := partial.table(n)) is not None)
        self._refer(olds, add=False)
        self._refer(news, add=True)
        return after, olds, news

    def _whole(self, current: Schema, shared: Sharing) -> tuple[Schema, set[ObjectKey]]:
        """The whole schema inspected again."""
        after = shared(current, inspect_database(self.shadow))
        self._refer(current.tables, add=False)
        self._refer(after.tables, add=True)
        return after, delta_keys(current, after)

    def _refer(self, tables: Iterable[Table], *, add: bool) -> None:
        for table in tables:
            same = self.names.setdefault(table.name.lower(), set())
            if add:
                same.add(table.name)
            else:
                same.discard(table.name)
            for key in table.foreign_keys:
                names = self.referrers.setdefault(key.referenced_table.lower(), set())
                if add:
                    names.add(table.name)
                else:
                    names.discard(table.name)


class _SqliteCatalog(TouchedTables):
    """sqlite_master's rows after each statement against those before it (one query; SQLite
    itself reads them all on each DDL)."""

    def __init__(self, shadow: Database, before: Schema) -> None:
        super().__init__(shadow, before)
        self.rows = self._rows()

    def _rows(self) -> Catalog:
        return sqlite_catalog(self.shadow)

    def touched(self, statement: Statement) -> set[str] | None:
        """The tables whose rows differ (made, dropped, altered, or whose indexes changed)."""
        rows = self._rows()
        changed = _tables_differing(rows, self.rows)
        self.rows = rows
        return changed


Catalog = frozenset[tuple[object, ...]]  # sqlite_master's rows


def sqlite_catalog(db: Database) -> Catalog:
    """Every table's, index's, view's and trigger's CREATE statement (SQLite)."""
    return frozenset(db.query("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def _tables_differing(rows: Catalog, other: Catalog) -> set[str]:
    return {str(row[2]) for row in rows ^ other if row[0] in ("table", "index")}


def inspect_like(db: Database, reference: Schema, catalog: Catalog, shared: Sharing) -> Schema:
    """SQLite: the schema of `db`, read only where its catalog differs from `catalog`, that of
    the database `reference` was inspected from. A table whose CREATE statements (its own, its
    indexes') are the same there is the same table: it is taken from `reference`. The others
    are inspected as between two statements (TouchedTables.read_again)."""
    touched = _tables_differing(sqlite_catalog(db), catalog)
    read = TouchedTables(db, reference).read_again(reference, touched, shared)
    return read[0] if read is not None else shared(reference, inspect_database(db))


_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_NAME = rf"(?P<schema>{_IDENT}\s*\.\s*)?(?P<table>{_IDENT})"


class _PostgresPatterns:
    """The statement shapes PostgreSQL's text is read with. Compiled on first use (`_postgres`),
    not at import: SQLite, whose catalog tells, never needs them."""

    def __init__(self) -> None:
        self.shapes = (
            re.compile(
                rf"CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}\s*\(",
                re.I | re.S,
            ),
            re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}\s", re.I | re.S),
            re.compile(
                rf"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                rf"(?:{_IDENT}\s+)?ON\s+(?:ONLY\s+)?{_NAME}[\s(]",
                re.I | re.S,
            ),
            re.compile(
                rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_NAME}\s*(?:RESTRICT\s*)?;?\s*$", re.I
            ),
        )
        # Words after which a statement may change other tables than the one it names.
        self.further = re.compile(
            r"\b(?:CASCADE|PARTITION|INHERIT|INHERITS|ATTACH|DETACH|LIKE|TABLESPACE|OF)\b", re.I
        )
        # A rule, not a reach.
        self.referential = re.compile(r"\bON\s+(?:DELETE|UPDATE)\s+CASCADE\b", re.I)
        self.renamed = re.compile(rf"\bRENAME\s+TO\s+(?P<table>{_IDENT})\s*;?\s*$", re.I)


@cache
def _postgres() -> _PostgresPatterns:
    return _PostgresPatterns()


def _unquoted(name: str) -> str:
    """An identifier as PostgreSQL stores it: a quoted one as written, else lower case."""
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


class _PostgresText(TouchedTables):
    """The table the statement's text names, for the shapes that touch no other."""

    def touched(self, statement: Statement) -> set[str] | None:
        code = statement.code
        patterns = _postgres()
        if patterns.further.search(patterns.referential.sub("", code)):
            return None
        for shape in patterns.shapes:
            found = shape.match(code)
            if found is None:
                continue
            schema = found.group("schema")
            here = self.shadow.target.schema or "public"
            if schema is not None and _unquoted(schema.rstrip(" \t\n.")) != here:
                return None
            tables = {_unquoted(found.group("table"))}
            renamed = patterns.renamed.search(code)
            if renamed is not None:
                tables.add(_unquoted(renamed.group("table")))
            elif re.search(r"\bRENAME\s+TO\b", code, re.I):
                return None
            return tables
        return None


_MY_IDENT = r"(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
_MY_NAME = rf"(?P<schema>{_MY_IDENT}\s*\.\s*)?(?P<table>{_MY_IDENT})"


class _MysqlPatterns:
    """The statement shapes MySQL's text is read with, compiled on first use (`_mysql`)."""

    def __init__(self) -> None:
        self.shapes = (
            re.compile(
                rf"CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_MY_NAME}\s*\(",
                re.I | re.S,
            ),
            re.compile(rf"ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+{_MY_NAME}\s", re.I | re.S),
            re.compile(
                rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+"
                rf"(?:IF\s+NOT\s+EXISTS\s+)?{_MY_IDENT}\s+(?:USING\s+\w+\s+)?ON\s+{_MY_NAME}[\s(]",
                re.I | re.S,
            ),
            re.compile(rf"DROP\s+INDEX\s+{_MY_IDENT}\s+ON\s+{_MY_NAME}\s*;?\s*$", re.I),
            re.compile(
                rf"DROP\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?{_MY_NAME}\s*;?\s*$", re.I
            ),
        )
        self.inside = re.compile(r"\bRENAME\s+(?:COLUMN|INDEX|KEY)\b", re.I)
        # Words after which a MySQL statement may change other tables than the one it names.
        self.further = re.compile(r"\b(?:PARTITION|LIKE|SELECT|EXCHANGE)\b", re.I)
        self.renamed = re.compile(
            rf"\bRENAME\s+(?:TO\s+|AS\s+)?(?P<table>{_MY_IDENT})\s*;?\s*$", re.I
        )


@cache
def _mysql() -> _MysqlPatterns:
    return _MysqlPatterns()


class _MysqlText(TouchedTables):
    """The table the statement's text names, for the shapes that touch no other."""

    def touched(self, statement: Statement) -> set[str] | None:
        code = statement.code
        patterns = _mysql()
        if patterns.further.search(code):
            return None
        for shape in patterns.shapes:
            found = shape.match(code)
            if found is None:
                continue
            if found.group("schema") is not None:
                return None
            tables = {_backquoted(found.group("table"))}
            # Renaming a column or an index stays in the table; renaming the table names
            # another one too.
            rest = patterns.inside.sub("", code)
            if re.search(r"\bRENAME\b", rest, re.I):
                renamed = patterns.renamed.search(rest)
                if renamed is None:
                    return None
                tables.add(_backquoted(renamed.group("table")))
            return tables
        return None


def _backquoted(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name
