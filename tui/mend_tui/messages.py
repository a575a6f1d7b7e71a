"""What a screen asks of the app. Screens post these and the app decides what opens: a screen
never pushes another screen itself, so that the app is the one place navigation happens."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass(frozen=True)
class HistoryRequest:
    """What the history browser should show; None leaves that part as it is."""

    name: str | None = None  # the migration to put the cursor on
    tab: str | None = None  # "sql", "logs" or "attempts"
    filter: int | None = None  # an index into history.FILTERS
    search: bool = False  # put the focus in the search box


class OpenHistory(Message):
    def __init__(self, request: HistoryRequest) -> None:
        super().__init__()
        self.request = request


class Recover(Message):
    """The operator asked to recover the failed migration `name`."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Hotfix(Message):
    """The operator asked for the hotfix wizard: the drift, recorded as a migration."""


class Writing(Message):
    """A step of a wizard (the recovery's, the hotfix's) writes to the database now (active)
    or has finished: the app does not quit in between."""

    def __init__(self, active: bool) -> None:
        super().__init__()
        self.active = active
