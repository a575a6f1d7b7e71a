"""The replay cache keeps its newest files: the oldest `.pickle` files go, nothing else does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mend_core.schema import states


def test_the_oldest_cache_files_go_and_other_files_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(states, "_MAX_CACHED", 3)
    for age in range(5):
        path = tmp_path / f"{age}.pickle"
        path.write_bytes(b"x")
        os.utime(path, (1_000_000 - age * 10, 1_000_000 - age * 10))  # 0 is the newest
    (tmp_path / "9.99.tmp").write_bytes(b"being written")
    (tmp_path / "dir.pickle").mkdir()  # a folder: not a cache file, whatever its name
    os.utime(tmp_path / "dir.pickle", (1, 1))
    states._trim(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "0.pickle",
        "1.pickle",
        "2.pickle",
        "9.99.tmp",
        "dir.pickle",
    ]
