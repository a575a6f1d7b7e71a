"""Why a migration failed, as a kind of cause and the objects it concerns.

The database's error code says why (a duplicate key, a NULL, a lock wait...); the schema changes
the failing statement makes say on what (the unique index being built, the column made NOT
NULL...). The message fills in what neither gives (the key the database named, SQLite's
`table.column`), and stands in for the code when there is none (a log without one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from mend_core.dialects import SqlDialect, dialect_for
from mend_core.dialects.failures import ErrorClues, FailureKind, LazyPattern
from mend_core.history.failure import FailureRecord
from mend_core.records import record
from mend_core.schema.changes import (
    Change,
    CheckAdded,
    ColumnAdded,
    ColumnAltered,
    ForeignKeyAdded,
    IndexCreated,
    PrimaryKeyChanged,
    TableCreated,
    TableDropped,
    UniqueAdded,
)

# The kinds of cause, as the database families name them (dialects/failures.py).
CauseKind = FailureKind

# Causes in the rows: rolling forward needs a data fix first.
DATA_KINDS: frozenset[str] = frozenset({"duplicates", "nulls", "orphans", "check", "type"})


@record
class FailureCause:
    """What made the failing statement fail, and the table and columns it concerns."""

    kind: CauseKind
    table: str | None = None
    columns: tuple[str, ...] = ()  # or an index's expressions, as `Index` spells them
    index_or_constraint: str | None = None
    referenced_table: str | None = None  # orphans
    referenced_columns: tuple[str, ...] = ()  # orphans
    expression: str | None = None  # check: the CHECK's condition, as SQL text
    predicate: str | None = None  # duplicates: a partial unique index's WHERE, as SQL text
    expression_columns: tuple[str, ...] = ()  # the `columns` that are index expressions
    target_type: str | None = None  # type: the column's new type
    column_added: bool = False  # nulls: the NOT NULL column is being added (it has no values)
    key_values: str | None = None  # the key the database named, as it wrote it
    error_code: str | None = None
    message: str = ""  # the first line of the database's message

    @property
    def data_caused(self) -> bool:
        return self.kind in DATA_KINDS

    def describe(self) -> str:
        """One line for a person."""
        return _DESCRIBE[self.kind](self)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["data_caused"] = self.data_caused
        data["description"] = self.describe()
        return data


# -- describing ---------------------------------------------------------------------------------
def _where(cause: FailureCause) -> str:
    if cause.table is None:
        return "an unknown table"
    if not cause.columns:
        return f"`{cause.table}`"
    if len(cause.columns) == 1:
        return f"`{cause.table}.{cause.columns[0]}`"
    return f"`{cause.table}` ({', '.join(cause.columns)})"


def _named(cause: FailureCause, noun: str) -> str:
    return f"{noun} `{cause.index_or_constraint}`" if cause.index_or_constraint else f"the {noun}"


def _duplicates(cause: FailureCause) -> str:
    example = f" (e.g. {cause.key_values})" if cause.key_values else ""
    return f"Duplicate values in {_where(cause)}{example} block {_named(cause, 'unique index')}."


def _nulls(cause: FailureCause) -> str:
    if cause.column_added:
        column = cause.columns[0] if cause.columns else "?"
        return (
            f"`{cause.table}` has rows, so the NOT NULL column `{column}` cannot be added "
            "without a default."
        )
    return f"NULL values in {_where(cause)} block making it NOT NULL."


def _orphans(cause: FailureCause) -> str:
    parent = cause.referenced_table or "the referenced table"
    return (
        f"Rows of {_where(cause)} point to no row of `{parent}`, blocking "
        f"{_named(cause, 'foreign key')}."
    )


def _check(cause: FailureCause) -> str:
    what = f"CHECK ({cause.expression.strip()})" if cause.expression else _named(cause, "CHECK")
    return f"Rows of {_where(cause)} violate {what}."


def _type(cause: FailureCause) -> str:
    to = f" {cause.target_type}" if cause.target_type else ""
    return f"Values of {_where(cause)} do not fit the new type{to}."


def _lock(cause: FailureCause) -> str:
    code = f" ({cause.error_code})" if cause.error_code else ""
    return f"The statement gave up waiting for a lock on {_where(cause)}{code}."


def _said(cause: FailureCause, text: str) -> str:
    return f"{text}: {cause.message}" if cause.message else f"{text}."


_DESCRIBE: dict[str, Callable[[FailureCause], str]] = {
    "duplicates": _duplicates,
    "nulls": _nulls,
    "orphans": _orphans,
    "check": _check,
    "type": _type,
    "lock": _lock,
    "syntax": lambda c: _said(c, "The statement is not valid SQL for this database"),
    "missing_object": lambda c: _said(c, "The statement uses an object that does not exist"),
    "exists": lambda c: _said(c, "The statement creates an object that already exists"),
    "other": lambda c: (
        _said(c, "Not a failure mend diagnoses")
        if c.message
        else "The run left no error to go by (the process was killed or its connection lost)."
    ),
}


# -- the changes --------------------------------------------------------------------------------
def _tightened(change: ColumnAltered) -> bool:
    return change.before.nullable and not change.after.nullable


def _needs_values(change: ColumnAdded) -> bool:
    """A NOT NULL column added with nothing to fill the existing rows with."""
    column = change.column
    return not (
        column.nullable
        or column.default is not None
        or column.generated
        or column.autoincrement
        or column.identity
    )


def _candidates(kind: CauseKind, changes: Sequence[Change]) -> list[FailureCause]:
    """The causes of this kind that the statement's changes could have met."""
    found: list[FailureCause] = []
    for change in changes:
        cause = _cause_of_change(kind, change)
        if cause is not None:
            found.append(cause)
    return found


def _cause_of_change(kind: CauseKind, change: Change) -> FailureCause | None:
    if kind == "duplicates":
        return _unique_cause(change)
    if kind == "nulls":
        return _null_cause(change)
    if kind == "orphans" and isinstance(change, ForeignKeyAdded):
        key = change.foreign_key
        return FailureCause(
            "orphans",
            change.table,
            key.columns,
            key.name,
            referenced_table=key.referenced_table,
            referenced_columns=key.referenced_columns,
        )
    if kind == "check" and isinstance(change, CheckAdded):
        check = change.check
        return FailureCause("check", change.table, (), check.name, expression=check.expression)
    if (
        kind == "type"
        and isinstance(change, ColumnAltered)
        and change.before.type != change.after.type
    ):
        return FailureCause(
            "type", change.table, (change.after.name,), target_type=change.after.type
        )
    if kind == "lock":
        table = _table_of(change)
        return FailureCause("lock", table) if table else None
    return None


def possible_causes(changes: Sequence[Change]) -> list[FailureCause]:
    """Every way the data could make these changes fail (a unique index: duplicates; SET NOT
    NULL: NULLs; a foreign key: orphans; a CHECK; a type change), for checks made before
    the statement runs."""
    kinds: tuple[CauseKind, ...] = ("duplicates", "nulls", "orphans", "check", "type")
    return [cause for kind in kinds for cause in _candidates(kind, changes)]


def _unique_cause(change: Change) -> FailureCause | None:
    if isinstance(change, IndexCreated) and change.index.unique:
        index = change.index
        return FailureCause(
            "duplicates",
            change.table,
            index.column_names,
            index.name,
            predicate=index.where,
            expression_columns=tuple(c.expression for c in index.columns if c.is_expression),
        )
    if isinstance(change, UniqueAdded):
        return FailureCause("duplicates", change.table, change.unique.columns, change.unique.name)
    if isinstance(change, PrimaryKeyChanged) and change.after is not None:
        key = change.after
        return FailureCause("duplicates", change.table, key.columns, key.name)
    return None


def _null_cause(change: Change) -> FailureCause | None:
    if isinstance(change, ColumnAltered) and _tightened(change):
        return FailureCause("nulls", change.table, (change.after.name,))
    if isinstance(change, ColumnAdded) and _needs_values(change):
        return FailureCause("nulls", change.table, (change.column.name,), column_added=True)
    if isinstance(change, PrimaryKeyChanged) and change.after is not None:
        # A primary key makes its columns NOT NULL.
        return FailureCause("nulls", change.table, change.after.columns, change.after.name)
    return None


def _table_of(change: Change) -> str | None:
    if isinstance(change, TableCreated | TableDropped):
        return change.table.name
    table = getattr(change, "table", None)
    return table if isinstance(table, str) else None


def _refine(
    kind: CauseKind | None, code: str | None, family: SqlDialect, changes: Sequence[Change]
) -> CauseKind | None:
    """A code a family gives NULLs met by making a column NOT NULL as it gives a value too long
    for a narrower type (MariaDB's 1265, "Data truncated"): the changes tell which."""
    if kind == "type" and code in family.type_codes_also_for_nulls:
        altered = [c for c in changes if isinstance(c, ColumnAltered)]
        if any(_tightened(c) for c in altered) and not any(
            c.before.type != c.after.type for c in altered
        ):
            return "nulls"
    return kind


def _same(a: str | None, b: str | None, dialect: str) -> bool:
    if a is None or b is None:
        return False
    # MySQL compares index and column names case-insensitively.
    return a.lower() == b.lower() if dialect_for(dialect).names_ignore_case else a == b


def _pick(candidates: list[FailureCause], clues: ErrorClues, dialect: str) -> FailureCause | None:
    """The candidate the message names, else the only or first one."""
    if not candidates:
        return None
    for cause in candidates:
        if clues.name and _same(cause.index_or_constraint, clues.name, dialect):
            return cause
    for cause in candidates:
        table_matches = _same(cause.table, clues.table, dialect)
        if table_matches and clues.columns and _same_columns(cause.columns, clues.columns, dialect):
            return cause
    for cause in candidates:
        if _same(cause.table, clues.table, dialect):
            return cause
    return candidates[0]


def _same_columns(a: tuple[str, ...], b: tuple[str, ...], dialect: str) -> bool:
    return len(a) == len(b) and all(_same(x, y, dialect) for x, y in zip(a, b, strict=True))


def _from_clues(kind: CauseKind, clues: ErrorClues) -> FailureCause:
    return FailureCause(
        kind,
        clues.table,
        clues.columns,
        clues.name,
        referenced_table=clues.referenced_table,
        referenced_columns=clues.referenced_columns,
        expression=clues.expression,
        target_type=clues.target_type,
    )


_REDEFINITION = LazyPattern(
    r'\bINSERT\s+INTO\s+"?new_(?P<table>[^"\s(]+)"?.*\bFROM\s+"?(?P=table)"?', re.I | re.S
)


def _redefined_table(clues: ErrorClues, statement: str | None) -> ErrorClues:
    """Prisma's SQLite redefinition copies `T` into `new_T`: the rows at fault live in `T`."""
    if not (clues.table and clues.table.startswith("new_") and statement):
        return clues
    match = _REDEFINITION.search(statement)
    if match and match["table"] == clues.table[len("new_") :]:
        return replace(clues, table=match["table"])
    return clues


# -- classifying --------------------------------------------------------------------------------
def classify_cause(record: FailureRecord, dialect: str, changes: Sequence[Change]) -> FailureCause:
    """The cause of a failure: the code (else the message) says why, the changes say on what."""
    message = record.message or ""
    family = dialect_for(dialect)
    kind = family.failure_kind(record.error_code, message)
    kind = _refine(kind, record.error_code, family, changes)
    base = FailureCause("other", error_code=record.error_code, message=record.first_message_line())
    if kind is None or record.process_died:
        table = next((t for t in map(_table_of, changes) if t), None)
        return replace(base, table=table)
    clues = _redefined_table(family.error_clues(message, record.detail), record.statement_sql)
    chosen = _pick(_candidates(kind, changes), clues, dialect) or _from_clues(kind, clues)
    return replace(
        chosen,
        error_code=base.error_code,
        message=base.message,
        key_values=clues.values,
        expression=chosen.expression or clues.expression,
    )
