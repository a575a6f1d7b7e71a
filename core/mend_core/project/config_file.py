"""Where a Prisma 7 config file is: looked for on every run, read (prisma_config.py, a whole
TypeScript-subset reader) only when there is one."""

from __future__ import annotations

from pathlib import Path

# Prisma 7.10's search order (@prisma/config loadConfigFromFile.ts): `prisma7.config.*` first,
# then c12's legacy names, each with its extensions in c12's order and then as a folder index.
EXTENSIONS = (".js", ".ts", ".mjs", ".cjs", ".mts", ".cts")
_PRISMA7_BASES = ("prisma7.config", ".config/prisma7")
_LEGACY_BASES = ("prisma.config", ".config/prisma", ".config/prisma.config")
CONFIG_CANDIDATES: tuple[str, ...] = tuple(
    base + ext for base in _PRISMA7_BASES for ext in EXTENSIONS
) + tuple(
    name
    for base in _LEGACY_BASES
    for name in (
        *(base + ext for ext in EXTENSIONS),
        *(f"{base}/index{ext}" for ext in EXTENSIONS),
    )
)


def find_config_file(root: Path) -> Path | None:
    """The config file Prisma 7 would load from `root`, or None."""
    for candidate in CONFIG_CANDIDATES:
        path = root / candidate
        if path.is_file():
            return path
    return None
