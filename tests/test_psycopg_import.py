"""psycopg is imported without importlib.metadata, and with the same version strings; where its
version module is not what mend expects, it is imported as usual."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

pytest.importorskip("psycopg")

REPORT = (
    "import sys, psycopg, psycopg_binary; "
    "print(psycopg.__version__, psycopg_binary.__version__, psycopg.pq.__impl__, "
    "'importlib.metadata' in sys.modules)"
)


def run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_versions_are_those_installed_without_importlib_metadata():
    fields = run(
        "from mend_core.dialects.psycopg_import import import_psycopg; import_psycopg(); " + REPORT
    )
    assert fields == [
        metadata.version("psycopg"),
        metadata.version("psycopg-binary"),
        "binary",
        "False",
    ]


def test_an_unexpected_version_module_falls_back_to_the_usual_import():
    # A version module without the name psycopg imports from it: the import fails, and is made
    # again as psycopg makes it.
    fields = run(
        "import types, mend_core.dialects.psycopg_import as shim\n"
        "def broken(name, package, prefix):\n"
        "    import sys; sys.modules[name] = types.ModuleType(name); return True\n"
        "shim._give = broken\n"
        "shim.import_psycopg()\n" + REPORT
    )
    assert fields == [
        metadata.version("psycopg"),
        metadata.version("psycopg-binary"),
        "binary",
        "True",
    ]
