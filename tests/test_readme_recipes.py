"""The README's recipes, run as written, on the demo project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
MARKER = "<!-- recipe: demo -->"


def recipes() -> list[list[str]]:
    """The command lines of every code block the README marks as a demo recipe."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for part in text.split(MARKER)[1:]:
        body = re.search(r"```sh\n(.*?)```", part, re.S)
        assert body is not None, "a recipe marker without a code block after it"
        lines = [line.split("  #", 1)[0].strip() for line in body.group(1).splitlines()]
        blocks.append([line for line in lines if line.startswith("mend ")])
    return blocks


def test_there_are_recipes():
    assert sum(len(block) for block in recipes()) >= 10


@pytest.mark.parametrize("block", recipes(), ids=lambda b: b[0][:40])
def test_recipe_runs_as_written(block: list[str], tmp_path: Path):
    from mend_core.operations.demo import create_demo

    demo = create_demo(tmp_path / "demo")
    env = {**os.environ, "NO_COLOR": "1", "MEND_JOURNAL": str(tmp_path / "journal.jsonl")}
    env.pop("DATABASE_URL", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for line in block:
        completed = subprocess.run(
            ["bash", "-c", line],
            cwd=demo.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        # 2 is an answer, not a failure, for `diff --exit-code` and `drift` (differences found).
        assert completed.returncode in (0, 2), (line, completed.stdout, completed.stderr)
        assert "Error:" not in completed.stderr, (line, completed.stderr)
        assert "Traceback" not in completed.stdout + completed.stderr


def test_the_library_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The README's library example recovers the demo's incident (SQLite), as written."""
    from mend_core.history.status import DatabaseState, get_status
    from mend_core.operations.demo import create_demo

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### The library", 1)[1]
    body = re.search(r"```python\n(.*?)```", section, re.S)
    assert body is not None
    demo = create_demo(tmp_path / "demo")
    monkeypatch.chdir(demo.root)
    monkeypatch.setenv("MEND_JOURNAL", str(tmp_path / "journal.jsonl"))
    namespace: dict[str, object] = {}
    exec(compile(body.group(1), "README.md", "exec"), namespace)  # the README's own text
    report = get_status(demo.context)
    assert report.state is not DatabaseState.FAILED, report.next_step
    rolled_back = report.get(demo.failed_migration)
    assert rolled_back is not None and rolled_back.rows[-1].rolled_back_at is not None
