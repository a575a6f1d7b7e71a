"""ruff, ruff format, mypy and the import contract, as part of the suite."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(command: list[str]):
    completed = subprocess.run(
        [str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


# A decision on a database family's name (issue 15 §1): what differs between the families is
# asked of the dialect object (core/mend_core/dialects), not decided by name elsewhere. Caught: a
# comparison with a family's name, with a dialect's name (either side, or among others) or with a
# provider's, a `match` on one, and a table keyed by family names (`{"postgresql": ...}`,
# `TABLE[dialect]`, `TABLE.get(dialect)`).
_FAMILY = "(postgresql|mysql|sqlite)"
_DIALECT_NAME_TEST = re.compile(
    rf'(==|!=|in) *\(?"{_FAMILY}"|"{_FAMILY}" *(==|!=|in)'
    r"|dialect *(==|!=|in) |provider *(==|!=)|(==|!=) *[\w.]*dialect\b|in *\([^)]*dialect\)"
    rf'|case +"{_FAMILY}"|"{_FAMILY}" *:'
    r"|\w\[[\w.]*(dialect|provider)\]|\.get\( *[\w.]*(dialect|provider)\b"
)


def test_dialect_names_are_compared_only_in_the_dialects():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("core", "tui")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "mend_core/dialects/" not in path.as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _DIALECT_NAME_TEST.search(line)
    ]
    assert found == [], "\n".join(found)


def _function_level_imports(path: Path) -> list[tuple[int, list[str]]]:
    """Each import made inside a function: its line number, and the comment lines just above."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                above = node.lineno - 2
                comments: list[str] = []
                while above >= 0 and lines[above].strip().startswith("#"):
                    comments.insert(0, lines[above].strip())
                    above -= 1
                found.append((node.lineno, comments))
    return found


def test_the_dialects_say_why_each_import_inside_a_function_is_deferred():
    """Imports inside functions are invisible to import-linter (issue 15 §3): in the dialects,
    each one left says why it waits (`# deferred: <reason>`: start-up time, an import cycle)."""
    package = ROOT / "core" / "mend_core" / "dialects"
    imports = [
        (path, number, comments)
        for path in sorted(package.glob("*.py"))
        for number, comments in _function_level_imports(path)
    ]
    unexplained = [
        f"{path.relative_to(ROOT)}:{number}"
        for path, number, comments in imports
        if not (comments and comments[0].startswith("# deferred: ") and len(comments[0]) > 14)
    ]
    assert imports and unexplained == [], "\n".join(unexplained)
