"""The Targets step: does each database of the inventory already have the hotfix?

Each target's live objects are compared with the chosen items: all as the hotfix has them
(patched: the migration is marked applied there), all as the history has them (unpatched: it
stays pending, deploy applies it), anything else is a conflict that mend does not touch, and
says which object differs. Targets are read at once, read-only, each within the timeout; an
unreachable one is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mend_core.database.session import connect
from mend_core.dialects import same_database_family
from mend_core.errors import M9000, MendError
from mend_core.history.table import HistoryTable
from mend_core.hotfix.parallel import Outcome, run_parallel
from mend_core.hotfix.preview import HotfixPreview
from mend_core.hotfix.targets import Target, same_database
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import CheckConstraint, Column, ForeignKey, Index, Schema
from mend_core.schema.model import UniqueConstraint as Unique
from mend_core.schema.objects import ObjectKey, describe_key, value

DEFAULT_TARGET_TIMEOUT = 60.0
# Errors that mean "could not talk to it" rather than "it answered something wrong".
UNREACHABLE_CODES = frozenset(
    {"P1000", "P1001", "P1002", "P1003", "P1010", "P1013", "P1017", "M1002", "M1004", "M1009"}
)


class TargetState(StrEnum):
    PATCHED = "patched"  # has every item as the hotfix has it
    UNPATCHED = "unpatched"  # has none of them
    CONFLICT = "conflict"  # has them partly or differently
    UNREACHABLE = "unreachable"
    ERROR = "error"  # answered, but could not be checked
    THIS_DATABASE = "this_database"  # the database being repaired
    RECORDED = "recorded"  # the migration is in its history already
    DUPLICATE = "duplicate"  # the same database as a target before it


_ACTIONS = {
    TargetState.PATCHED: "mark the migration applied (as `mend resolve --applied`)",
    TargetState.UNPATCHED: "leave it pending: `mend deploy` applies it there",
    TargetState.CONFLICT: "touch nothing: resolve it by hand",
    TargetState.UNREACHABLE: "touch nothing: it could not be reached",
    TargetState.ERROR: "touch nothing: it could not be checked",
    TargetState.THIS_DATABASE: "nothing more: recorded there above, never twice",
    TargetState.RECORDED: "nothing: the migration is recorded there already",
    TargetState.DUPLICATE: "nothing: handled as the target it duplicates",
}


@dataclass(frozen=True)
class TargetCheck:
    target: Target
    state: TargetState
    detail: str
    differences: tuple[str, ...] = ()

    @property
    def action(self) -> str:
        return _ACTIONS[self.state]

    @property
    def needs_attention(self) -> bool:
        return self.state in (TargetState.CONFLICT, TargetState.UNREACHABLE, TargetState.ERROR)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target.name,
            "database": self.target.display(),
            "state": self.state.value,
            "detail": self.detail,
            "differences": list(self.differences),
            "action": self.action,
        }


def check_targets(
    source: DatabaseTarget,
    preview: HotfixPreview,
    targets: Sequence[Target],
    *,
    timeout: float = DEFAULT_TARGET_TIMEOUT,
    on_checked: Callable[[TargetCheck], None] | None = None,
) -> tuple[TargetCheck, ...]:
    """Every target checked at once (threads), in the inventory's order."""
    checks: dict[str, TargetCheck] = {}
    tasks: dict[str, Callable[[], TargetCheck]] = {}
    for index, target in enumerate(targets):
        earlier = next(
            (t for t in targets[:index] if same_database(t.database, target.database)), None
        )
        if same_database(target.database, source):
            checks[target.name] = TargetCheck(
                target,
                TargetState.THIS_DATABASE,
                "the database being repaired (the same database by its URL)",
            )
        elif earlier is not None:
            checks[target.name] = TargetCheck(
                target, TargetState.DUPLICATE, f"the same database as `{earlier.name}`"
            )
        else:
            tasks[target.name] = _checker(target, preview)
    by_name = {t.name: t for t in targets}

    def done(name: str, outcome: Outcome[TargetCheck]) -> None:
        check = outcome.value or failed_check(by_name[name], outcome, timeout)
        checks[name] = check
        if on_checked is not None:
            on_checked(check)

    for check in list(checks.values()):
        if on_checked is not None:
            on_checked(check)
    run_parallel(tasks, timeout, done)
    return tuple(checks[t.name] for t in targets)


def _checker(target: Target, preview: HotfixPreview) -> Callable[[], TargetCheck]:
    return lambda: check_target(target, preview)


def check_target(target: Target, preview: HotfixPreview) -> TargetCheck:
    """One target, read-only. Raises MendError when it cannot be reached or read."""
    dialect = preview.drift.dialect
    if not same_database_family(target.database.dialect, dialect):
        return TargetCheck(
            target,
            TargetState.CONFLICT,
            f"it is a {target.database.dialect} database; the migration is written for {dialect}",
        )
    with connect(target.database, read_only=True) as db:
        table = HistoryTable(db)
        columns = table.columns()
        names = {r.migration_name for r in table.rows()} if columns is not None else set()
        live = inspect_database(db)
    if preview.name.folder in names:
        return TargetCheck(target, TargetState.RECORDED, f"{preview.name.folder} is in its history")
    state, differences = compare_items(preview, live)
    if state is TargetState.PATCHED and columns is None:
        return TargetCheck(
            target,
            TargetState.CONFLICT,
            "it has the hotfix, but no _prisma_migrations table: it is not managed by Prisma "
            "Migrate (baseline it first)",
        )
    detail = {
        TargetState.PATCHED: "it has every chosen object as the hotfix made it",
        TargetState.UNPATCHED: "it has none of the chosen objects",
        TargetState.CONFLICT: "it has the chosen objects partly or differently: "
        + "; ".join(differences),
    }[state]
    return TargetCheck(target, state, detail, differences)


def compare_items(preview: HotfixPreview, live: Schema) -> tuple[TargetState, tuple[str, ...]]:
    """Patched, unpatched or conflict, and for a conflict the objects that differ."""
    hotfix, history = preview.drift.live, preview.drift.expected
    as_hotfix: list[ObjectKey] = []
    as_history: list[ObjectKey] = []
    other: list[ObjectKey] = []
    for key in sorted(preview.keys):
        if value(hotfix, key) == value(history, key):
            continue  # a part both sides lack (a new table's comment): it tells nothing
        found = value(live, key)
        if found == value(hotfix, key):
            as_hotfix.append(key)
        elif found == value(history, key):
            as_history.append(key)
        else:
            other.append(key)
    if not as_history and not other:
        return TargetState.PATCHED, ()
    if not as_hotfix and not other:
        return TargetState.UNPATCHED, ()
    differences = [
        f"{describe_key(k)} differs: {_shown(value(live, k))} there, "
        f"{_shown(value(hotfix, k))} in the hotfix"
        for k in other
    ]
    if as_hotfix and as_history:
        differences.append(
            "it has " + ", ".join(describe_key(k) for k in as_hotfix) + " but lacks "
            "the hotfix's " + ", ".join(describe_key(k) for k in as_history)
        )
    return TargetState.CONFLICT, tuple(differences)


def failed_check(target: Target, outcome: Outcome[Any], timeout: float) -> TargetCheck:
    """A target whose check raised or did not finish."""
    if outcome.timed_out:
        return TargetCheck(
            target, TargetState.UNREACHABLE, f"it did not answer within {timeout:g} s"
        )
    error = outcome.error or MendError(M9000, "unknown failure")
    state = TargetState.UNREACHABLE if error.code in UNREACHABLE_CODES else TargetState.ERROR
    return TargetCheck(target, state, f"{error.code}: {error.message}")


def _shown(found: Hashable | None) -> str:
    """An object's definition in a few words."""
    if found is None:
        return "absent"
    if isinstance(found, Index):
        columns = ", ".join(c.expression + (" DESC" if c.descending else "") for c in found.columns)
        return f"{'unique ' if found.unique else ''}({columns})" + (
            f" where {found.where}" if found.where else ""
        )
    if isinstance(found, Column):
        null = "nullable" if found.nullable else "NOT NULL"
        default = f" default {found.default}" if found.default is not None else ""
        return f"{found.type} {null}{default}"
    if isinstance(found, Unique):
        return f"unique ({', '.join(found.columns)})"
    if isinstance(found, ForeignKey):
        return (
            f"({', '.join(found.columns)}) -> {found.referenced_table}"
            f"({', '.join(found.referenced_columns)}) on delete {found.on_delete}"
        )
    if isinstance(found, CheckConstraint):
        return f"check {found.expression}"
    if found is True:
        return "present"
    if isinstance(found, tuple):
        return f"({', '.join(str(part) for part in found)})"
    text = str(found)
    return text if len(text) <= 60 else text[:57] + "..."
