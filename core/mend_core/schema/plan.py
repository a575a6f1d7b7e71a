"""From changes to an ordered, runnable plan: one step per change, each with a one-line
summary, the objects it touches, what data it can lose, and its SQL in the target dialect.

Steps run in phases, as Prisma orders its migrations: foreign keys are dropped first and added
last, tables are created before the columns and indexes that need them, and views are dropped
before the tables they read change and created after. On SQLite, what ALTER TABLE cannot do is
done by redefining the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from mend_core.dialects import dialect_for
from mend_core.schema.changes import (
    TABLE_LEVEL,
    Change,
    CheckAdded,
    CheckDropped,
    ColumnAdded,
    ColumnAltered,
    ColumnDropped,
    EnumChanged,
    EnumCreated,
    EnumDropped,
    ExtensionCreated,
    ExtensionDropped,
    ForeignKeyAdded,
    ForeignKeyDropped,
    IndexCreated,
    IndexDropped,
    PrimaryKeyChanged,
    SequenceAltered,
    SequenceCreated,
    SequenceDropped,
    TableCommentChanged,
    TableCreated,
    TableDropped,
    TriggerCreated,
    TriggerDropped,
    UniqueAdded,
    UniqueDropped,
    ViewCreated,
    ViewDropped,
)
from mend_core.schema.compare import compare
from mend_core.schema.data_loss import column_change_risks, describe_column
from mend_core.schema.model import (
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Schema,
    Table,
)
from mend_core.schema.planned import DataLoss as DataLoss
from mend_core.schema.planned import SchemaPlan as SchemaPlan
from mend_core.schema.planned import Step as Step
from mend_core.schema.planned import StepAction as StepAction
from mend_core.schema.render import renderer_for
from mend_core.schema.render.base import Renderer

# Phases, in the order their steps run.
DROP_VIEWS, DROP_TRIGGERS = 10, 11
DROP_FOREIGN_KEYS = 20
DROP_CONSTRAINTS, DROP_INDEXES = 30, 31
CREATE_EXTENSIONS = 35  # before the types, tables and indexes that use them
CREATE_ENUMS, SEQUENCES = 40, 50
DROP_TABLES, CREATE_TABLES, REDEFINE_TABLES = 60, 70, 80
DROP_COLUMNS, ADD_COLUMNS, CHANGE_PRIMARY_KEYS, ALTER_COLUMNS, REBUILD_ENUMS = (
    90,
    100,
    105,
    110,
    115,
)
TABLE_COMMENTS, CREATE_INDEXES, ADD_CONSTRAINTS, ADD_FOREIGN_KEYS = 120, 130, 131, 140
DROP_ENUMS, DROP_SEQUENCES = 150, 151
CREATE_VIEWS, CREATE_TRIGGERS = 160, 161
DROP_EXTENSIONS = 170  # last: once nothing the plan drops uses them


def plan_migration(before: Schema, after: Schema) -> SchemaPlan:
    """Compare and plan in one go."""
    return build_plan(before, after, compare(before, after))


def build_plan(before: Schema, after: Schema, changes: list[Change]) -> SchemaPlan:
    dialect = after.dialect if not after.is_empty else before.dialect
    renderer = renderer_for(dialect)
    planner = _Planner(dialect, renderer, before, after)
    return SchemaPlan(dialect, tuple(planner.plan(changes)))


def _q(name: str) -> str:
    return f"`{name}`"


class _Planner:
    def __init__(self, dialect: str, renderer: Renderer, before: Schema, after: Schema) -> None:
        self.dialect = dialect
        self.family = dialect_for(dialect)
        self.render = renderer
        self.before = before
        self.after = after
        self.steps: list[Step] = []

    def add(
        self,
        phase: int,
        heading: str,
        summary: str,
        objects: Iterable[str],
        sql: list[str],
        data_loss: Iterable[str | DataLoss] = (),
        *,
        action: StepAction,
    ) -> None:
        losses = tuple(DataLoss(x) if isinstance(x, str) else x for x in data_loss)
        self.steps.append(Step(phase, heading, summary, tuple(objects), tuple(sql), losses, action))

    def plan(self, changes: list[Change]) -> list[Step]:
        redefined: set[str] = set()
        if self.family.rebuilds_tables_to_alter:
            redefined = self._sqlite_redefines(changes)
        structural = bool(redefined)
        for change in changes:
            table = getattr(change, "table", None)
            if isinstance(change, TABLE_LEVEL) and isinstance(table, str) and table in redefined:
                continue
            if isinstance(
                change,
                ColumnAltered | ColumnDropped | TableDropped | PrimaryKeyChanged | EnumChanged,
            ):
                structural = True
            self._step(change)
        if structural:
            self._rebuild_dependents(changes, redefined)
        self.steps.sort(key=lambda step: step.phase)
        return self.steps

    # -- one change, one step ---------------------------------------------------------------
    def _step(self, change: Change) -> None:
        r = self.render
        match change:
            case TableCreated(table=table):
                self.add(
                    CREATE_TABLES,
                    "CreateTable",
                    f"create table {_q(table.name)}",
                    [f"table:{table.name}"],
                    r.create_table(table),
                    action="create",
                )
                if not self.family.foreign_keys_in_create_table:
                    for key in table.foreign_keys:
                        self._add_foreign_key(table.name, key)
            case TableDropped(table=table):
                if not self.family.foreign_keys_in_create_table:
                    for key in table.foreign_keys:
                        self._drop_foreign_key(table.name, key)
                self.add(
                    DROP_TABLES,
                    "DropTable",
                    f"drop table {_q(table.name)}",
                    [f"table:{table.name}"],
                    r.drop_table(table),
                    [DataLoss(f"drops table {_q(table.name)} and every row in it", table.name)],
                    action="drop",
                )
            case ColumnAdded(table=table, column=column):
                risk = []
                if (
                    not column.nullable
                    and column.default is None
                    and not (column.autoincrement or column.identity or column.generated)
                ):
                    risk.append(
                        f"adds NOT NULL column {_q(f'{table}.{column.name}')} without a "
                        f"default: fails if {_q(table)} has rows"
                    )
                self.add(
                    ADD_COLUMNS,
                    "AlterTable",
                    f"add column {_q(f'{table}.{column.name}')} ({describe_column(column)})",
                    [f"table:{table}", f"column:{table}.{column.name}"],
                    r.add_column(table, column),
                    risk,
                    action="create",
                )
            case ColumnDropped(table=table, column=column):
                self.add(
                    DROP_COLUMNS,
                    "AlterTable",
                    f"drop column {_q(f'{table}.{column.name}')}",
                    [f"table:{table}", f"column:{table}.{column.name}"],
                    r.drop_column(table, column),
                    [
                        DataLoss(
                            f"drops column {_q(f'{table}.{column.name}')} and its data",
                            table,
                            column.name,
                        )
                    ],
                    action="drop",
                )
            case ColumnAltered(table=table, before=old, after=new):
                self.add(
                    ALTER_COLUMNS,
                    "AlterTable",
                    f"alter column {_q(f'{table}.{new.name}')}: {_column_delta(old, new)}",
                    [f"table:{table}", f"column:{table}.{new.name}"],
                    r.alter_column(table, old, new),
                    column_change_risks(self.dialect, table, old, new),
                    action="change",
                )
            case PrimaryKeyChanged(table=table, before=old, after=new):
                self._primary_key(table, old, new)
            case IndexCreated(table=table, index=index):
                self.add(
                    CREATE_INDEXES,
                    "CreateIndex",
                    _index_summary("create", table, index),
                    [f"table:{table}", f"index:{index.name}"],
                    r.create_index(table, index),
                    [f"fails if {_q(table)} holds duplicate values"] if index.unique else [],
                    action="create",
                )
            case IndexDropped(table=table, index=index):
                self.add(
                    DROP_INDEXES,
                    "DropIndex",
                    _index_summary("drop", table, index),
                    [f"table:{table}", f"index:{index.name}"],
                    r.drop_index(table, index),
                    action="drop",
                )
            case UniqueAdded(table=table, unique=unique):
                self.add(
                    ADD_CONSTRAINTS,
                    "AddUniqueConstraint",
                    f"add unique constraint {_q(unique.name or '')} on {_q(table)} "
                    f"({', '.join(unique.columns)})",
                    [f"table:{table}", f"constraint:{unique.name}"],
                    r.add_unique(table, unique),
                    [f"fails if {_q(table)} holds duplicate values"],
                    action="create",
                )
            case UniqueDropped(table=table, unique=unique):
                self.add(
                    DROP_CONSTRAINTS,
                    "DropUniqueConstraint",
                    f"drop unique constraint {_q(unique.name or '')} on {_q(table)}",
                    [f"table:{table}", f"constraint:{unique.name}"],
                    r.drop_unique(table, unique),
                    action="drop",
                )
            case ForeignKeyAdded(table=table, foreign_key=key):
                self._add_foreign_key(table, key)
            case ForeignKeyDropped(table=table, foreign_key=key):
                self._drop_foreign_key(table, key)
            case CheckAdded(table=table, check=check):
                self.add(
                    ADD_CONSTRAINTS,
                    "AddCheckConstraint",
                    f"add check {_q(check.name or '')} on {_q(table)}: {check.expression}",
                    [f"table:{table}", f"constraint:{check.name}"],
                    r.add_check(table, check),
                    [f"fails if a row of {_q(table)} breaks the check"],
                    action="create",
                )
            case CheckDropped(table=table, check=check):
                self.add(
                    DROP_CONSTRAINTS,
                    "DropCheckConstraint",
                    f"drop check {_q(check.name or '')} on {_q(table)}",
                    [f"table:{table}", f"constraint:{check.name}"],
                    r.drop_check(table, check),
                    action="drop",
                )
            case TableCommentChanged(table=table, after=comment):
                self.add(
                    TABLE_COMMENTS,
                    "AlterTable",
                    f"set the comment of {_q(table)}",
                    [f"table:{table}"],
                    r.table_comment(table, comment),
                    action="change",
                )
            case ViewCreated(view=view):
                self.add(
                    CREATE_VIEWS,
                    "CreateView",
                    f"create view {_q(view.name)}",
                    [f"view:{view.name}"],
                    r.create_view(view),
                    action="create",
                )
            case ViewDropped(view=view):
                self.add(
                    DROP_VIEWS,
                    "DropView",
                    f"drop view {_q(view.name)}",
                    [f"view:{view.name}"],
                    r.drop_view(view),
                    action="drop",
                )
            case EnumCreated(enum=enum):
                self.add(
                    CREATE_ENUMS,
                    "CreateEnum",
                    f"create enum {_q(enum.name)}",
                    [f"enum:{enum.name}"],
                    r.create_enum(enum),
                    action="create",
                )
            case EnumDropped(enum=enum):
                self.add(
                    DROP_ENUMS,
                    "DropEnum",
                    f"drop enum {_q(enum.name)}",
                    [f"enum:{enum.name}"],
                    r.drop_enum(enum),
                    action="drop",
                )
            case EnumChanged() as changed:
                self._enum_changed(changed)
            case SequenceCreated(sequence=sequence):
                self.add(
                    SEQUENCES,
                    "CreateSequence",
                    f"create sequence {_q(sequence.name)}",
                    [f"sequence:{sequence.name}"],
                    r.create_sequence(sequence),
                    action="create",
                )
            case SequenceAltered(before=old, after=new):
                self.add(
                    SEQUENCES,
                    "AlterSequence",
                    f"alter sequence {_q(new.name)}",
                    [f"sequence:{new.name}"],
                    r.alter_sequence(old, new),
                    action="change",
                )
            case SequenceDropped(sequence=sequence):
                self.add(
                    DROP_SEQUENCES,
                    "DropSequence",
                    f"drop sequence {_q(sequence.name)}",
                    [f"sequence:{sequence.name}"],
                    r.drop_sequence(sequence),
                    action="drop",
                )
            case TriggerCreated(trigger=trigger):
                self.add(
                    CREATE_TRIGGERS,
                    "CreateTrigger",
                    f"create trigger {_q(trigger.name)}",
                    [f"trigger:{trigger.name}"],
                    r.create_trigger(trigger),
                    action="create",
                )
            case ExtensionCreated(extension=extension):
                self.add(
                    CREATE_EXTENSIONS,
                    "CreateExtension",
                    f"create extension {_q(extension.name)}",
                    [f"extension:{extension.name}"],
                    r.create_extension(extension),
                    action="create",
                )
            case ExtensionDropped(extension=extension):
                self.add(
                    DROP_EXTENSIONS,
                    "DropExtension",
                    f"drop extension {_q(extension.name)}",
                    [f"extension:{extension.name}"],
                    r.drop_extension(extension),
                    [
                        f"drops extension {_q(extension.name)} and everything it defines "
                        "(types, functions, operators): fails if anything still uses them"
                    ],
                    action="drop",
                )
            case TriggerDropped(trigger=trigger):
                self.add(
                    DROP_TRIGGERS,
                    "DropTrigger",
                    f"drop trigger {_q(trigger.name)}",
                    [f"trigger:{trigger.name}"],
                    r.drop_trigger(trigger),
                    action="drop",
                )

    def _add_foreign_key(self, table: str, key: ForeignKey) -> None:
        self.add(
            ADD_FOREIGN_KEYS,
            "AddForeignKey",
            f"add foreign key {_q(key.name or '')} on {_q(table)} ({', '.join(key.columns)}) "
            f"-> {_q(key.referenced_table)} ({', '.join(key.referenced_columns)}) "
            f"ON DELETE {key.on_delete}",
            [f"table:{table}", f"constraint:{key.name}"],
            self.render.add_foreign_key(table, key),
            [f"fails if a row of {_q(table)} references a missing row"],
            action="create",
        )

    def _drop_foreign_key(self, table: str, key: ForeignKey) -> None:
        self.add(
            DROP_FOREIGN_KEYS,
            "DropForeignKey",
            f"drop foreign key {_q(key.name or '')} on {_q(table)}",
            [f"table:{table}", f"constraint:{key.name}"],
            self.render.drop_foreign_key(table, key),
            action="drop",
        )

    def _primary_key(self, table: str, old: PrimaryKey | None, new: PrimaryKey | None) -> None:
        objects = [f"table:{table}"]
        summary = (
            f"change the primary key of {_q(table)}: "
            f"({', '.join(old.columns) if old else 'none'}) -> "
            f"({', '.join(new.columns) if new else 'none'})"
        )
        risk = [f"fails if {_q(table)} holds duplicate keys"] if new else []
        if self.family.changes_primary_key_in_one_statement:
            self.add(
                CHANGE_PRIMARY_KEYS,
                "AlterTable",
                summary,
                objects,
                self.render.change_primary_key(table, old, new),
                risk,
                action="change",
            )
            return
        if old is not None:
            self.add(
                DROP_CONSTRAINTS,
                "AlterTable",
                summary if new is None else f"drop the primary key of {_q(table)}",
                objects,
                self.render.drop_primary_key(table, old),
                action="change" if new is None else "drop",
            )
        if new is not None:
            self.add(
                ADD_CONSTRAINTS,
                "AlterTable",
                summary,
                objects,
                self.render.add_primary_key(table, new),
                risk,
                action="change",
            )

    def _enum_changed(self, change: EnumChanged) -> None:
        enum = change.after
        if change.appended_only:
            added = change.after.values[len(change.before.values) :]
            self.add(
                CREATE_ENUMS,
                "AlterEnum",
                f"add value(s) {', '.join(added)} to enum {_q(enum.name)}",
                [f"enum:{enum.name}"],
                self.render.add_enum_values(change.before, change.after),
                action="create",
            )
            return
        removed = change.removed_values
        risk = (
            [
                f"removes value(s) {', '.join(removed)} of enum {_q(enum.name)}: rows holding "
                "them make the change fail"
            ]
            if removed
            else []
        )
        self.add(
            REBUILD_ENUMS,
            "AlterEnum",
            f"rebuild enum {_q(enum.name)}: ({', '.join(change.before.values)}) -> "
            f"({', '.join(enum.values)})",
            [f"enum:{enum.name}"],
            self.render.rebuild_enum(change.before, enum, self._target_columns(change.columns)),
            risk,
            action="change",
        )

    def _target_columns(self, names: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Column], ...]:
        found = []
        for table_name, column_name in names:
            table = self.after.table(table_name)
            column = table.column(column_name) if table is not None else None
            if column is not None:
                found.append((table_name, column))
        return tuple(found)

    # -- SQLite -----------------------------------------------------------------------------
    def _sqlite_redefines(self, changes: list[Change]) -> set[str]:
        """Tables whose changes ALTER TABLE cannot make; each gets one RedefineTables step."""
        needs: set[str] = set()
        for change in changes:
            if not isinstance(change, TABLE_LEVEL):
                continue
            if isinstance(change, IndexCreated | IndexDropped | TableCommentChanged):
                continue
            if isinstance(change, ColumnAdded) and _sqlite_can_add(change.column):
                continue
            needs.add(change.table)
        for name in sorted(needs):
            old, new = self.before.table(name), self.after.table(name)
            assert old is not None and new is not None
            lost: list[str | DataLoss] = [
                DataLoss(f"drops column {_q(f'{name}.{c.name}')} and its data", name, c.name)
                for c in old.columns
                if new.column(c.name) is None
            ]
            lost += [
                f"adds NOT NULL column {_q(f'{name}.{c.name}')} without a default: the copy "
                f"fails if {_q(name)} has rows"
                for c in new.columns
                if old.column(c.name) is None
                and not c.nullable
                and c.default is None
                and not c.generated
            ]
            for c in new.columns:
                previous = old.column(c.name)
                if previous is not None and previous != c:
                    lost += column_change_risks("sqlite", name, previous, c)
            details = [
                _describe(change)
                for change in changes
                if isinstance(change, TABLE_LEVEL) and change.table == name
            ]
            sql = ["PRAGMA defer_foreign_keys=ON", "PRAGMA foreign_keys=OFF"]
            sql += self.render.redefine_table(old, new)
            sql += ["PRAGMA foreign_keys=ON", "PRAGMA defer_foreign_keys=OFF"]
            self.add(
                REDEFINE_TABLES,
                "RedefineTables",
                f"redefine table {_q(name)} (new table, rows copied): {'; '.join(details)}",
                [f"table:{name}"],
                sql,
                lost,
                action="change",
            )
        return needs

    def _rebuild_dependents(self, changes: list[Change], redefined: set[str]) -> None:
        """Views (and on SQLite triggers) that survive unchanged are dropped before tables
        change under them and created again after."""
        if self.family.views_survive_table_changes:
            return
        touched_views = {c.view.name for c in changes if isinstance(c, ViewCreated | ViewDropped)}
        for view in self.before.views:
            if view.name in touched_views or self.after.view(view.name) != view:
                continue
            self.add(
                DROP_VIEWS,
                "DropView",
                f"drop view {_q(view.name)} (recreated below)",
                [f"view:{view.name}"],
                self.render.drop_view(view),
                action="drop",
            )
            self.add(
                CREATE_VIEWS,
                "CreateView",
                f"create view {_q(view.name)} again (its tables changed)",
                [f"view:{view.name}"],
                self.render.create_view(view),
                action="create",
            )
        if not self.family.rebuilds_tables_to_alter or not redefined:
            return
        touched = {
            c.trigger.name for c in changes if isinstance(c, TriggerCreated | TriggerDropped)
        }
        for trigger in self.before.triggers:
            if trigger.name in touched or self.after.trigger(trigger.name) != trigger:
                continue
            self.add(
                DROP_TRIGGERS,
                "DropTrigger",
                f"drop trigger {_q(trigger.name)} (recreated below)",
                [f"trigger:{trigger.name}"],
                self.render.drop_trigger(trigger),
                action="drop",
            )
            self.add(
                CREATE_TRIGGERS,
                "CreateTrigger",
                f"create trigger {_q(trigger.name)} again (its table was redefined)",
                [f"trigger:{trigger.name}"],
                self.render.create_trigger(trigger),
                action="create",
            )


def _sqlite_can_add(column: Column) -> bool:
    """What SQLite's ADD COLUMN accepts: no key, a constant default if NOT NULL, not stored."""
    if column.generated and column.generated_stored:
        return False
    if column.autoincrement:
        return False
    if not column.nullable and column.default is None:
        return False
    default = (column.default or "").strip().upper()
    return not default.startswith(("(", "CURRENT_"))


def _index_summary(verb: str, table: str, index: Index) -> str:
    kind = "unique index" if index.unique else "index"
    if index.method and index.method.lower() != "btree":
        kind = f"{index.method.lower()} {kind}"
    columns = ", ".join(_index_key(c) for c in index.columns)
    include = f" include ({', '.join(index.include)})" if index.include else ""
    where = f" where {index.where}" if index.where else ""
    return f"{verb} {kind} {_q(index.name)} on {_q(table)} ({columns}){include}{where}"


def _index_key(key: IndexColumn) -> str:
    words = [key.expression]
    if key.collation:
        words.append(f"collate {key.collation}")
    if key.opclass:
        words.append(key.opclass)
    if key.descending:
        words.append("DESC")
    if key.nulls:
        words.append(f"NULLS {key.nulls}")
    return " ".join(words)


def _column_delta(old: Column, new: Column) -> str:
    parts = []
    if old.type != new.type:
        parts.append(f"type {old.type} -> {new.type}")
    if old.nullable != new.nullable:
        parts.append("nullable -> NOT NULL" if not new.nullable else "NOT NULL -> nullable")
    if old.default != new.default:
        parts.append(f"default {old.default or 'none'} -> {new.default or 'none'}")
    if old.autoincrement != new.autoincrement:
        parts.append("autoincrement " + ("added" if new.autoincrement else "removed"))
    if old.identity != new.identity:
        parts.append(f"identity {old.identity or 'none'} -> {new.identity or 'none'}")
    if old.generated != new.generated:
        parts.append("generated expression changed")
    if old.comment != new.comment:
        parts.append("comment changed")
    if old.collation != new.collation:
        parts.append(f"collation {old.collation or 'default'} -> {new.collation or 'default'}")
    return ", ".join(parts) or "definition changed"


def _describe(change: Change) -> str:
    match change:
        case ColumnAdded(column=column):
            return f"add column {column.name}"
        case ColumnDropped(column=column):
            return f"drop column {column.name}"
        case ColumnAltered(before=old, after=new):
            return f"alter column {new.name} ({_column_delta(old, new)})"
        case PrimaryKeyChanged():
            return "change the primary key"
        case IndexCreated(index=index):
            return f"create index {index.name}"
        case IndexDropped(index=index):
            return f"drop index {index.name}"
        case UniqueAdded() | UniqueDropped():
            return "change unique constraints"
        case ForeignKeyAdded(foreign_key=key):
            return f"add foreign key {key.name or '(' + ', '.join(key.columns) + ')'}"
        case ForeignKeyDropped(foreign_key=key):
            return f"drop foreign key {key.name or '(' + ', '.join(key.columns) + ')'}"
        case CheckAdded() | CheckDropped():
            return "change check constraints"
    return type(change).__name__


__all__ = ["SchemaPlan", "Step", "Table", "build_plan", "plan_migration"]
