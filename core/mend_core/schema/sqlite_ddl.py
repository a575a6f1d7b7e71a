"""What SQLite's pragmas do not tell: constraint names, CHECK expressions, AUTOINCREMENT,
generated-column expressions and index expressions, read from the stored CREATE statements.

A small tokenizer (quotes, brackets, comments) and a split on top-level commas are enough: the
statements were accepted by SQLite, so they are well formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

# Whitespace and comments are skipped by the pattern itself: one match per token.
_TOKEN = re.compile(
    r"""
    (?:\s+|--[^\n]*|/\*.*?\*/)*
    (?:
        (?P<string>'(?:[^']|'')*')
      | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
      | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
      | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
      | (?P<punct>.)
    )
    """,
    re.S | re.X,
)

COLUMN_CONSTRAINT_WORDS = {
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
}


class Token(NamedTuple):
    """One token; a NamedTuple because inspecting 1000 tables makes ~100,000 of them."""

    kind: str
    text: str
    start: int
    end: int
    upper: str  # the text in upper case for words, as is otherwise

    @property
    def identifier(self) -> str:
        """The name a word or quoted token stands for."""
        if self.kind == "quoted":
            inner = self.text[1:-1]
            quote = self.text[0]
            return inner if quote == "[" else inner.replace(quote * 2, quote)
        if self.kind == "string":
            return self.text[1:-1].replace("''", "'")
        return self.text


def tokenize(sql: str) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind is None:  # trailing whitespace or comment
            continue
        start, end = match.span(kind)
        text = sql[start:end]
        append(Token(kind, text, start, end, text.upper() if kind == "word" else text))
    return tokens


def _matching(tokens: list[Token], open_index: int) -> int:
    """Index of the `)` closing the `(` at open_index."""
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].text == "(":
            depth += 1
        elif tokens[index].text == ")":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def _split_top_level(tokens: list[Token]) -> list[list[Token]]:
    items: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if token.text == "," and depth == 0:
            items.append([])
            continue
        items[-1].append(token)
    return [item for item in items if item]


def _text(sql: str, tokens: list[Token]) -> str:
    return sql[tokens[0].start : tokens[-1].end] if tokens else ""


def _names(tokens: list[Token]) -> tuple[str, ...]:
    """Identifiers of a parenthesised column list, without ASC/DESC/COLLATE."""
    names = []
    for item in _split_top_level(tokens):
        names.append(item[0].identifier)
    return tuple(names)


@dataclass
class ParsedTable:
    """The facts of a CREATE TABLE statement that mend needs."""

    primary_key_name: str | None = None
    autoincrement: bool = False
    checks: list[tuple[str | None, str]] = field(default_factory=list)
    unique_names: dict[tuple[str, ...], str] = field(default_factory=dict)
    foreign_key_names: dict[tuple[tuple[str, ...], str], str] = field(default_factory=dict)
    generated: dict[str, str] = field(default_factory=dict)
    column_checks: dict[str, str] = field(default_factory=dict)


# What splits a statement into items: strings, quoted names, comments, parentheses, commas.
_STRUCTURE = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|\[[^\]]*\]|--[^\n]*|/\*.*?\*/|[(),]",
    re.S,
)
# A column item worth tokenizing: anything beyond a name, a type, NULL-ness and a default.
_INTERESTING = re.compile(
    r"\b(?:CONSTRAINT|PRIMARY|UNIQUE|CHECK|REFERENCES|FOREIGN|AUTOINCREMENT|GENERATED|AS)\b", re.I
)


def _items(sql: str) -> list[str]:
    """The top-level items between the outer parentheses of CREATE TABLE (quick: only the
    structural characters are matched, not every token)."""
    depth = 0
    start = -1
    items = []
    for match in _STRUCTURE.finditer(sql):
        text = match.group()
        if text == "(":
            depth += 1
            if depth == 1:
                start = match.end()
        elif text == ")":
            depth -= 1
            if depth == 0:
                items.append(sql[start : match.start()])
                return items
        elif text == "," and depth == 1:
            items.append(sql[start : match.start()])
            start = match.end()
    return []  # CREATE TABLE ... AS SELECT


_NAME = r'(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[A-Za-z_][A-Za-z_0-9$]*)'
_NAMES = rf"\(\s*{_NAME}(?:\s*,\s*{_NAME})*\s*\)"
# The named keys and foreign keys Prisma writes, read without tokenizing (the common case).
_SIMPLE_KEY = re.compile(
    rf"^\s*CONSTRAINT\s+(?P<name>{_NAME})\s+(?P<kind>PRIMARY\s+KEY|UNIQUE)\s*"
    rf"(?P<columns>{_NAMES})\s*$",
    re.I,
)
_SIMPLE_FOREIGN_KEY = re.compile(
    rf"^\s*CONSTRAINT\s+(?P<name>{_NAME})\s+FOREIGN\s+KEY\s*(?P<columns>{_NAMES})\s*"
    rf"REFERENCES\s+(?P<table>{_NAME})\b",
    re.I,
)
_NAME_ONLY = re.compile(_NAME)


def _unquote(name: str) -> str:
    if name[0] in '"`':
        return name[1:-1].replace(name[0] * 2, name[0])
    if name[0] == "[":
        return name[1:-1]
    return name


def _simple_constraint(item: str, parsed: ParsedTable) -> bool:
    match = _SIMPLE_KEY.match(item)
    if match:
        name = _unquote(match.group("name"))
        if match.group("kind").upper().startswith("PRIMARY"):
            parsed.primary_key_name = name
        else:
            columns = tuple(_unquote(n) for n in _NAME_ONLY.findall(match.group("columns")))
            parsed.unique_names[columns] = name
        return True
    match = _SIMPLE_FOREIGN_KEY.match(item)
    if match:
        columns = tuple(_unquote(n) for n in _NAME_ONLY.findall(match.group("columns")))
        table = _unquote(match.group("table")).lower()
        parsed.foreign_key_names[columns, table] = _unquote(match.group("name"))
        return True
    return False


# Prisma's tables hold nothing but named keys: read those from the whole statement at once,
# unless something else needs the full parse (checks, AUTOINCREMENT, generated columns, or a
# CONSTRAINT the quick pattern does not account for).
_NEEDS_FULL_PARSE = re.compile(r"\b(?:CHECK|AUTOINCREMENT|GENERATED)\b|\bAS\s*\(", re.I)
_CONSTRAINT_WORD = re.compile(r"\bCONSTRAINT\b", re.I)
_TABLE_CONSTRAINT = re.compile(
    rf"[(,]\s*CONSTRAINT\s+(?P<name>{_NAME})\s+(?:(?P<kind>PRIMARY\s+KEY|UNIQUE)\s*"
    rf"(?P<key_columns>{_NAMES})|FOREIGN\s+KEY\s*(?P<columns>{_NAMES})\s*REFERENCES\s+"
    rf"(?P<table>{_NAME}))",
    re.I,
)


def _needs_full_parse(sql: str, upper: str | None) -> bool:
    """`_NEEDS_FULL_PARSE.search(sql)`, sped up: case-insensitive regexes with word boundaries
    cost ~10 us a statement, a substring test of the upper-cased text 0.2 us. For ASCII text
    (`upper` given) the pattern can only match where one of its words occurs."""
    if upper is not None and not any(word in upper for word in _FULL_PARSE_WORDS):
        return False
    return _NEEDS_FULL_PARSE.search(sql) is not None


_FULL_PARSE_WORDS = ("CHECK", "AUTOINCREMENT", "GENERATED", "AS")


def _counts_every_constraint(sql: str, upper: str | None, found: int) -> bool:
    """Whether the `found` quick matches are all the CONSTRAINT words of the statement. Each
    match holds one such word, so when the plain substring count (an upper bound, exact for
    ASCII text) equals it, the regex count would too."""
    if upper is not None and upper.count("CONSTRAINT") == found:
        return True
    return len(_CONSTRAINT_WORD.findall(sql)) == found


def _quick_parse(sql: str) -> ParsedTable | None:
    # Upper-casing is only a faithful stand-in for re.IGNORECASE on ASCII text.
    upper = sql.upper() if sql.isascii() else None
    if _needs_full_parse(sql, upper):
        return None
    matches = list(_TABLE_CONSTRAINT.finditer(sql))
    if not _counts_every_constraint(sql, upper, len(matches)):
        return None
    parsed = ParsedTable()
    for match in matches:
        name = _unquote(match.group("name"))
        if match.group("kind"):
            if match.group("kind").upper().startswith("PRIMARY"):
                parsed.primary_key_name = name
            else:
                columns = tuple(_unquote(n) for n in _NAME_ONLY.findall(match.group("key_columns")))
                parsed.unique_names[columns] = name
        else:
            columns = tuple(_unquote(n) for n in _NAME_ONLY.findall(match.group("columns")))
            parsed.foreign_key_names[columns, _unquote(match.group("table")).lower()] = name
    return parsed


def parse_create_table(sql: str) -> ParsedTable:
    quick = _quick_parse(sql)
    if quick is not None:
        return quick
    parsed = ParsedTable()
    for item in _items(sql):
        if not _INTERESTING.search(item) or _simple_constraint(item, parsed):
            continue
        tokens = tokenize(item)
        if not tokens:
            continue
        if tokens[0].upper in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            _table_constraint(item, tokens, parsed)
        else:
            _column_definition(item, tokens, parsed)
    return parsed


def _constraint_name(item: list[Token]) -> tuple[str | None, list[Token]]:
    if item and item[0].upper == "CONSTRAINT" and len(item) > 1:
        return item[1].identifier, item[2:]
    return None, item


def _table_constraint(sql: str, item: list[Token], parsed: ParsedTable) -> None:
    name, rest = _constraint_name(item)
    if not rest:
        return
    kind = rest[0].upper
    if kind == "PRIMARY":
        parsed.primary_key_name = name
    elif kind == "UNIQUE":
        open_at = next((i for i, t in enumerate(rest) if t.text == "("), None)
        if open_at is not None and name:
            close = _matching(rest, open_at)
            parsed.unique_names[_names(rest[open_at + 1 : close])] = name
    elif kind == "CHECK":
        open_at = 1
        close = _matching(rest, open_at)
        parsed.checks.append((name, _text(sql, rest[open_at + 1 : close])))
    elif kind == "FOREIGN":
        open_at = next(i for i, t in enumerate(rest) if t.text == "(")
        close = _matching(rest, open_at)
        columns = _names(rest[open_at + 1 : close])
        references = next(i for i, t in enumerate(rest) if t.upper == "REFERENCES")
        if name:
            parsed.foreign_key_names[columns, rest[references + 1].identifier.lower()] = name


def _column_definition(sql: str, item: list[Token], parsed: ParsedTable) -> None:
    column = item[0].identifier
    index = 1
    name: str | None = None
    while index < len(item):
        word = item[index].upper
        if word == "CONSTRAINT" and index + 1 < len(item):
            name = item[index + 1].identifier
            index += 2
            continue
        if word == "AUTOINCREMENT":
            parsed.autoincrement = True
        elif word == "PRIMARY" and name:
            parsed.primary_key_name = name
        elif word == "UNIQUE" and name:
            parsed.unique_names[(column,)] = name
        elif word == "CHECK" and index + 1 < len(item) and item[index + 1].text == "(":
            close = _matching(item, index + 1)
            parsed.checks.append((name, _text(sql, item[index + 2 : close])))
            index = close
        elif word == "REFERENCES" and index + 1 < len(item) and name:
            parsed.foreign_key_names[(column,), item[index + 1].identifier.lower()] = name
        elif word == "AS" and index + 1 < len(item) and item[index + 1].text == "(":
            close = _matching(item, index + 1)
            parsed.generated[column] = _text(sql, item[index + 2 : close])
            index = close
        if word in COLUMN_CONSTRAINT_WORDS and word != "CONSTRAINT":
            name = name if word in ("NOT",) else None
        index += 1


@dataclass(frozen=True)
class ParsedIndex:
    """Each indexed item's text (expressions included) and the WHERE of a partial index."""

    items: tuple[str, ...]
    where: str | None


def parse_create_index(sql: str) -> ParsedIndex:
    tokens = tokenize(sql)
    on = next((i for i, t in enumerate(tokens) if t.upper == "ON"), None)
    if on is None:
        return ParsedIndex((), None)
    open_at = next(i for i in range(on, len(tokens)) if tokens[i].text == "(")
    close = _matching(tokens, open_at)
    items = []
    for item in _split_top_level(tokens[open_at + 1 : close]):
        while item and item[-1].upper in ("ASC", "DESC"):
            item = item[:-1]
        items.append(_text(sql, item))
    where = None
    rest = tokens[close + 1 :]
    if rest and rest[0].upper == "WHERE":
        where = _text(sql, rest[1:])
    return ParsedIndex(tuple(items), where)
