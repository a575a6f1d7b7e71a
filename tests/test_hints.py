"""Every hint names only commands, options and README sections that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from mend_tui.cli import main

ROOT = Path(__file__).parent.parent
SOURCES = sorted((ROOT / "core" / "mend_core").rglob("*.py")) + sorted(
    (ROOT / "tui" / "mend_tui").rglob("*.py")
)
COMMAND = re.compile(r"`mend ([a-z][a-z-]*)([^`]*)`")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*[a-z])")
README_SECTION = re.compile(r"README, section “([^”]+)”")
# Options of other programs that hints may name.
FOREIGN = {"--force"}


def _text_of(node: ast.AST) -> str:
    """The constant text of a string or f-string (placeholders dropped)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text_of(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text_of(node.left) + _text_of(node.right)
    if isinstance(node, ast.IfExp):
        return _text_of(node.body) + " " + _text_of(node.orelse)
    return ""


def hints() -> list[tuple[str, str]]:
    """(where, text) of every hint given to an error, and of every message, in the code."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in ("MendError", "UsageError"):
                continue
            texts = [_text_of(arg) for arg in node.args[1:]]
            texts += [_text_of(k.value) for k in node.keywords if k.arg in ("hint", "message")]
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            found += [(where, text) for text in texts if text]
    return found


def commands() -> dict[str, set[str]]:
    """Each subcommand's options (and the group's own, which every command accepts too)."""
    group = {o for p in main.params for o in getattr(p, "opts", []) if o.startswith("--")}
    result = {"": group}
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        result[name] = group | {
            o for p in command.params for o in getattr(p, "opts", []) if o.startswith("--")
        }
    return result


def test_hints_are_found():
    assert len(hints()) > 80


@pytest.mark.parametrize(("where", "text"), hints(), ids=lambda v: v[:40])
def test_hint_names_only_what_exists(where: str, text: str):
    known = commands()
    every_option = set().union(*known.values()) | FOREIGN
    for match in COMMAND.finditer(text):
        command, rest = match.group(1), match.group(2)
        assert command in known, f"{where}: `mend {command}` is not a command"
        for option in OPTION.findall(rest):
            assert option in known[command], f"{where}: `mend {command}` has no {option}"
    for option in OPTION.findall(COMMAND.sub("", text)):
        assert option in every_option, f"{where}: no command has {option}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = {line.lstrip("#").strip() for line in readme.splitlines() if line.startswith("#")}
    for section in README_SECTION.findall(text):
        assert section in headings, f"{where}: README has no section “{section}”"
    assert "README:" not in text, f"{where}: name a README section as README, section “...”"
