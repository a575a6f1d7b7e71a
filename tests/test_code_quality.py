"""ruff, ruff format, mypy and the import contract, as part of the suite."""

from __future__ import annotations

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
