"""The demo project, the package's shape, and what the command line never does."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from mend_core.errors import MendError
from mend_core.history.status import DatabaseState, MigrationState, get_status
from mend_core.operations.demo import create_demo


def test_demo_reproduces_the_incident(tmp_path: Path):
    demo = create_demo(tmp_path / "demo")
    report = get_status(demo.context)
    assert report.state is DatabaseState.FAILED
    assert [m.state for m in report.migrations] == [
        MigrationState.APPLIED,
        MigrationState.APPLIED,
        MigrationState.FAILED,
    ]
    failure = report.migrations[2].failure()
    assert failure is not None and failure.statement_index == 3
    assert "UNIQUE constraint failed: User.name" in failure.message
    with sqlite3.connect(demo.database) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        users = raw.execute('SELECT name FROM "User"').fetchall()
    assert {"User", "Post", "_prisma_migrations"} <= tables  # Post landed: half-way
    assert "User_email_idx" in indexes and "User_name_key" not in indexes
    assert users == [("paul",), ("paul",)]


def test_demo_twice_and_not_over_other_folders(tmp_path: Path):
    create_demo(tmp_path / "demo")
    again = create_demo(tmp_path / "demo")
    assert get_status(again.context).state is DatabaseState.FAILED
    other = tmp_path / "mine"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    with pytest.raises(MendError) as caught:
        create_demo(other)
    assert caught.value.code == "M5001"
    assert (other / "precious.txt").read_text() == "keep me"


def test_demo_ignores_the_callers_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod.example/app")
    demo = create_demo(tmp_path / "demo")
    assert demo.context.target.dialect == "sqlite"


def test_demo_command_prints_status(tmp_path: Path):
    completed = subprocess.run(
        [sys.executable, "-m", "mend_tui", "demo", str(tmp_path / "d"), "--no-tui"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert "failed migration: 20240103000000_unique" in completed.stdout
    status = subprocess.run(
        [sys.executable, "-m", "mend_tui", "status", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path / "d",
    )
    assert status.returncode == 4
    assert json.loads(status.stdout)["summary"]["url_source"] == "DATABASE_URL (.env)"


def test_core_never_imports_the_ui():
    code = (
        "import sys\n"
        "import mend_core.history.status, mend_core.operations.deploy\n"
        "import mend_core.operations.resolve, mend_core.operations.execute\n"
        "import mend_core.operations.demo, mend_core.project.context, mend_core.history.failure\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'rich', 'pygments', 'mend_tui')]\n"
        "print(','.join(bad))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == ""


def test_import_linter_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    completed = subprocess.run(
        [str(lint)], capture_output=True, text=True, cwd=Path(__file__).parent.parent
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Contracts: 7 kept, 0 broken." in completed.stdout


def test_help_imports_no_driver_or_ui():
    code = (
        "import sys\n"
        "from mend_tui.cli import main\n"
        "try:\n    main(['--help'], prog_name='mend')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('textual', 'psycopg', 'pymysql', 'pglast', 'sqlparse', 'sqlite3')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "Usage: mend" in completed.stdout
    assert "HEAVY=\n" in completed.stdout


def test_python_dash_m_and_version():
    completed = subprocess.run(
        [sys.executable, "-m", "mend_tui", "--version"], capture_output=True, text=True
    )
    assert completed.returncode == 0 and completed.stdout.startswith("mend, version ")


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_password_never_written(project: Project, db: TestDatabase):
    """The URL carries a password: it must not reach stdout, stderr, the journal or the logs.

    PostgreSQL's trust authentication accepts it, so every command runs for real; MariaDB's root
    has no password, so there it exercises the authentication-failure path."""
    secret = "Sup3r-Secret-Pa55"
    user = "postgres" if db.dialect == "postgresql" else "root"
    url = db.url.replace(f"{user}@", f"{user}:{secret}@", 1)
    project.add("1_a", "CREATE TABLE a (x int);\n")
    project.add("2_bad", "SELECT * FROM nowhere;\n")
    outputs: list[str] = []
    for args in (
        ["deploy", "--yes"],
        ["status"],
        ["status", "--json"],
        ["deploy", "--dry-run"],
        ["resolve", "--rolled-back", "2_bad", "--yes"],
    ):
        completed = project.mend(*args, "--url", url)
        outputs += [completed.stdout, completed.stderr]
    if db.dialect == "postgresql":
        assert "marked as rolled back" in outputs[-2]
    else:
        pairs = zip(outputs[0::2], outputs[1::2], strict=True)
        assert all("P1000" in out + err for out, err in pairs), outputs
    broken = project.mend("status", "--url", url.replace(":5432/", ":1/").replace(":3306/", ":1/"))
    outputs += [broken.stdout, broken.stderr]
    journal = project.root / "journal.jsonl"
    if journal.exists():
        outputs.append(journal.read_text())
    if "_prisma_migrations" in db.tables():
        outputs += [str(row) for row in db.history()]
    everything = "\n".join(outputs)
    assert secret not in everything and "Sup3r-Secret" not in everything
    assert "****" in everything or db.dialect == "mysql"
