"""What every screen shows: the target bar on top, and a notice when the terminal is too small."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from mend_core.status import DatabaseState, StatusReport

if TYPE_CHECKING:
    from mend_tui.app import MendApp

MIN_WIDTH, MIN_HEIGHT = 80, 24

STATE_STYLE = {
    DatabaseState.IN_SYNC: "$text-success",
    DatabaseState.BEHIND: "$text-warning",
    DatabaseState.FAILED: "bold $text-error",
    DatabaseState.DIVERGED: "bold $text-warning",
    DatabaseState.NOT_MANAGED: "bold $text-warning",
}


def state_words(state: DatabaseState) -> str:
    return state.value.replace("_", " ")


def short_counts(report: StatusReport) -> str:
    """`2 applied, 1 failed`: the non-zero counts, for one line."""
    counts = report.counts()
    parts = [
        f"{counts[key]} {word}"
        for key, word in (
            ("applied", "applied"),
            ("pending", "pending"),
            ("failed", "failed"),
            ("missing_locally", "missing locally"),
            ("edited", "edited"),
        )
        if counts[key]
    ]
    return ", ".join(parts) or "no migrations"


class TargetBar(Static):
    """Where mend is connected (never the password), READ-ONLY when so, and the state."""

    DEFAULT_CSS = """
    TargetBar { dock: top; height: 1; background: $panel; padding: 0 1; }
    """

    def on_mount(self) -> None:
        app: MendApp = self.app  # type: ignore[assignment]
        self.watch(app, "report", self.show, init=True)
        self.watch(app, "loading", lambda _: self.show(app.report), init=False)

    def show(self, report: StatusReport | None) -> None:
        app: MendApp = self.app  # type: ignore[assignment]
        parts: list[Content | str] = [
            Content.styled("mend", "bold $text-accent"),
            "  ",
            Content(
                app.context.target.label()
                if app.context
                else ("preparing…" if app.prepare else "no database")
            ),
        ]
        if app.context and app.context.read_only:
            parts += ["  ", Content.styled(" READ-ONLY ", "bold reverse $text-warning")]
        parts.append("  ")
        if app.loading:
            parts.append(Content.styled("reading…", "italic $text-muted"))
        elif report is not None:
            parts.append(Content.styled(state_words(report.state), STATE_STYLE[report.state]))
            parts.append(Content(f": {short_counts(report)}"))
        self.update(Content.assemble(*parts))


class TooSmall(Static):
    """Shown instead of the screen below 80x24; every screen has one."""

    DEFAULT_CSS = """
    TooSmall { display: none; width: 1fr; height: 1fr; content-align: center middle;
               text-align: center; }
    """

    def __init__(self) -> None:
        super().__init__(
            f"The terminal is too small for mend: it needs {MIN_WIDTH}x{MIN_HEIGHT}.\n"
            "Enlarge the window, or use the commands (`mend status`, `mend --help`).\n\n"
            "Press q to quit.",
            classes="too-small",
        )
