"""Imports made inside functions are invisible to import-linter (issue 15 §3): every one says why
it is deferred, with a `# deferred: <reason>` comment on its line or on the lines just above it
(one comment may cover a contiguous block of imports); every other import is module-level."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
MARK = "# deferred:"


def function_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """The import statements inside a function's body (at any depth)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            walk(child, inside)

    walk(tree, False)
    return found


def unexplained(source: str) -> list[int]:
    """The first lines of the function-level imports that no `# deferred:` comment covers."""
    lines = source.splitlines()
    imports = function_imports(ast.parse(source))
    covered = {n for node in imports for n in range(node.lineno, (node.end_lineno or 0) + 1)}
    missing = []
    for node in imports:
        if MARK in lines[node.lineno - 1]:
            continue
        above = node.lineno - 1  # 1-based number of the line above
        while above in covered:  # the imports of the same block, directly above
            above -= 1
        comment = []
        while above >= 1 and lines[above - 1].strip().startswith("#"):
            comment.append(lines[above - 1].strip())
            above -= 1
        if not any(line.startswith(MARK) for line in comment):
            missing.append(node.lineno)
    return missing


def checked_files() -> list[Path]:
    return sorted((ROOT / "core").rglob("*.py")) + sorted((ROOT / "tui").rglob("*.py"))


def test_every_function_level_import_says_why_it_is_deferred():
    files = checked_files()
    assert len(files) > 100  # the whole of core/ and tui/, but for the exclusions
    problems = []
    explained = 0
    for path in files:
        source = path.read_text(encoding="utf-8")
        missing = unexplained(source)
        explained += len(function_imports(ast.parse(source))) - len(missing)
        for line in missing:
            text = source.splitlines()[line - 1].strip()
            problems.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not problems, (
        "Imports inside functions without a `# deferred: <reason>` comment (move them to the "
        "module's imports, or say why they wait):\n" + "\n".join(problems)
    )
    assert explained > 0  # the deferred ones were seen, and each has its reason


def test_the_rule_reads_comments_as_described():
    source = """
import os


def a():
    import json  # a: no comment


def b():
    # deferred: one comment
    # over two lines
    import json
    from pathlib import (
        Path,
    )
    import re


def c():
    import json  # deferred: on its line


def d():
    # deferred: a block
    import json

    import re  # d: a blank line ends the block the comment covers


def e():
    # a comment that does not say why
    import json  # e: a comment without the mark
"""
    lines = source.splitlines()
    assert [lines[n - 1].strip() for n in unexplained(source)] == [
        "import json  # a: no comment",
        "import re  # d: a blank line ends the block the comment covers",
        "import json  # e: a comment without the mark",
    ]
