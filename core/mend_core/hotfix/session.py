"""A hotfix as the CLI and the app record it: one context and its options, a method per stage.

Items -> Name -> Preview -> Targets -> Apply -> Verify. `mend hotfix` and the app's hotfix
wizard both go through this one object, so that each stage is decided here, once, and the
front ends only present it.

Every method blocks (the app runs them in thread workers, but for the name, which only looks
at the migrations folder). Only `apply` writes, through `apply_hotfix` (its own write session,
under Prisma's lock, journaled), after the operator confirmed; in read-only mode it refuses
before connecting. Everything else reads: the live database through read-only sessions, the
history replayed in a shadow, the targets of mend.toml read-only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mend_core.errors import MendError
from mend_core.hotfix.grouping import DriftItem
from mend_core.hotfix.items import DriftItems, find_items, select_items
from mend_core.hotfix.naming import MigrationName, default_name, name_migration
from mend_core.hotfix.preview import HotfixPreview, preview_hotfix
from mend_core.hotfix.target_check import DEFAULT_TARGET_TIMEOUT, TargetCheck, check_targets
from mend_core.hotfix.targets import Target, TargetEntry, choose_targets, load_inventory
from mend_core.project.context import Context
from mend_core.project.target import DatabaseTarget

if TYPE_CHECKING:
    # Apply's and Verify's modules load when their stage runs (imports below, at each
    # method): `mend hotfix --list` starts as fast as `mend drift`.
    from mend_core.history.status import StatusReport
    from mend_core.hotfix.apply import ApplyEvent, HotfixResult
    from mend_core.hotfix.verify import HotfixVerification


@dataclass(frozen=True)
class Unresolved:
    """A target of mend.toml whose URL cannot be had (its variable unset): shown, never
    checked nor touched."""

    entry: TargetEntry
    error: MendError


@dataclass(frozen=True)
class Inventory:
    """mend.toml as the Targets step shows it: where it is (None: there is none), the targets
    whose URL resolved, and those whose URL did not."""

    path: Path | None
    targets: tuple[Target, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.targets and not self.unresolved


@dataclass(frozen=True)
class Verified:
    """The verification and `mend status` read after it."""

    verification: HotfixVerification
    status: StatusReport | None
    status_error: MendError | None = None


@dataclass(frozen=True)
class HotfixSession:
    """The hotfix stages over one context. `target_timeout`: how long each mend.toml target
    may take; `environ`: where mend.toml's variables come from (default: os.environ);
    `shadow_url`: a shadow database to replay the history in (default: a temporary one);
    `replay_data`: replay the history's data statements too."""

    context: Context
    target_timeout: float = DEFAULT_TARGET_TIMEOUT
    environ: Mapping[str, str] | None = None
    shadow_url: DatabaseTarget | None = None
    replay_data: bool = False

    @property
    def read_only(self) -> bool:
        return self.context.read_only

    @property
    def root(self) -> Path:
        return self.context.project.root

    @property
    def migrations_dir(self) -> Path:
        return self.context.migrations_dir

    # -- Items --------------------------------------------------------------------------------
    def items(self) -> DriftItems:
        """The drift, as numbered hotfix items and what failed migrations left."""
        return find_items(self.context, self.shadow_url, replay_data=self.replay_data)

    def select(self, drift: DriftItems, numbers: Sequence[int] | None) -> tuple[DriftItem, ...]:
        """The items chosen by number (None: every item; M8001 for none or an unknown one)."""
        return select_items(drift, numbers)

    # -- Name (no database: the migrations folder only) ---------------------------------------
    def default_name(self, items: Sequence[DriftItem]) -> str:
        return default_name(items)

    def name(self, text: str | None, items: Sequence[DriftItem]) -> MigrationName:
        """The folder `text` (None: the default name) gives now, by the context's clock (M8003
        empty once slugified, P3010 too long, M8004 not writable, M2006 taken)."""
        return name_migration(self.migrations_dir, text, items, moment=self.context.clock())

    # -- Preview ------------------------------------------------------------------------------
    def preview(
        self, drift: DriftItems, items: Sequence[DriftItem], name: MigrationName
    ) -> HotfixPreview:
        """The plan for exactly these items, rehearsed in a shadow (M8002, P3006)."""
        return preview_hotfix(self.context, drift, tuple(items), name, shadow_url=self.shadow_url)

    # -- Targets ------------------------------------------------------------------------------
    def inventory(self) -> Inventory:
        """mend.toml, each target's URL resolved on its own: one unset variable does not hide
        the others (M8005 for a file that cannot be used at all)."""
        found = load_inventory(self.root)
        if found is None:
            return Inventory(None)
        environ = os.environ if self.environ is None else self.environ
        targets: list[Target] = []
        unresolved: list[Unresolved] = []
        for entry in found.entries:
            try:
                (target,) = choose_targets(self.context.project, entry.name, environ)
            except MendError as error:
                unresolved.append(Unresolved(entry, error))
                continue
            targets.append(target)
        return Inventory(found.path, tuple(targets), tuple(unresolved))

    def targets(self, spec: str) -> tuple[Target, ...]:
        """The targets `spec` names (`all`, or names separated by commas), every URL resolved
        (M8005, M8006 otherwise)."""
        return choose_targets(self.context.project, spec, self.environ)

    def check_targets(
        self,
        preview: HotfixPreview,
        targets: Sequence[Target],
        on_checked: Callable[[TargetCheck], None] | None = None,
    ) -> tuple[TargetCheck, ...]:
        """What recording the hotfix would do on each target, each read-only."""
        return check_targets(
            self.context.target,
            preview,
            targets,
            timeout=self.target_timeout,
            on_checked=on_checked,
        )

    # -- Apply: the one call that writes ------------------------------------------------------
    def apply(
        self,
        preview: HotfixPreview,
        checks: Sequence[TargetCheck],
        progress: Callable[[ApplyEvent], None] | None = None,
    ) -> HotfixResult:
        """Write the folder, record the row here, and on each target what its check says."""
        # deferred: the writing stage's modules (the write session) load when it runs
        from mend_core.hotfix.apply import apply_hotfix

        return apply_hotfix(
            self.context,
            preview,
            checks,
            progress=progress,
            timeout=self.target_timeout,
            shadow_url=self.shadow_url,
        )

    # -- Verify -------------------------------------------------------------------------------
    def verify_only(self, result: HotfixResult) -> HotfixVerification:
        """The history replays with the new migration, and no drift of its items is left."""
        # deferred: Verify's modules load when it runs, after Apply (`mend hotfix --list`)
        from mend_core.hotfix.verify import verify_hotfix

        return verify_hotfix(self.context, result, self.shadow_url, timeout=self.target_timeout)

    def verify(self, result: HotfixResult) -> Verified:
        """The verification, and `mend status` read after it."""
        # deferred: the status report loads when Verify runs (`mend hotfix --list` does not)
        from mend_core.history.status import get_status

        verification = self.verify_only(result)
        try:
            status = get_status(self.context)
        except MendError as error:
            return Verified(verification, None, error)
        return Verified(verification, status)
