"""A table of migrations that stays fast at 10,000 rows: only the visible lines are rendered
(Textual's Line API), where a DataTable builds every row up front.

Keys pressed before the first rows arrive (the status is still being read) are kept and
replayed on them: `end` then `enter` typed at once still opens the last migration."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from mend_core.history.status import MigrationStatus
from mend_tui.presentation import MIGRATION_LOOK, elide


@dataclass(frozen=True)
class TableColumn:
    key: str
    title: str
    width: int  # 0: takes the room the other columns leave
    keep_end: bool = False  # cut in the middle: names differ at their end


Cell = Callable[[MigrationStatus, str], str]


def fit(text: str, width: int, ellipsis: str = "…", *, keep_end: bool = False) -> str:
    if len(text) <= width:
        return text.ljust(width)
    if keep_end:
        return elide(text, width, ellipsis)
    if width <= len(ellipsis):
        return text[:width]
    return text[: width - len(ellipsis)] + ellipsis


def layout(columns: Sequence[TableColumn], total: int, first_flexible: int = 0) -> list[int]:
    """Widths of the columns for a total width (one space between columns). The first
    flexible column (the name) gets what it needs, `first_flexible`, as far as room allows;
    the others share the rest."""
    fixed = sum(c.width for c in columns if c.width) + len(columns) - 1
    flexible = [i for i, c in enumerate(columns) if not c.width]
    room = max(total - fixed, 12 * len(flexible))
    widths = [c.width for c in columns]
    if not flexible:
        return widths
    others = len(flexible) - 1
    first = min(first_flexible or room, room - 12 * others)
    widths[flexible[0]] = max(first, 12)
    for index in flexible[1:]:
        widths[index] = max((room - widths[flexible[0]]) // others, 1)
    return widths


class MigrationRows(ScrollView, can_focus=True):
    """The rows; the cursor row is highlighted, and each row is coloured by its state."""

    COMPONENT_CLASSES = {"migration-rows--cursor"}
    DEFAULT_CSS = """
    MigrationRows { height: 1fr; overflow-x: hidden; }
    MigrationRows > .migration-rows--cursor {
        background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    MigrationRows:focus > .migration-rows--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "Top", show=False),
        Binding("end,G", "jump(-1)", "Bottom", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("enter", "select", "Open", key_display="enter"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, migration: MigrationStatus | None) -> None:
            super().__init__()
            self.migration = migration

    class Selected(Message):
        def __init__(self, migration: MigrationStatus) -> None:
            super().__init__()
            self.migration = migration

    def __init__(
        self, columns: Sequence[TableColumn], cell: Cell, ellipsis: str = "…", **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.columns = list(columns)
        self.cell = cell
        self.ellipsis = ellipsis
        self.rows: list[MigrationStatus] = []
        self.name_width = 0
        self.loaded = False  # no rows were ever set: keys wait for them
        self._waiting: list[tuple[str, int]] = []
        self._cache: dict[tuple[int, int, bool], Strip] = {}
        # Called when the columns' widths may have changed (rows set, resized): the titles
        # above follow at once, not by a message that can come before the rows or not at all.
        self.widths_changed: Callable[[], None] = lambda: None

    # -- data ---------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[MigrationStatus], keep: str | None = None) -> None:
        """Replace the rows, keeping the cursor on the migration named `keep` if present."""
        self.loaded = True
        had_rows, self.rows = bool(self.rows), list(rows)
        if had_rows != bool(self.rows):
            self.refresh_bindings()  # `enter Open` comes or goes
        self.name_width = max((len(m.name) for m in self.rows), default=0)
        self._cache.clear()
        self.widths_changed()
        self.virtual_size = Size(self.size.width, len(self.rows))
        index = 0
        if keep is not None:
            index = next((i for i, m in enumerate(self.rows) if m.name == keep), 0)
        self.cursor = min(index, max(len(self.rows) - 1, 0))
        self.refresh()
        waiting, self._waiting = self._waiting, []
        for action, argument in waiting:
            getattr(self, f"action_{action}")(argument)

    def _wait(self, action: str, argument: int = 0) -> bool:
        """Keep a key pressed before the rows arrived; True if kept."""
        if self.loaded:
            return False
        self._waiting.append((action, argument))
        return True

    @property
    def current(self) -> MigrationStatus | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # -- cursor -------------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self._cache.pop((old, self.size.width, True), None)
        self._cache.pop((new, self.size.width, False), None)
        self.scroll_to_region_of(new)
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def scroll_to_region_of(self, index: int) -> None:
        top = round(self.scroll_y)
        height = max(self.size.height, 1)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def action_move(self, step: int) -> None:
        if self._wait("move", step):
            return
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def action_page(self, direction: int) -> None:
        if self._wait("page", direction):
            return
        self.action_move(direction * max(self.size.height - 1, 1))

    def action_jump(self, where: int) -> None:
        if self._wait("jump", where):
            return
        if self.rows:
            self.cursor = where % len(self.rows)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select":  # nothing to open; before the rows come, `enter` waits for them
            return bool(self.rows) or not self.loaded
        return True

    def action_select(self, _: int = 0) -> None:
        if self._wait("select"):
            return
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_y) + event.y
        if 0 <= index < len(self.rows):
            if index == self.cursor:
                self.action_select()
            self.cursor = index

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self.virtual_size = Size(event.size.width, len(self.rows))
        self.widths_changed()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()  # the theme changed: the rows' colours with it

    # -- rendering ----------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        width = self.size.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        key = (index, width, index == self.cursor)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(index, width)
            if len(self._cache) > 2000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def _render_row(self, index: int, width: int) -> Strip:
        migration = self.rows[index]
        widths = layout(self.columns, width, self.name_width)
        text = " ".join(
            fit(self.cell(migration, column.key), w, self.ellipsis, keep_end=column.keep_end)
            for column, w in zip(self.columns, widths, strict=True)
        )
        state_style = self.app.stylesheet.parse_style(MIGRATION_LOOK[migration.state].style)
        style: Style = (self.visual_style + state_style).rich_style
        if index == self.cursor:
            style += self.get_component_rich_style("migration-rows--cursor")
        return Strip([Segment(fit(text, width, self.ellipsis), style)], width)


class MigrationTable(Vertical):
    """Column titles above the rows."""

    DEFAULT_CSS = """
    MigrationTable { height: 1fr; }
    MigrationTable > .table-header { height: 1; color: $text-muted; text-style: bold; }
    """

    def __init__(
        self,
        columns: Sequence[TableColumn],
        cell: Cell,
        *,
        ellipsis: str = "…",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.ellipsis = ellipsis
        self.rows_widget = MigrationRows(columns, cell, ellipsis, id=f"{id}-rows" if id else None)
        self.rows_widget.widths_changed = self.update_header
        self._title = ""

    def compose(self) -> ComposeResult:
        yield Static("", classes="table-header")
        yield self.rows_widget

    def on_resize(self, event: events.Resize) -> None:
        self.update_header()

    def update_header(self) -> None:
        """The titles laid out as the rows are: the rows' width (a scrollbar takes from it)
        and their longest name."""
        rows = self.rows_widget
        width = rows.size.width or self.size.width
        widths = layout(self.columns, width, rows.name_width)
        title = " ".join(
            fit(c.title, w, self.ellipsis) for c, w in zip(self.columns, widths, strict=True)
        )
        if title != self._title and self.is_mounted:  # an update re-lays the screen out
            self._title = title
            self.query_one(".table-header", Static).update(title)
