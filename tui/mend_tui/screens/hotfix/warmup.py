"""Getting the hotfix wizard ready before it is asked for.

`d` is on every dashboard: once the app has read the status, the modules the hotfix wizard and
its engine load on first use (its screens, mend_core.hotfix, the schema engine's replay and
shadow) are imported in a thread while the operator reads the dashboard, so that `d` costs the
drift, not a tenth of a second of imports. Nothing here touches the database.
"""

from __future__ import annotations

import importlib

WARM_MODULES = (
    "mend_tui.screens.hotfix.flow",
    "mend_core.hotfix.items",
    "mend_core.hotfix.preview",
    "mend_core.hotfix.target_check",
    "mend_core.hotfix.apply",
    "mend_core.hotfix.verify",
    "mend_core.schema.shadow",
    "mend_core.schema.replay",
    "pygments.lexers.sql",
)


def import_hotfix_wizard() -> None:
    """Import what the wizard will need (call in a thread: imports take a lock, not the UI)."""
    for name in WARM_MODULES:
        importlib.import_module(name)
