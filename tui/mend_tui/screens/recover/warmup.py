"""Getting the recovery wizard ready before it is asked for.

Once the app has shown a failed migration, the modules the wizard and its engine load on
first use (SQLAlchemy for the diagnostics and data fixes, the write session, the journal, the
rehearsal) are imported in a thread while the operator reads the dashboard: `x` then costs
the inspection, not a quarter of a second of imports. Nothing here touches the database.
"""

from __future__ import annotations

import importlib

WARM_MODULES = (
    "mend_tui.screens.recover.flow",
    "sqlalchemy",
    "mend_core.database.sql_builder",
    "mend_core.recovery.cause",
    "mend_core.recovery.diagnostics",
    "mend_core.recovery.data_fix",
    "mend_core.recovery.risks",
    "mend_core.recovery.runbook",
    "mend_core.recovery.report",
    "mend_core.recovery.verify",
    "mend_core.schema.shadow",
    "mend_core.database.write_session",
    "mend_core.database.journal",
    "pygments.lexers.sql",
)


def import_wizard() -> None:
    """Import what the wizard will need (call in a thread: imports take a lock, not the UI)."""
    for name in WARM_MODULES:
        importlib.import_module(name)
