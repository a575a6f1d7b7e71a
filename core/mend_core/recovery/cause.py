"""Why a migration failed, as a kind of cause and the objects it concerns.

The database's error code says why (a duplicate key, a NULL, a lock wait...); the schema changes
the failing statement makes say on what (the unique index being built, the column made NOT
NULL...). The message fills in what neither gives (the key the database named, SQLite's
`table.column`), and stands in for the code when there is none (a log without one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from mend_core.dialects import dialect_for
from mend_core.history.failure import FailureRecord
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

CauseKind = Literal[
    "duplicates",
    "nulls",
    "orphans",
    "check",
    "type",
    "lock",
    "syntax",
    "missing_object",
    "exists",
    "other",
]

# Causes in the rows: rolling forward needs a data fix first.
DATA_KINDS: frozenset[str] = frozenset({"duplicates", "nulls", "orphans", "check", "type"})


@dataclass(frozen=True)
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


# -- the error code -----------------------------------------------------------------------------
_POSTGRES_CODES: dict[str, CauseKind] = {
    "23505": "duplicates",
    "23502": "nulls",
    "23503": "orphans",
    "23514": "check",
    "55P03": "lock",
    "57014": "lock",
    "40P01": "lock",
    "42601": "syntax",
    "42P01": "missing_object",
    "42703": "missing_object",
    "42704": "missing_object",
    "42883": "missing_object",
    "3F000": "missing_object",
    "42P07": "exists",
    "42701": "exists",
    "42710": "exists",
    "42P06": "exists",
    "42723": "exists",
}

_MYSQL_CODES: dict[str, CauseKind] = {
    "1062": "duplicates",
    "1586": "duplicates",
    "1169": "duplicates",
    "1138": "nulls",
    "1048": "nulls",
    "1263": "nulls",
    "1452": "orphans",
    "1216": "orphans",
    "3819": "check",  # MySQL
    "4025": "check",  # MariaDB
    "1265": "type",  # also MariaDB's word for NULLs in a column made NOT NULL: see _refine
    "1264": "type",
    "1406": "type",
    "1366": "type",
    "1292": "type",
    "1205": "lock",
    "1213": "lock",
    "1969": "lock",  # MariaDB max_statement_time
    "3024": "lock",  # MySQL max_execution_time
    "1064": "syntax",
    "1146": "missing_object",
    "1054": "missing_object",
    "1091": "missing_object",
    "1176": "missing_object",
    "1050": "exists",
    "1060": "exists",
    "1061": "exists",
    "1826": "exists",
}

# SQLite's extended result codes, as numbers (mend) and names (Prisma's logs).
_SQLITE_CODES: dict[str, CauseKind] = {
    "2067": "duplicates",
    "1555": "duplicates",
    "1299": "nulls",
    "787": "orphans",
    "275": "check",
    "3091": "type",
    "20": "type",
    "5": "lock",
    "6": "lock",
    "261": "lock",
    "517": "lock",
    "773": "lock",
    "SQLITE_CONSTRAINT_UNIQUE": "duplicates",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "duplicates",
    "SQLITE_CONSTRAINT_NOTNULL": "nulls",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "orphans",
    "SQLITE_CONSTRAINT_CHECK": "check",
    "SQLITE_CONSTRAINT_DATATYPE": "type",
    "SQLITE_MISMATCH": "type",
    "SQLITE_BUSY": "lock",
    "SQLITE_LOCKED": "lock",
    "SQLITE_BUSY_TIMEOUT": "lock",
    "SQLITE_BUSY_SNAPSHOT": "lock",
}

_CODES = {"postgresql": _POSTGRES_CODES, "mysql": _MYSQL_CODES, "sqlite": _SQLITE_CODES}


# Codes that say too little: the message decides (SQLite's SQLITE_ERROR and SQLITE_CONSTRAINT).
_GENERIC_CODES = frozenset({"1", "19", "SQLITE_ERROR", "SQLITE_CONSTRAINT"})


def _kind(dialect: str, code: str | None, message: str) -> CauseKind | None:
    """From the code; from the message only when there is no code or a generic one (a specific
    code mend does not map is not a data cause, whatever its message mentions)."""
    if not code or code in _GENERIC_CODES:
        return _kind_from_message(message)
    kind = _CODES.get(dialect, {}).get(code)
    if kind is None and dialect_for(dialect).reports_sqlstate and code.startswith("22"):
        return "type"  # SQLSTATE class 22, data exception: a value does not fit
    return kind


class _Pattern:
    """A pattern compiled on first use: a failure needs only its own dialect's clue patterns,
    most need none (the data did not cause them), and compiling all of them at import cost
    `mend inspect` start-up time."""

    __slots__ = ("_compiled", "_source")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self._get().search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self._get().match(text)


# -- the message --------------------------------------------------------------------------------
def _any_of(*phrases: str) -> _Pattern:
    return _Pattern("|".join(phrases), re.I)


_MESSAGE_KINDS: tuple[tuple[_Pattern, CauseKind], ...] = (
    (
        _any_of(
            "could not create unique index",
            "violates unique constraint",
            "is duplicated",
            "Duplicate entry",
            "UNIQUE constraint failed",
        ),
        "duplicates",
    ),
    (
        _any_of(
            "contains null values",
            "violates not-null constraint",
            "Invalid use of NULL",
            "cannot be null",
            "NOT NULL constraint failed",
            "NOT NULL column with default value NULL",
        ),
        "nulls",
    ),
    (_any_of("violates foreign key constraint", "FOREIGN KEY constraint failed"), "orphans"),
    (
        _any_of("foreign key constraint fails"),  # MySQL's 1452 text
        "orphans",
    ),
    (_any_of("check constraint", "CONSTRAINT `.*` failed for"), "check"),
    (
        _any_of(
            "value too long",
            "out of range",
            "invalid input syntax",
            "Data too long",
            r"Incorrect \w+ value",
        ),
        "type",
    ),
    (
        _any_of(
            "lock timeout",
            "Lock wait timeout",
            "deadlock",
            "database (?:table )?is locked",
            "due to statement timeout",
            "max_statement_time",
        ),
        "lock",
    ),
    (_any_of("syntax error", "error in your SQL syntax", "incomplete input"), "syntax"),
    (
        _any_of("does not exist", "doesn't exist", "no such ", "Unknown column", "Can't DROP"),
        "missing_object",
    ),
    (_any_of("already exists", "Duplicate column name", "Duplicate key name"), "exists"),
)


def _kind_from_message(message: str) -> CauseKind | None:
    for pattern, kind in _MESSAGE_KINDS:
        if pattern.search(message):
            return kind
    return None


@dataclass(frozen=True)
class _Clues:
    """What the database's message and DETAIL name."""

    table: str | None = None
    columns: tuple[str, ...] = ()
    name: str | None = None
    values: str | None = None
    referenced_table: str | None = None
    referenced_columns: tuple[str, ...] = ()
    expression: str | None = None
    target_type: str | None = None


_PG_KEY = _Pattern(r"^Key \((?P<columns>.*)\)=\((?P<values>.*)\) (?:is duplicated|already exists)")
_PG_MISSING_KEY = _Pattern(
    r'^Key \((?P<columns>.*)\)=\((?P<values>.*)\) is not present in table "(?P<parent>.*)"\.'
)
_PG_PATTERNS = (
    _Pattern(r'could not create unique index "(?P<name>.*)"$', re.M),
    _Pattern(r'violates unique constraint "(?P<name>.*)"$', re.M),
    _Pattern(r'column "(?P<column>.*)" of relation "(?P<table>.*)" contains null values', re.M),
    _Pattern(r'null value in column "(?P<column>.*)" of relation "(?P<table>.*)" violates', re.M),
    _Pattern(
        r'insert or update on table "(?P<table>.*)" violates foreign key '
        r'constraint "(?P<name>.*)"$',
        re.M,
    ),
    _Pattern(r'check constraint "(?P<name>.*)" of relation "(?P<table>.*)" is violated', re.M),
    _Pattern(
        r'new row for relation "(?P<table>.*)" violates check constraint "(?P<name>.*)"$', re.M
    ),
    _Pattern(r"value too long for type (?P<type>.*)$", re.M),
)
_MY_IDENT = r"`(?:[^`]|``)*`"
_MY_PATTERNS = (
    _Pattern(r"Duplicate entry '(?P<values>.*)' for key '(?P<name>[^']*)'"),
    _Pattern(r"(?:Data truncated|Data too long|Out of range value) for column '(?P<column>[^']*)'"),
    _Pattern(r"Column '(?P<column>[^']*)' cannot be null"),
    _Pattern(
        r"CONSTRAINT (?P<name>"
        + _MY_IDENT
        + r") failed for "
        + _MY_IDENT
        + r"\.(?P<table>"
        + _MY_IDENT
        + ")"
    ),
    _Pattern(r"Check constraint '(?P<name>[^']*)' is violated"),
)
_MY_FOREIGN_KEY = _Pattern(
    r"fails \("
    + _MY_IDENT
    + r"\.(?P<table>"
    + _MY_IDENT
    + r"), CONSTRAINT (?P<name>"
    + _MY_IDENT
    + r") FOREIGN KEY \((?P<columns>[^)]*)\) REFERENCES (?P<parent>"
    + _MY_IDENT
    + r") \((?P<parent_columns>[^)]*)\)"
)
_SQLITE_COLUMNS = _Pattern(r"(?:UNIQUE|NOT NULL) constraint failed: (?P<list>.*)$", re.M)
_SQLITE_INDEX = _Pattern(r"UNIQUE constraint failed: index '(?P<name>.*)'$", re.M)
_SQLITE_CHECK = _Pattern(r"CHECK constraint failed: (?P<check>.*)$", re.M)


def _clues(dialect: str, message: str, detail: str | None) -> _Clues:
    if dialect == "postgresql":
        return _postgres_clues(message, detail)
    if dialect == "mysql":
        return _mysql_clues(message)
    return _sqlite_clues(message)


def _groups(patterns: Sequence[_Pattern], text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            found.update({k: v for k, v in match.groupdict().items() if v is not None})
    return found


def _postgres_clues(message: str, detail: str | None) -> _Clues:
    found = _groups(_PG_PATTERNS, message)
    clues = _Clues(
        table=found.get("table"),
        columns=(found["column"],) if "column" in found else (),
        name=found.get("name"),
        target_type=found.get("type"),
    )
    detail = detail or ""
    key = _PG_KEY.match(detail)
    if key:
        return replace(clues, columns=_pg_identifiers(key["columns"]), values=key["values"])
    missing = _PG_MISSING_KEY.match(detail)
    if missing:
        return replace(
            clues,
            columns=_pg_identifiers(missing["columns"]),
            values=missing["values"],
            referenced_table=missing["parent"],
        )
    return clues


def _pg_identifiers(text: str) -> tuple[str, ...]:
    """`a, "B c"` -> ('a', 'B c'): the column list of a DETAIL `Key (...)`."""
    names: list[str] = []
    for match in re.finditer(r'\s*(?:"((?:[^"]|"")*)"|([^,]+))\s*(?:,|$)', text):
        quoted, bare = match.groups()
        names.append(quoted.replace('""', '"') if quoted is not None else bare.strip())
    return tuple(n for n in names if n)


def _my_unquote(identifier: str) -> str:
    return identifier[1:-1].replace("``", "`") if identifier.startswith("`") else identifier


def _mysql_clues(message: str) -> _Clues:
    found = {k: _my_unquote(v) for k, v in _groups(_MY_PATTERNS, message).items()}
    name = found.get("name")
    table = found.get("table")
    if name and "." in name and found.get("values") is not None:
        table, name = name.split(".", 1)  # MySQL 8 writes the key as `Table.key`
    clues = _Clues(
        table=table,
        columns=(found["column"],) if "column" in found else (),
        name=name,
        values=f"'{found['values']}'" if "values" in found else None,
    )
    foreign = _MY_FOREIGN_KEY.search(message)
    if foreign:
        child = _my_unquote(foreign["table"])
        clues = _Clues(
            # ALTER TABLE checks a copy named `#sql-...`: the real table is not named.
            table=None if child.startswith("#sql") else child,
            columns=_my_identifiers(foreign["columns"]),
            name=_my_unquote(foreign["name"]),
            referenced_table=_my_unquote(foreign["parent"]),
            referenced_columns=_my_identifiers(foreign["parent_columns"]),
        )
    return clues


def _my_identifiers(text: str) -> tuple[str, ...]:
    return tuple(_my_unquote(m) for m in re.findall(_MY_IDENT, text))


def _sqlite_clues(message: str) -> _Clues:
    index = _SQLITE_INDEX.search(message)
    if index:
        return _Clues(name=index["name"])
    columns = _SQLITE_COLUMNS.search(message)
    if columns:
        pairs = [item.split(".", 1) for item in columns["list"].split(", ") if "." in item]
        tables = {table for table, _ in pairs}
        table = tables.pop() if len(tables) == 1 else None
        return _Clues(table=table, columns=tuple(column for _, column in pairs))
    check = _SQLITE_CHECK.search(message)
    if check:
        # SQLite names the constraint when it has a name, else writes its expression.
        text = check["check"].strip()
        return _Clues(name=text) if re.fullmatch(r"\w+", text) else _Clues(expression=text)
    return _Clues()


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
    kind: CauseKind | None, code: str | None, changes: Sequence[Change]
) -> CauseKind | None:
    """MariaDB reports NULLs met by MODIFY ... NOT NULL as 1265 "Data truncated", as it does a
    value too long for a narrower type: the changes tell which."""
    if kind == "type" and code == "1265":
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


def _pick(candidates: list[FailureCause], clues: _Clues, dialect: str) -> FailureCause | None:
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


def _from_clues(kind: CauseKind, clues: _Clues) -> FailureCause:
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


_REDEFINITION = _Pattern(
    r'\bINSERT\s+INTO\s+"?new_(?P<table>[^"\s(]+)"?.*\bFROM\s+"?(?P=table)"?', re.I | re.S
)


def _redefined_table(clues: _Clues, statement: str | None) -> _Clues:
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
    kind = _kind(dialect, record.error_code, message)
    kind = _refine(kind, record.error_code, changes)
    base = FailureCause("other", error_code=record.error_code, message=record.first_message_line())
    if kind is None or record.process_died:
        table = next((t for t in map(_table_of, changes) if t), None)
        return replace(base, table=table)
    clues = _redefined_table(_clues(dialect, message, record.detail), record.statement_sql)
    chosen = _pick(_candidates(kind, changes), clues, dialect) or _from_clues(kind, clues)
    return replace(
        chosen,
        error_code=base.error_code,
        message=base.message,
        key_values=clues.values,
        expression=chosen.expression or clues.expression,
    )
