"""Import psycopg without importlib.metadata.

psycopg and psycopg-binary each read their own version at import, with
`importlib.metadata.version`: that imports email, zipfile and csv and scans every folder of
sys.path, about a quarter of psycopg's import time, which every mend command that talks to
PostgreSQL pays before its first query. Their `version` modules hold nothing but that string,
so mend gives them one with the same string, read from the name of the distribution's
metadata folder (`psycopg-3.3.9.dist-info`). Where that cannot be read with certainty (another
layout, several candidates), or psycopg does not import with it, psycopg imports as usual.
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec
from types import ModuleType

# (module, its package, the distribution's folder-name prefix)
_VERSION_MODULES = (
    ("psycopg.version", "psycopg", "psycopg-"),
    ("psycopg_binary.version", "psycopg_binary", "psycopg_binary-"),
)


def import_psycopg() -> ModuleType:
    """psycopg, imported once; ImportError if it is not installed."""
    if "psycopg" in sys.modules:  # imported already (or barred: None, an ImportError)
        # deferred: this function is the first import of psycopg (about 200 ms here), made
        # when a PostgreSQL database is connected; here it is imported already (a lookup)
        import psycopg

        return psycopg
    given = [name for name, package, prefix in _VERSION_MODULES if _give(name, package, prefix)]
    try:
        # deferred: the first import of psycopg, after its version module is given
        import psycopg
    except ImportError:
        if not given:
            raise
        # Not what psycopg expects of its version module: import it as it does itself.
        for name in list(sys.modules):
            if name == "psycopg" or name.startswith(("psycopg.", "psycopg_binary")):
                del sys.modules[name]
        # deferred: psycopg imported again, as it imports itself
        import psycopg
    return psycopg


def _give(name: str, package: str, prefix: str) -> bool:
    """Put `name` in sys.modules with the installed distribution's version; False if unsure."""
    if name in sys.modules:
        return False
    try:
        spec = find_spec(package)  # finds the package without importing it
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    folders = list(spec.submodule_search_locations)
    if len(folders) != 1:
        return False
    site = os.path.dirname(folders[0])
    try:
        found = [
            entry.name
            for entry in os.scandir(site)
            if entry.name.startswith(prefix) and entry.name.endswith(".dist-info")
        ]
    except OSError:
        return False
    if len(found) != 1:
        return False
    version = found[0][len(prefix) : -len(".dist-info")]
    if not version or not version[0].isdigit():
        return False
    module = ModuleType(name, f"{package}'s version, as installed")
    module.__version__ = version  # type: ignore[attr-defined]
    sys.modules[name] = module
    return True
