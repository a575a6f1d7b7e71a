"""The demo project as a fixture, shared by the app's tests (`pytest_plugins = ["demo_fixtures"]`
in a test module, or imported into conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scenes import demo_project


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`mend demo` written in a fresh folder (fixed clock, counted ids), the test run from it."""
    folder = tmp_path / "mend-demo"
    demo_project(folder)
    monkeypatch.chdir(folder)
    yield folder
