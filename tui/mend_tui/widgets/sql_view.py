"""A read-only SQL viewer for scripts of any size: statement and line numbers in a gutter, the
current statement marked (`n`/`p` move it, `e` jumps to the failed one, `c` copies it), what each
statement left in the database when the caller knows it, and syntax highlighting (Pygments, the
dialect's lexer) done one statement at a time, only for what comes on screen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.highlight import highlight
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mend_core.database.statements import Statement
from mend_tui.presentation import EFFECT_LOOK, EFFECT_WORDS_WIDTH, Effect, Look, effect_mark

# A statement longer than this is highlighted line by line: a 5 MB INSERT must not stall.
MAX_HIGHLIGHT_CHARS = 20_000
# Lines shown above a statement the view jumps to, so that it reads in context.
CONTEXT_LINES = 2


@lru_cache(maxsize=1024)
def highlighted_lines(text: str, lexer: str) -> tuple[Content, ...]:
    """The lines of `text` highlighted, kept for every view: a step shown again (escape back)
    or the same SQL in another view is not highlighted again (Pygments makes the PostgreSQL and
    MySQL lexers anew for each call, a few ms each)."""
    return tuple(highlight(text, language=lexer).split("\n"))


class SqlView(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "sql-view--gutter",
        "sql-view--failed",
        "sql-view--failed-gutter",
        "sql-view--current-gutter",
    }
    DEFAULT_CSS = """
    SqlView { height: 1fr; }
    SqlView > .sql-view--gutter { color: $text-muted; }
    SqlView > .sql-view--failed-gutter {
        color: $text-error; background: $error-muted; text-style: bold;
    }
    SqlView > .sql-view--failed { background: $error-muted; }
    SqlView > .sql-view--current-gutter {
        background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
        text-style: bold;
    }
    SqlView:focus > .sql-view--current-gutter {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: bold;
    }
    """
    BINDINGS = [
        Binding("n", "next_statement", "Next"),
        Binding("p", "previous_statement", "Previous"),
        Binding("e", "failed_statement", "Failed"),
        Binding("c", "copy_statement", "Copy"),
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
    ]

    def __init__(self, look: Look | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.look = look or Look()
        self.lines: list[str] = []
        self.lexer = "sql"
        self.statements: dict[int, Statement] = {}
        self.statement_of: list[int] = []  # per line: the statement it belongs to, or 0
        self.starts: dict[int, int] = {}  # statement index -> its first line
        self.failing: int | None = None
        self.current: int | None = None  # the statement `n`, `p`, `e` and `c` act on
        self.effects: dict[int, Effect] = {}
        self._highlighted: dict[int, Sequence[Content]] = {}
        self._numbers = (1, 1)  # widths of the statement and line numbers
        self._gutter = 0
        self._strips: dict[tuple[int, int], Strip] = {}
        self._reveal: int | None = None  # the statement to keep on screen until the view settles

    # -- data ---------------------------------------------------------------------------------
    def load(
        self,
        text: str,
        statements: Sequence[Statement] = (),
        failing: int | None = None,
        lexer: str = "sql",
        effects: Mapping[int, Effect | str] | None = None,
    ) -> None:
        """Show `text`, split into `statements`. `effects` ({statement index: effect name})
        marks what each statement left in the database; the recovery engine supplies it."""
        keys_before = self._key_state()
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.lexer = lexer
        self.failing = failing
        self.effects = {i: Effect.named(str(e)) for i, e in (effects or {}).items()}
        self.statements = {s.index: s for s in statements}
        self.statement_of = [0] * len(self.lines)
        self.starts = {}
        for statement in statements:
            first = statement.line - 1
            self.starts[statement.index] = first
            for line in range(first, min(first + statement.sql.count("\n") + 1, len(self.lines))):
                self.statement_of[line] = statement.index
        self._highlighted.clear()
        self._strips.clear()
        self._numbers = (len(str(max(len(statements), 1))), len(str(max(len(self.lines), 1))))
        self._gutter = len(self._gutter_text(0, 0))
        widest = max((len(line) for line in self.lines), default=0)
        self.virtual_size = Size(widest + self._gutter, len(self.lines))
        self.scroll_to(0, 0, animate=False)
        self.current = min(self.starts) if self.starts else None
        self._reveal = None
        if failing is not None and failing in self.starts:
            self.current = failing
            self._reveal = failing
            self.call_after_refresh(self.go_to, failing)  # once the view has its size
        if self._key_state() != keys_before:
            self.refresh_bindings()  # the footer is rebuilt: only when a key comes or goes
        self.refresh()

    def _key_state(self) -> tuple[bool, bool]:
        """What decides which of this view's keys are offered (see check_action)."""
        return bool(self.starts), self.failing is not None and self.failing in self.starts

    @property
    def statement_count(self) -> int:
        return len(self.starts)

    # -- the current statement ----------------------------------------------------------------
    def go_to(self, index: int) -> None:
        """Make statement `index` current and bring it on screen."""
        if index not in self.starts:
            return
        if index != self._reveal:
            self._reveal = None  # another statement was chosen
        self.current = index
        self._strips.clear()
        first = self.starts[index]
        top, height = round(self.scroll_y), max(self.size.height, 1)
        if not top <= first < top + height:
            self.scroll_to(y=max(first - CONTEXT_LINES, 0), animate=False)
        self.refresh()

    def action_next_statement(self) -> None:
        if self.current is None:
            top = round(self.scroll_y)
            following = [i for i, line in self.starts.items() if line >= top]
            self.go_to(min(following, default=min(self.starts, default=0)))
        elif self.current + 1 in self.starts:
            self.go_to(self.current + 1)

    def action_previous_statement(self) -> None:
        if self.current is not None and self.current - 1 in self.starts:
            self.go_to(self.current - 1)

    def action_failed_statement(self) -> None:
        if self.failing is not None:
            self.go_to(self.failing)

    def action_copy_statement(self) -> None:
        statement = self.statements.get(self.current or 0)
        if statement is None:
            return
        # OSC 52: reaches the operator's own clipboard, over SSH too.
        self.app.copy_to_clipboard(statement.sql.strip() + "\n")
        self.notify(f"Statement {statement.index} copied to the clipboard.", timeout=3)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "failed_statement":
            return self.failing is not None and self.failing in self.starts
        if action in ("next_statement", "previous_statement", "copy_statement"):
            return bool(self.starts)
        return True

    def on_click(self, event: events.Click) -> None:
        line = round(self.scroll_y) + event.y
        if 0 <= line < len(self.statement_of) and self.statement_of[line]:
            self.go_to(self.statement_of[line])

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        # The current statement stays on screen as the view is laid out and resized: a jump to
        # the failed statement made before the final layout would otherwise be lost.
        # The jump to the failed statement, made at load, is made again as the view is laid
        # out (made before its final size, it was lost), until another statement is current.
        first = self.starts.get(self._reveal) if self._reveal is not None else None
        height = event.size.height
        if first is not None and height and not self.scroll_y <= first < self.scroll_y + height:
            self.scroll_to(y=max(first - CONTEXT_LINES, 0), animate=False)  # (it redraws)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    # -- rendering ----------------------------------------------------------------------------
    def _gutter_text(self, statement: int, line: int) -> str:
        """`▶ ✗ 3  10 │ `: current mark, effect, statement number (first line), line number."""
        first = statement != 0 and self.starts.get(statement) == line
        cursor = (">" if self.look.ascii else "▶") if first and statement == self.current else " "
        effect = ""
        if self.effects:
            width = EFFECT_WORDS_WIDTH if self.look.words else 1
            known = self.effects.get(statement)
            mark = effect_mark(known, self.look) if first and known else ""
            effect = f"{mark:<{width}} "
        numbers, lines = self._numbers
        label = str(statement) if first else ""
        rule = "|" if self.look.ascii else "│"
        return f"{cursor}{effect}{label:>{numbers}} {line + 1:>{lines}} {rule} "

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
            cached = highlighted_lines(text, self.lexer)
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
        current = statement != 0 and statement == self.current
        gutter_text = self._gutter_text(statement, line)
        if current:
            gutter_class = "sql-view--current-gutter"
        elif failed:
            gutter_class = "sql-view--failed-gutter"
        else:
            gutter_class = "sql-view--gutter"
        gutter_style = base + self.get_component_rich_style(gutter_class)
        segments = self._gutter_segments(gutter_text, statement, line, gutter_style, current)
        marked = self.get_component_rich_style("sql-view--failed") if failed else None
        content = self._highlight(statement, line)
        parse = self.app.stylesheet.parse_style
        visual_base = self.visual_style
        for text, style in content.render(visual_base, end="", parse_style=parse):
            rich = (visual_base + style).rich_style
            segments.append(Segment(text, rich + marked if marked else rich))
        cells = len(gutter_text) + content.cell_length
        return Strip(segments, cells)

    def _gutter_segments(
        self, text: str, statement: int, line: int, style: RichStyle, current: bool
    ) -> list[Segment]:
        """The gutter, its effect mark in the effect's colour (not on the current statement,
        whose gutter is reversed as a cursor is)."""
        effect = self.effects.get(statement)
        if effect is None or current or self.starts.get(statement) != line:
            return [Segment(text, style)]
        start = 1  # after the current-statement mark
        end = start + (EFFECT_WORDS_WIDTH if self.look.words else 1)
        colour = self.app.stylesheet.parse_style(EFFECT_LOOK[effect].style)
        foreground = (self.visual_style + colour).rich_style
        mark_style = style + RichStyle(color=foreground.color, bold=foreground.bold)
        return [
            Segment(text[:start], style),
            Segment(text[start:end], mark_style),
            Segment(text[end:], style),
        ]
