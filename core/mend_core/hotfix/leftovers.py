"""What failed migrations left behind: the objects their statements touch.

Recovery's expected states give them (`migration_keys`), from its cache when the same history
and migration were replayed before; their *before* is the applied history's schema, so no second
replay is needed for the drift. Drift on those objects belongs to the recovery, never to a hotfix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mend_core.dialects import dialect_for
from mend_core.history.classify import MigrationStatus
from mend_core.history.folder import LocalMigration
from mend_core.project.target import DatabaseTarget
from mend_core.schema.model import Schema
from mend_core.schema.objects import ObjectKey
from mend_core.schema.replay import ReplayReport


@dataclass(frozen=True)
class FailedLeftovers:
    """Per failed migration (name order), the objects it touches; and the history's schema."""

    before: Schema | None  # the applied migrations replayed (None: no failed migration read)
    history: ReplayReport | None
    keys: tuple[tuple[str, frozenset[ObjectKey]], ...] = ()
    unreadable: tuple[str, ...] = ()  # failed, but no migration.sql to know what it touches

    def origin_of(self, keys: frozenset[ObjectKey]) -> str | None:
        """The first failed migration that touches any of these objects."""
        for name, touched in self.keys:
            if keys & touched:
                return name
        return None


def failed_leftovers(
    dialect: str,
    server: DatabaseTarget,
    applied: Sequence[LocalMigration],
    failed: Sequence[MigrationStatus],
    shadow_url: DatabaseTarget | None = None,
    *,
    replay_data: bool = False,
) -> FailedLeftovers:
    """The objects each failed migration's statements touch (recovery's cached states)."""
    # deferred: the per-statement states (replay cache, plan) only when a migration failed
    from mend_core.schema.states import expected_states

    before: Schema | None = None
    history: ReplayReport | None = None
    keys: list[tuple[str, frozenset[ObjectKey]]] = []
    unreadable: list[str] = []
    for status in failed:
        local = status.local
        if local is None or not local.has_script:
            unreadable.append(status.name)
            continue
        statements = dialect_for(dialect).split(local.read_script())
        states = expected_states(
            dialect,
            server,
            applied,
            statements,
            local.checksum or "",
            shadow_url,
            replay_data=replay_data,
        )
        if before is None:
            before, history = states.before, states.history
        keys.append((status.name, states.migration_keys))
    return FailedLeftovers(before, history, tuple(keys), tuple(unreadable))
