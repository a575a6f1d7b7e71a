"""The hotfix engine as the wizard calls it: one object bound to the app's context, with a method
per wizard step, each a call into `mend_core.hotfix` (the same calls `mend hotfix` makes). Every
method blocks (the wizard runs them in thread workers, but for the name, which only looks at
the migrations folder) and none touches Textual.

Only `apply` writes, and only through `apply_hotfix` (its own write session, under Prisma's lock,
journaled), after the operator typed the migration folder's name; in read-only mode the wizard
never gets there, and `apply_hotfix` would refuse before connecting anyway. Everything else
reads: the live database through read-only sessions, the history replayed in a temporary
shadow, the targets of mend.toml read-only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mend_core.context import Context
from mend_core.errors import MendError
from mend_core.hotfix.apply import ApplyEvent, HotfixResult, apply_hotfix
from mend_core.hotfix.grouping import DriftItem
from mend_core.hotfix.items import DriftItems, find_items
from mend_core.hotfix.naming import MigrationName, default_name, name_migration
from mend_core.hotfix.preview import HotfixPreview, preview_hotfix
from mend_core.hotfix.target_check import DEFAULT_TARGET_TIMEOUT, TargetCheck, check_targets
from mend_core.hotfix.targets import Target, TargetEntry, choose_targets, load_inventory
from mend_core.hotfix.verify import HotfixVerification, verify_hotfix
from mend_core.status import StatusReport, get_status
from mend_core.target import DatabaseTarget


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
class HotfixEngine:
    context: Context
    target_timeout: float = DEFAULT_TARGET_TIMEOUT
    environ: Mapping[str, str] | None = None  # for mend.toml's variables (default: os.environ)
    shadow_url: DatabaseTarget | None = None

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
        return find_items(self.context, self.shadow_url)

    # -- Name (no database: the migrations folder only) ---------------------------------------
    def default_name(self, items: Sequence[DriftItem]) -> str:
        return default_name(items)

    def name(self, text: str, items: Sequence[DriftItem]) -> MigrationName:
        """The folder `text` gives now, by the context's clock (M8003 empty once slugified,
        P3010 too long, M8004 not writable, M2006 taken)."""
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

    def check_targets(
        self,
        preview: HotfixPreview,
        targets: Sequence[Target],
        on_checked: Callable[[TargetCheck], None],
    ) -> tuple[TargetCheck, ...]:
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
        progress: Callable[[ApplyEvent], None],
    ) -> HotfixResult:
        return apply_hotfix(
            self.context, preview, checks, progress=progress, timeout=self.target_timeout
        )

    # -- Verify -------------------------------------------------------------------------------
    def verify(self, result: HotfixResult) -> Verified:
        verification = verify_hotfix(
            self.context, result, self.shadow_url, timeout=self.target_timeout
        )
        try:
            status = get_status(self.context)
        except MendError as error:
            return Verified(verification, None, error)
        return Verified(verification, status)
