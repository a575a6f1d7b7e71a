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

What each family can tell is its dialect's: `keeps_ddl_catalog`, `ddl_catalog`,
`tables_named_by` (dialects/postgresql_ddl_text.py, dialects/mysql_ddl_text.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from mend_core.database.session import Database
from mend_core.database.statements import Statement
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema, Table
from mend_core.schema.objects import ObjectKey, delta_keys

Sharing = Callable[[Schema, Schema], Schema]  # reuses the unchanged table objects


class TouchedTables:
    """The state after each statement, from the tables it touched where that is known."""

    @staticmethod
    def of(shadow: Database, before: Schema) -> TouchedTables:
        if shadow.dialect.keeps_ddl_catalog:
            return _CatalogDiff(shadow, before)
        return _StatementText(shadow, before)

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

    def last_catalog(self) -> Catalog | None:
        """SQLite: the shadow's catalog as the last statement that ran left it (one that
        failed changed nothing: a statement fails whole); None where there is none."""
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


class _CatalogDiff(TouchedTables):
    """sqlite_master's rows after each statement against those before it (one query; SQLite
    itself reads them all on each DDL)."""

    def __init__(self, shadow: Database, before: Schema) -> None:
        super().__init__(shadow, before)
        self.rows = self._rows()

    def _rows(self) -> Catalog:
        return ddl_catalog(self.shadow)

    def touched(self, statement: Statement) -> set[str] | None:
        """The tables whose rows differ (made, dropped, altered, or whose indexes changed)."""
        rows = self._rows()
        changed = _tables_differing(rows, self.rows)
        self.rows = rows
        return changed

    def last_catalog(self) -> Catalog:
        return self.rows


Catalog = frozenset[tuple[object, ...]]  # sqlite_master's rows


def ddl_catalog(db: Database) -> Catalog:
    """Every table's, index's, view's and trigger's CREATE statement (SQLite)."""
    catalog = db.dialect.ddl_catalog(db)
    assert catalog is not None, "asked only of a dialect that keeps_ddl_catalog"
    return catalog


def _tables_differing(rows: Catalog, other: Catalog) -> set[str]:
    return {str(row[2]) for row in rows ^ other if row[0] in ("table", "index")}


def inspect_like(db: Database, reference: Schema, catalog: Catalog, shared: Sharing) -> Schema:
    """SQLite: the schema of `db`, read only where its catalog differs from `catalog`, that of
    the database `reference` was inspected from. A table whose CREATE statements (its own, its
    indexes') are the same there is the same table: it is taken from `reference`. The others
    are inspected as between two statements (TouchedTables.read_again)."""
    touched = _tables_differing(ddl_catalog(db), catalog)
    read = TouchedTables(db, reference).read_again(reference, touched, shared)
    return read[0] if read is not None else shared(reference, inspect_database(db))


class _StatementText(TouchedTables):
    """The tables the statement's text names, where the dialect can tell them."""

    def touched(self, statement: Statement) -> set[str] | None:
        return self.shadow.dialect.tables_named_by(statement.code, self.shadow.target.schema)
