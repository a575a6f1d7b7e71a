"""An editable SQL text with syntax highlighting from Pygments.

Textual's TextArea highlights through tree-sitter, an optional extra of about 70 MB that mend
does not install (a read-only preview uses Pygments already; see widgets/sql_view.py). Its
highlight map is a per-line list of (start byte, end byte, name) read by the theme; this widget
fills that map from Pygments' tokens instead, again after every edit. A data fix is a few
statements, so lexing the whole text each time costs nothing noticeable. (`_build_highlight_map`
and `_highlights` are TextArea internals: Textual is pinned exactly, and a test covers them.)
"""

from __future__ import annotations

from functools import cache

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Name, Number, Operator, String, _TokenType
from textual.widgets import TextArea

# Pygments token types, most specific first, to the names TextArea's themes style.
_NAMES: tuple[tuple[_TokenType, str], ...] = (
    (Comment, "comment"),
    (Keyword.Type, "type.builtin"),
    (Keyword, "keyword"),
    (Name.Builtin, "type.builtin"),
    (Name.Function, "function"),
    (String, "string"),
    (Name.Quoted, "string"),  # MySQL's `quoted` identifiers
    (Number, "number"),
    (Operator, "operator"),
)


@cache
def _lexer(name: str) -> Lexer:
    return get_lexer_by_name(name, stripnl=False, ensurenl=False)


@cache
def highlight_name(token: _TokenType) -> str | None:
    for kind, name in _NAMES:
        if token in kind:
            return name
    return None


def highlight_map(text: str, lexer: str) -> dict[int, list[tuple[int, int, str]]]:
    """{row: [(start byte, end byte, highlight name)]} for `text`."""
    rows: dict[int, list[tuple[int, int, str]]] = {}
    row, column = 0, 0  # column in bytes, as TextArea counts them
    for token, value in _lexer(lexer).get_tokens(text):
        name = highlight_name(token)
        pieces = value.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                row, column = row + 1, 0
            width = len(piece.encode("utf-8"))
            if name is not None and width:
                rows.setdefault(row, []).append((column, column + width, name))
            column += width
    return rows


class SqlEditor(TextArea):
    """A TextArea for SQL: line numbers, no soft wrap, `tab` moves the focus on."""

    def __init__(self, text: str = "", *, lexer: str = "sql", id: str | None = None) -> None:
        self.lexer = lexer
        super().__init__(text, soft_wrap=False, show_line_numbers=True, tab_behavior="focus", id=id)

    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        self._highlights.clear()
        for row, spans in highlight_map(self.text, getattr(self, "lexer", "sql")).items():
            self._highlights[row].extend(spans)
