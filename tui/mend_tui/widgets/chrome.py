"""What every screen shows: the target bar on top, and a notice when the terminal is too small."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from mend_tui.presentation import DATABASE_STYLE, database_words, short_counts
from mend_tui.snapshot import Snapshot

MIN_WIDTH, MIN_HEIGHT = 80, 24


class TargetBar(Static):
    """Where mend is connected (never the password), READ-ONLY when so, and the state."""

    DEFAULT_CSS = """
    TargetBar { dock: top; height: 1; background: $panel; padding: 0 1; }
    """

    def show(self, snapshot: Snapshot) -> None:
        dots = snapshot.look.marks.ellipsis
        where = snapshot.target or (f"preparing{dots}" if snapshot.preparing else "no database")
        parts: list[Content | str] = [
            Content.styled("mend", "bold $text-accent"),
            "  ",
            Content(where),
        ]
        if snapshot.read_only:
            parts += ["  ", Content.styled(" READ-ONLY ", "bold reverse $text-warning")]
        parts.append("  ")
        report = snapshot.report
        if snapshot.loading:
            parts.append(Content.styled(f"reading{dots}", "italic $text-muted"))
        elif snapshot.error is not None:
            parts.append(Content.styled(f"error {snapshot.error.code}", "bold $text-error"))
        elif report is not None:
            parts.append(Content.styled(database_words(report.state), DATABASE_STYLE[report.state]))
            parts.append(Content(f": {short_counts(report)}"))
        self.update(Content.assemble(*parts), layout=False)  # one line, docked


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
