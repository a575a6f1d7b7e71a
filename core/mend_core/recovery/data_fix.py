"""Generated data fixes for a failure the data caused: SQL templates an operator reviews.

Each template is built with SQLAlchemy Core and written with its values in, one statement or a
few, each ending in `;`, under a comment header that says what it does and how many rows it
touches now. A template that cannot be run as it is (a value only the operator knows) says so,
and its placeholder is a syntax error on every dialect, so that it never runs unedited.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import (
    String,
    and_,
    cast,
    delete,
    exists,
    func,
    literal_column,
    not_,
    null,
    select,
    tuple_,
    type_coerce,
    update,
)

from mend_core.database.session import Database
from mend_core.database.sql_builder import table_of
from mend_core.errors import M7001, MendError
from mend_core.output.sql_text import comment
from mend_core.recovery.cause import FailureCause
from mend_core.recovery.diagnostics import (
    Subject,
    TimedOut,
    check_columns,
    check_fails,
    describe_columns,
    length_limit,
    length_of,
    names,
    null_rows,
    orphan_join,
    present_keys,
    run_limited,
    shown_sql,
    subject_of,
)
from mend_core.schema.model import Schema

if TYPE_CHECKING:
    from sqlalchemy.sql import ClauseElement, ColumnElement, Select

DedupeStrategy = Literal["delete-keep-first", "suffix"]
STRATEGIES: tuple[DedupeStrategy, ...] = ("delete-keep-first", "suffix")

_HAND_WRITTEN = "Write the fix by hand and run it with --data-fix (or `mend execute`)."


@dataclass(frozen=True)
class DataFixTemplate:
    """A data fix to review: its SQL, and what it touches in the database now."""

    name: str
    description: str
    sql: str  # a comment header, then statements ending in `;`
    rows_affected_now: int | None  # None: counting took too long
    needs_editing: bool = False
    placeholders: tuple[str, ...] = ()  # the text to replace before running

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["placeholders"] = list(self.placeholders)
        return data


def _no_fix(message: str, hint: str = _HAND_WRITTEN) -> MendError:
    return MendError(M7001, message, hint)


def _subject(db: Database, cause: FailureCause, schema: Schema | None) -> Subject:
    subject = subject_of(db, cause, schema)
    if subject is None:
        raise _no_fix(
            f"The table at fault is not in the database now ({cause.describe()}), so there are "
            "no rows to fix: the rows that blocked the migration came from the migration itself."
        )
    return subject


# -- SQL text -----------------------------------------------------------------------------------
def _count(db: Database, statement: Select[Any]) -> int | None:
    try:
        return int(run_limited(db, statement)[1][0][0])
    except TimedOut:
        return None


def _touches(rows: int | None, verb: str) -> str:
    if rows is None:
        return f"-- {verb.capitalize()} an unknown number of rows now (counting took too long)."
    return f"-- {verb.capitalize()} {rows:,} row{'' if rows == 1 else 's'} now."


def _script(dialect: str, header: list[str], statements: list[ClauseElement]) -> str:
    body = [shown_sql(dialect, statement).strip() + ";" for statement in statements]
    return "\n".join(header) + "\n" + "\n".join(body) + "\n"


def _comment(text: str) -> list[str]:
    """SQL comment lines, wrapped to be read in a terminal."""
    # A name's line break or control character would end the comment: shown, not kept.
    return ["-- " + line for line in textwrap.wrap(comment(text), 96, break_on_hyphens=False)]


def _placeholder(column: str) -> str:
    """A value the operator writes in; `<<` starts no expression, so it never runs unedited."""
    return f"<<VALUE FOR {column}>>"


def _template(
    db: Database,
    name: str,
    description: str,
    counted: Select[Any],
    statements: list[ClauseElement],
    verb: str,
    placeholders: tuple[str, ...] = (),
) -> DataFixTemplate:
    rows = _count(db, counted)
    header = [*_comment(f"mend data fix `{name}`: {description}"), _touches(rows, verb)]
    if placeholders:
        header += _comment(f"EDIT before running: replace {', '.join(placeholders)}.")
    sql = _script(db.dialect.name, header, statements)
    return DataFixTemplate(name, description, sql, rows, bool(placeholders), placeholders)


# -- duplicates ---------------------------------------------------------------------------------
def _extra_rows(subject: Subject) -> Select[Any]:
    """The row keys of every row but the first (lowest key) of each duplicate group.

    Wrapped in a derived table: MySQL refuses a subquery on the table an UPDATE or DELETE
    changes, unless it reads a derived table (materialised first)."""
    keys = [subject.column(c) for c in subject.cause.columns]
    labelled = [column.label(f"mend_key_{i}") for i, column in enumerate(subject.key_columns())]
    rank = func.row_number().over(partition_by=keys, order_by=subject.key_columns())
    ranked = (
        select(*labelled, rank.label("mend_rank"))
        .select_from(subject.clause)
        .where(present_keys(subject))
        .subquery("ranked")
    )
    picked = [ranked.c[f"mend_key_{i}"] for i in range(len(labelled))]
    return select(*picked).where(ranked.c.mend_rank > 1)


def _is_extra(subject: Subject) -> ColumnElement[bool]:
    keys = subject.key_columns()
    extra = _extra_rows(subject)
    return keys[0].in_(extra) if len(keys) == 1 else tuple_(*keys).in_(extra)


def _counted_extra(subject: Subject) -> Select[Any]:
    return select(func.count()).select_from(_extra_rows(subject).subquery("extra"))


def _require_key(subject: Subject) -> None:
    if not subject.key.columns:
        raise _no_fix(
            f"`{subject.table.name}` has no primary key and no unique key of NOT NULL columns, "
            "so mend cannot tell its duplicate rows apart to keep one of each (MySQL has no "
            "ctid or rowid).",
            "Write the fix by hand (for example, add an AUTO_INCREMENT column first, or copy "
            "the distinct rows to a new table) and run it with --data-fix.",
        )


def dedupe(
    db: Database,
    cause: FailureCause | None,
    strategy: DedupeStrategy,
    schema: Schema | None = None,
) -> DataFixTemplate:
    """Make the key unique: delete every row but the first of each group, or suffix its value.
    `cause` None (a failure not classified) is M7001 like any cause but duplicates."""
    if cause is None or cause.kind != "duplicates":
        what = cause.describe() if cause else "the failure's cause is not known"
        raise _no_fix(f"Deduplicating applies to duplicate keys only: {what}")
    subject = _subject(db, cause, schema)
    _require_key(subject)
    if strategy == "delete-keep-first":
        return _delete_keep_first(db, subject)
    if strategy == "suffix":
        return _suffix(db, subject)
    raise _no_fix(f"No deduplication strategy `{strategy}`; use one of {', '.join(STRATEGIES)}.")


def _key_words(subject: Subject) -> str:
    names = ", ".join(subject.key.columns)
    return f"the lowest {names}" if subject.key.source != "none" else "the first"


def _delete_keep_first(db: Database, subject: Subject) -> DataFixTemplate:
    where = subject.where()
    description = (
        f"keep the row with {_key_words(subject)} in each group of rows sharing a value of "
        f"{where} and delete the others; rows with a NULL in it are left alone (NULLs never "
        "collide in a unique index)."
    )
    statement = delete(subject.clause).where(_is_extra(subject))
    return _template(
        db, "delete-keep-first", description, _counted_extra(subject), [statement], "deletes"
    )


_TEXT_TYPES = ("char", "text", "clob", "string")


def suffix_column(subject: Subject) -> str | None:
    """The key's first text column, which the suffix strategy appends to."""
    for name in subject.cause.columns:
        column = subject.table.column(name)
        if column is not None and any(t in column.type.lower() for t in _TEXT_TYPES):
            return name
    return None


def _suffix(db: Database, subject: Subject) -> DataFixTemplate:
    target = suffix_column(subject)
    if target is None:
        raise _no_fix(
            f"The suffix strategy appends to a text column, and {subject.where()} has none.",
            "Use delete-keep-first, or write the fix by hand and run it with --data-fix.",
        )
    value: ColumnElement[Any] = type_coerce(subject.clause.c[target], String)
    for key in subject.key_columns():
        # `+` on strings is `||` on PostgreSQL and SQLite, CONCAT() on MySQL.
        value = value + "_" + cast(key, String)
    description = (
        f"append `_<{', '.join(subject.key.columns)}>` to `{target}` in every row but the one "
        f"with {_key_words(subject)} of each group sharing a value of {subject.where()}; rows "
        "with a NULL in it are left alone. Check first that the longer values fit the column "
        "and collide with no existing value."
    )
    statement = update(subject.clause).where(_is_extra(subject)).values({target: value})
    return _template(db, "suffix", description, _counted_extra(subject), [statement], "updates")


def _duplicate_templates(db: Database, subject: Subject) -> list[DataFixTemplate]:
    if not subject.key.columns:
        return []
    found = [_delete_keep_first(db, subject)]
    if suffix_column(subject) is not None:
        found.append(_suffix(db, subject))
    return found


# -- NULLs --------------------------------------------------------------------------------------
def _null_templates(db: Database, subject: Subject) -> list[DataFixTemplate]:
    if subject.cause.column_added:
        return []  # the column does not exist yet: the migration, not the data, must change
    table, columns = subject.table.name, subject.cause.columns
    counted = select(func.count()).select_from(subject.clause).where(null_rows(subject))
    placeholders = tuple(_placeholder(c) for c in columns)
    updates: list[ClauseElement] = [
        update(subject.clause)
        .where(subject.clause.c[c].is_(None))
        .values({c: literal_column(_placeholder(c))})
        for c in columns
    ]
    fill = _template(
        db,
        "set-value",
        f"set the NULLs of {describe_columns(table, columns)} to a value you choose.",
        counted,
        updates,
        "updates",
        placeholders,
    )
    remove = _template(
        db,
        "delete-null-rows",
        f"delete the rows of `{table}` with a NULL in {names(columns)}.",
        counted,
        [delete(subject.clause).where(null_rows(subject))],
        "deletes",
    )
    return [fill, remove]


# -- orphans ------------------------------------------------------------------------------------
def _orphan_condition(db: Database, subject: Subject) -> ColumnElement[bool] | None:
    """Rows of the child table (not aliased: UPDATE and DELETE name it) that are orphans."""
    cause = subject.cause
    if not cause.referenced_table or len(cause.referenced_columns) != len(cause.columns):
        return None
    child = subject.clause
    present = [child.c[c].is_not(None) for c in cause.columns]
    parent_table = table_of(db, cause.referenced_table, cause.referenced_columns)
    if not db.dialect.subquery_on_changed_table and cause.referenced_table == subject.table.name:
        # MySQL refuses a subquery on the table being changed; a derived table is read first.
        parent_keys = (
            select(*[parent_table.c[p] for p in cause.referenced_columns])
            .where(*[parent_table.c[p].is_not(None) for p in cause.referenced_columns])
            .subquery("parent_keys")
        )
        known = select(*parent_keys.c)
        columns = [child.c[c] for c in cause.columns]
        missing = columns[0].not_in(known) if len(columns) == 1 else tuple_(*columns).not_in(known)
        return and_(*present, missing)
    parent = parent_table.alias("parent")
    matches = [
        parent.c[p] == child.c[c]
        for c, p in zip(cause.columns, cause.referenced_columns, strict=True)
    ]
    return and_(*present, not_(exists(select(1).select_from(parent).where(*matches))))


def _orphan_templates(db: Database, subject: Subject) -> list[DataFixTemplate]:
    condition = _orphan_condition(db, subject)
    join = orphan_join(db, subject)
    if condition is None or join is None:
        return []
    cause = subject.cause
    counted = select(func.count()).select_from(join.joined).where(join.orphaned)
    parent = describe_columns(cause.referenced_table or "", cause.referenced_columns)
    again = (
        " Rows that pointed to a deleted row are orphans in turn: run it again until it "
        "deletes nothing."
        if cause.referenced_table == subject.table.name
        else ""
    )
    found = [
        _template(
            db,
            "delete-orphans",
            f"delete the rows of `{subject.table.name}` whose {names(cause.columns)} "
            f"{'matches' if len(cause.columns) == 1 else 'match'} no row of {parent}.{again}",
            counted,
            [delete(subject.clause).where(condition)],
            "deletes",
        )
    ]
    nullable = all(
        (column := subject.table.column(c)) is not None and column.nullable for c in cause.columns
    )
    if nullable:
        unlink = update(subject.clause).where(condition).values({c: null() for c in cause.columns})
        found.append(
            _template(
                db,
                "unlink-orphans",
                f"set {names(cause.columns)} to NULL in the rows of `{subject.table.name}` "
                f"that match no row of {parent} (a NULL key is not checked).",
                counted,
                [unlink],
                "updates",
            )
        )
    return found


# -- CHECK violators ----------------------------------------------------------------------------
def _check_templates(db: Database, subject: Subject) -> list[DataFixTemplate]:
    fails = check_fails(subject)
    counted = select(func.count()).select_from(subject.clause).where(fails)
    expression = " ".join((subject.cause.expression or "").split())
    found = [
        _template(
            db,
            "delete-violators",
            f"delete the rows of `{subject.table.name}` that violate CHECK {expression}.",
            counted,
            [delete(subject.clause).where(fails)],
            "deletes",
        )
    ]
    columns = [c for c in check_columns(subject) if c not in subject.key.columns]
    if columns and len(columns) < len(subject.table.columns):
        target = columns[0]
        change = update(subject.clause).where(fails)
        change = change.values({target: literal_column(_placeholder(target))})
        found.append(
            _template(
                db,
                "update-violators",
                f"set `{target}` to a value that passes CHECK {expression} in the rows of "
                f"`{subject.table.name}` that violate it.",
                counted,
                [change],
                "updates",
                (_placeholder(target),),
            )
        )
    return found


# -- values too long ----------------------------------------------------------------------------
def _type_templates(db: Database, subject: Subject) -> list[DataFixTemplate]:
    limit = length_limit(subject)
    if limit is None:
        return []
    column = subject.cause.columns[0]
    too_long = length_of(subject, db.dialect.name) > limit
    counted = select(func.count()).select_from(subject.clause).where(too_long)
    cut = func.substr(subject.clause.c[column], 1, limit)
    where = f"`{subject.table.name}.{column}`"
    return [
        _template(
            db,
            "truncate-values",
            f"cut the values of {where} longer than {limit} characters to their first {limit}.",
            counted,
            [update(subject.clause).where(too_long).values({column: cut})],
            "updates",
        ),
        _template(
            db,
            "delete-too-long",
            f"delete the rows whose {where} is longer than {limit} characters.",
            counted,
            [delete(subject.clause).where(too_long)],
            "deletes",
        ),
    ]


_BY_KIND: dict[str, Callable[[Database, Subject], list[DataFixTemplate]]] = {
    "duplicates": _duplicate_templates,
    "nulls": _null_templates,
    "orphans": _orphan_templates,
    "check": _check_templates,
    "type": _type_templates,
}


def templates(
    db: Database, cause: FailureCause, schema: Schema | None = None
) -> list[DataFixTemplate]:
    """Every generated data fix that applies to the cause; [] when none does."""
    if not cause.data_caused:
        return []
    subject = subject_of(db, cause, schema)
    if subject is None:
        return []
    return _BY_KIND[subject.cause.kind](db, subject)


def template(
    db: Database, cause: FailureCause, name: str, schema: Schema | None = None
) -> DataFixTemplate:
    """The named template, or M7001 when it does not apply."""
    if name in STRATEGIES and cause.kind == "duplicates":
        return dedupe(db, cause, name, schema)
    found = {t.name: t for t in templates(db, cause, schema)}
    if name not in found:
        offered = ", ".join(found) or "none"
        raise _no_fix(
            f"No generated data fix `{name}` applies to this failure ({cause.describe()}); "
            f"offered: {offered}."
        )
    return found[name]
