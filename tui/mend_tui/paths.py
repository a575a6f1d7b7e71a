"""Paths as the operator reads them."""

from __future__ import annotations

from pathlib import Path


def shown_path(path: Path) -> str:
    """The path relative to the current folder when inside it, else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
