"""Which characters may not reach a terminal as they are, and how to show them instead.

A name, a value or a log line comes from a migrations folder or a database: an escape sequence in
it would reach the terminal that shows it and could set the window title, clear the screen or
write to the clipboard (OSC 52). One definition serves every output that a person reads: SQL
comments (`sql_text.comment`), the CLI, the app and the incident report.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Controls (C0, DEL, C1: ESC and CSI among them), invisible format characters (bidirectional
# overrides and isolates can make a line read as something it is not) and the line and paragraph
# separators.
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp"))
# What a terminal shows as layout: kept by `visible`. Not a lone carriage return: it moves the
# cursor back over what the line showed.
_LAYOUT = frozenset("\n\t")


def is_hidden(character: str) -> bool:
    """Whether `character` is a control, format or separator character."""
    return unicodedata.category(character) in _HIDDEN


@lru_cache(maxsize=256)
def shown(character: str) -> str:
    """How a hidden character is shown, as less and git do: `^[` for ESC (a C0 control is `^`
    and the letter 64 above it), `^?` for DEL, `<U+009B>` for anything else."""
    code = ord(character)
    if code < 0x20:
        return "^" + chr(code + 64)
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """`text` with every hidden character but a line feed and a tab shown (`shown`): safe to
    write to a terminal. A CRLF is written as the LF a terminal would show it as."""
    if text.isprintable():  # the common case: no character of those categories
        return text
    return "".join(
        character if character in _LAYOUT or not is_hidden(character) else shown(character)
        for character in text.replace("\r\n", "\n")
    )
