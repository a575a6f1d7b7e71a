"""What the app knows, as one immutable value handed to its screens.

Screens are given a Snapshot when they are made and a SnapshotChanged message each time it
changes; they never read the app's attributes. A screen added later (the recovery wizard) takes
its data the same way and returns its result with `dismiss`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from textual.message import Message

from mend_core.errors import MendError
from mend_core.history.status import StatusReport
from mend_core.project.target import DatabaseTarget
from mend_tui.presentation import Look


@dataclass(frozen=True)
class Snapshot:
    look: Look
    target: str = ""  # the database, as `Target.label()` shows it (never the password)
    database: str = ""  # its own name (`dev.db`, `shop`): what a confirmation may ask for
    dialect: str | None = None  # None until the project is known
    read_only: bool = False
    preparing: bool = False  # the demo project is being written
    loading: bool = False
    report: StatusReport | None = None
    read_at: datetime | None = None  # when `report` was read
    error: MendError | None = None  # the last reading failed (the report, if any, is older)
    auto_refresh: int = 0  # seconds; 0 is off

    def but(self, **changes: object) -> Snapshot:
        return replace(self, **changes)  # type: ignore[arg-type]


def database_name(target: DatabaseTarget) -> str:
    """The database's own name, as an operator would type it: the SQLite file's name, the
    server database's name; empty for an in-memory database or a name with spaces."""
    name = target.path.name if target.path is not None else target.database or ""
    return name if name and not any(c.isspace() for c in name) else ""


class SnapshotChanged(Message):
    """Sent by the app to every screen in its stack."""

    bubble = False  # for the screen it was sent to, not for the app that sent it

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
