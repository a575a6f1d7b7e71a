"""A read-only SQL viewer for scripts of any size: statement and line numbers in a gutter, the
failing statement marked, and syntax highlighting (Pygments, the dialect's lexer) done one
statement at a time, only for what comes on screen."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.highlight import highlight
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mend_core.statements import Statement

# A statement longer than this is highlighted line by line: a 5 MB INSERT must not stall.
MAX_HIGHLIGHT_CHARS = 20_000


class SqlView(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"sql-view--gutter", "sql-view--failed", "sql-view--failed-gutter"}
    DEFAULT_CSS = """
    SqlView { height: 1fr; }
    SqlView > .sql-view--gutter { color: $text-muted; }
    SqlView > .sql-view--failed-gutter {
        color: $text-error; background: $error-muted; text-style: bold;
    }
    SqlView > .sql-view--failed { background: $error-muted; }
    """
    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
        Binding("left,h", "scroll_left", "Left", show=False),
        Binding("right,l", "scroll_right", "Right", show=False),
        Binding("n", "next_statement", "Next statement"),
        Binding("f", "failed_statement", "Failed statement", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lines: list[str] = []
        self.lexer = "sql"
        self.statement_of: list[int] = []  # per line: the statement it belongs to, or 0
        self.starts: dict[int, int] = {}  # statement index -> its first line
        self.failing: int | None = None
        self._highlighted: dict[int, list[Content]] = {}
        self._gutter = 0
        self._strips: dict[tuple[int, int], Strip] = {}

    # -- data ---------------------------------------------------------------------------------
    def load(
        self,
        text: str,
        statements: Sequence[Statement] = (),
        failing: int | None = None,
        lexer: str = "sql",
    ) -> None:
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.lexer = lexer
        self.failing = failing
        self.statement_of = [0] * len(self.lines)
        self.starts = {}
        for statement in statements:
            first = statement.line - 1
            self.starts[statement.index] = first
            for line in range(first, min(first + statement.sql.count("\n") + 1, len(self.lines))):
                self.statement_of[line] = statement.index
        self._highlighted.clear()
        self._strips.clear()
        numbers = len(str(max(len(statements), 1))) + len(str(max(len(self.lines), 1)))
        self._gutter = numbers + 5
        widest = max((len(line) for line in self.lines), default=0)
        self.virtual_size = Size(widest + self._gutter, len(self.lines))
        self.scroll_to(0, 0, animate=False)
        if failing is not None:
            self.call_after_refresh(self.action_failed_statement)
        self.refresh()

    @property
    def statement_count(self) -> int:
        return len(self.starts)

    # -- navigation ---------------------------------------------------------------------------
    def action_next_statement(self) -> None:
        top = round(self.scroll_y)
        following = sorted(line for line in self.starts.values() if line > top)
        if following:
            self.scroll_to(y=following[0], animate=False)

    def action_failed_statement(self) -> None:
        if self.failing is not None and self.failing in self.starts:
            self.scroll_to(y=max(self.starts[self.failing] - 2, 0), animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()

    # -- rendering ----------------------------------------------------------------------------
    def _highlight(self, statement: int, line: int) -> Content:
        """The highlighted content of one line, highlighting its whole statement once."""
        if statement == 0:
            return highlight(self.lines[line], language=self.lexer).split("\n")[0]
        cached = self._highlighted.get(statement)
        if cached is None:
            first = self.starts[statement]
            last = first
            while last + 1 < len(self.lines) and self.statement_of[last + 1] == statement:
                last += 1
            text = "\n".join(self.lines[first : last + 1])
            if len(text) > MAX_HIGHLIGHT_CHARS:
                return highlight(self.lines[line], language=self.lexer).split("\n")[0]
            cached = highlight(text, language=self.lexer).split("\n")
            self._highlighted[statement] = cached
        offset = line - self.starts[statement]
        return cached[offset] if offset < len(cached) else Content(self.lines[line])

    def render_line(self, y: int) -> Strip:
        line = round(self.scroll_y) + y
        width = self.size.width
        base = self.rich_style
        if line >= len(self.lines):
            return Strip.blank(width, base)
        key = (line, round(self.scroll_x))
        cached = self._strips.get(key)
        if cached is not None:
            return cached
        strip = self._render_source_line(line, base).crop_extend(
            round(self.scroll_x), round(self.scroll_x) + width, base
        )
        if len(self._strips) > 4000:
            self._strips.clear()
        self._strips[key] = strip
        return strip

    def _render_source_line(self, line: int, base: RichStyle) -> Strip:
        statement = self.statement_of[line] if line < len(self.statement_of) else 0
        failed = statement != 0 and statement == self.failing
        first = statement != 0 and self.starts.get(statement) == line
        numbers = len(str(max(len(self.lines), 1)))
        mark = "▶" if failed and first else " "
        label = str(statement) if first else ""
        gutter_text = f"{mark}{label:>{self._gutter - numbers - 4}} {line + 1:>{numbers}} │ "
        gutter_style = base + self.get_component_rich_style(
            "sql-view--failed-gutter" if failed else "sql-view--gutter"
        )
        segments = [Segment(gutter_text, gutter_style)]
        marked = self.get_component_rich_style("sql-view--failed") if failed else None
        content = self._highlight(statement, line)
        parse = self.app.stylesheet.parse_style
        visual_base = self.visual_style
        for text, style in content.render(visual_base, end="", parse_style=parse):
            rich = (visual_base + style).rich_style
            segments.append(Segment(text, rich + marked if marked else rich))
        cells = len(gutter_text) + content.cell_length
        return Strip(segments, cells)
