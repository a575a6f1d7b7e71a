"""The demo project as a fixture, shared by the app's tests (imported into conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`mend demo` written in a fresh folder (fixed clock, counted ids), the test run from it."""
    from scenes import demo_project  # (textual and the app: loaded by the tests that use it)

    folder = tmp_path / "mend-demo"
    demo_project(folder)
    monkeypatch.chdir(folder)
    yield folder
