"""The command palette (ctrl+p): the app's own actions first, named as the footer and the help
name them, each with its key; then the few of Textual's own worth having here.

A new action joins by adding a PaletteCommand below (and a line to help.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from mend_tui.app import MendApp


@dataclass(frozen=True)
class PaletteCommand:
    name: str  # as the footer and help.md name it
    key: str
    help: str
    action: str  # an action of the app, run with App.run_action
    available: Callable[[MendApp], bool] = lambda app: True


FILTER_NAMES = ("all", "applied", "pending", "failed", "missing", "edited")

COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand("Refresh", "r", "Read the migration status again", "app.refresh"),
    PaletteCommand("History", "h", "Every migration, its SQL, logs and attempts", "app.history"),
    PaletteCommand("Dashboard", "d", "The status dashboard", "app.dashboard"),
    PaletteCommand(
        "Recover",
        "x",
        "The recovery wizard: inspect, roll back or forward, rehearse, run, verify",
        "app.recover",
        lambda app: app.has_failed() and app.wizard is None,
    ),
    PaletteCommand(
        "Report",
        "w",
        "Write the incident report (Markdown) to the project folder",
        "app.report",
        lambda app: app.context is not None and app.wizard is None,
    ),
    PaletteCommand(
        "Hotfix",
        "d",
        "The hotfix wizard: hand-made drift recorded as a migration",
        "app.hotfix",
        lambda app: app.context is not None and app.wizard is None,
    ),
    PaletteCommand(
        "Drift",
        "d",
        "What the database has beyond its migrations (the hotfix wizard)",
        "app.hotfix",
        lambda app: app.context is not None and app.wizard is None,
    ),
    *(
        PaletteCommand(
            f"Filter: {name}",
            str(i + 1),
            "The history, every migration" if name == "all" else f"The history, {name} ones only",
            f"app.history_filter({i})",
        )
        for i, name in enumerate(FILTER_NAMES)
    ),
    PaletteCommand(
        "SQL", "s", "The migration's SQL, statement by statement", "app.history_tab('sql')"
    ),
    PaletteCommand("Logs", "o", "The migration's logs, parsed and raw", "app.history_tab('logs')"),
    PaletteCommand(
        "Attempts", "t", "Every attempt recorded for the migration", "app.history_tab('attempts')"
    ),
    PaletteCommand("Search", "/", "Search the history by migration name", "app.history_search"),
    PaletteCommand("Auto-refresh", "a", "Cycle: off, every 5 s, 30 s, 2 min", "app.auto_refresh"),
    PaletteCommand("Help", "?", "Every key, and what the marks mean", "app.help"),
)

# Textual's own commands kept: the theme (ANSI themes help over SSH), a screenshot to attach to
# an incident ticket, and quit. Keys (our help says more) and Maximize (escape would
# minimise instead of going back) are left out.
TEXTUAL_KEPT = ("Theme", "Screenshot", "Quit")


class MendCommands(Provider):
    def commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app: MendApp = self.app  # type: ignore[assignment]
        for command in COMMANDS:
            if command.available(app):
                help_text = f"{command.key}  {command.help}"
                yield command.name, help_text, partial(app.run_action, command.action)
        for system in app.get_system_commands(self.screen):
            if system.title in TEXTUAL_KEPT:
                yield system.title, system.help, system.callback

    async def discover(self) -> Hits:
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
