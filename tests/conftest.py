"""Fixtures: an empty database per test on SQLite, PostgreSQL and MariaDB, and a project folder.

PostgreSQL's come from a pool per worker, emptied and renamed between tests (tests/databases.py);
mark a test `fresh_database` for one created for it. MariaDB and SQLite make a new one per test.

Servers come from MEND_TEST_POSTGRES_URL / MEND_TEST_MYSQL_URL (default: the local servers).
A test skips when its server is unreachable, except with MEND_REQUIRE_SERVERS=1, where it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from databases import PostgresPool, ServerUnreachable, new_name, with_database
from demo_fixtures import demo  # noqa: F401 - the demo project, one definition for all tests
from in_process import run_mend

pytest.register_assert_rewrite("schema_support")

POSTGRES_URL = os.environ.get(
    "MEND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
MYSQL_URL = os.environ.get("MEND_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")
REQUIRE_SERVERS = os.environ.get("MEND_REQUIRE_SERVERS") == "1"
DIALECTS = ("sqlite", "postgresql", "mysql")


_with_database = with_database


def _unavailable(what: str, error: BaseException) -> None:
    message = f"{what} is unreachable ({error})"
    if REQUIRE_SERVERS:
        pytest.fail(message + " and MEND_REQUIRE_SERVERS=1")
    pytest.skip(message)


@dataclass
class TestDatabase:
    """An empty database, with a name of its own, and an admin connection to inspect it
    behind mend's back."""

    __test__ = False
    dialect: str
    url: str
    raw: Any = field(repr=False)
    name: str = ""

    def sql(self, statement: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        cursor = self.raw.cursor()
        try:
            cursor.execute(statement, params) if params is not None else cursor.execute(statement)
            try:
                return list(cursor.fetchall())
            except Exception:  # noqa: BLE001 - statements without a result set
                return []
        finally:
            cursor.close()

    def tables(self) -> set[str]:
        if self.dialect == "sqlite":
            rows = self.sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        elif self.dialect == "postgresql":
            rows = self.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        else:
            rows = self.sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            )
        return {r[0] for r in rows}

    def history(self) -> list[tuple[Any, ...]]:
        """(migration_name, finished_at, rolled_back_at, applied_steps_count, logs), by start."""
        table = '"_prisma_migrations"' if self.dialect != "mysql" else "_prisma_migrations"
        return self.sql(
            f"SELECT migration_name, finished_at, rolled_back_at, applied_steps_count, logs "
            f"FROM {table} ORDER BY started_at"
        )

    def q(self, identifier: str) -> str:
        return f"`{identifier}`" if self.dialect == "mysql" else f'"{identifier}"'


_POSTGRES_POOL = PostgresPool(POSTGRES_URL)


def _postgres_database(fresh: bool = False) -> Iterator[TestDatabase]:
    """An empty database of this worker's pool (`databases.PostgresPool`), with a name of its
    own; `fresh`: one created for the test and dropped after it."""
    if fresh:
        yield from _fresh_postgres_database()
        return
    try:
        lease = _POSTGRES_POOL.acquire()
    except ServerUnreachable as error:
        _unavailable("PostgreSQL", error)
        raise
    try:
        yield TestDatabase("postgresql", lease.url, lease.raw, lease.name)
    finally:
        _POSTGRES_POOL.release(lease)


def _fresh_postgres_database() -> Iterator[TestDatabase]:
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except Exception as error:
        _unavailable("PostgreSQL", error)
        raise
    name = new_name()
    admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(POSTGRES_URL, name)
    raw = psycopg.connect(url, autocommit=True)
    try:
        yield TestDatabase("postgresql", url, raw, name)
    finally:
        raw.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session", autouse=True)
def _postgres_pool() -> Iterator[None]:
    """This worker's pooled databases are dropped when its tests are done."""
    yield
    _POSTGRES_POOL.close()


def _mysql_connect(url: str, database: str | None = None) -> Any:
    import pymysql

    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=database,
        autocommit=True,
        connect_timeout=3,
    )


def _mysql_database() -> Iterator[TestDatabase]:
    try:
        admin = _mysql_connect(MYSQL_URL)
    except Exception as error:
        _unavailable("MariaDB/MySQL", error)
        raise
    name = new_name()
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
    raw = _mysql_connect(MYSQL_URL, name)
    try:
        yield TestDatabase("mysql", _with_database(MYSQL_URL, name), raw, name)
    finally:
        raw.close()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def _sqlite_database(folder: Path) -> Iterator[TestDatabase]:
    import sqlite3

    path = folder / "test.db"
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        yield TestDatabase("sqlite", f"file:{path}", raw, str(path))
    finally:
        raw.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fresh_database: a PostgreSQL database created for the test, not an emptied one "
        "from the pool",
    )


SERVER_WIDE_LOCK = "server-wide-lock"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Only MySQL's cases of the server-wide-lock group run on one worker: MySQL's named lock
    (GET_LOCK) is server-wide, while PostgreSQL's advisory lock belongs to one database (mend
    reads its holder in the current database only) and SQLite's is the file's. Runs before
    xdist's loadgroup hook, which reads the group from the marker."""
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        group = item.get_closest_marker("xdist_group")
        if group is None or group.args[:1] != (SERVER_WIDE_LOCK,):
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        dialect = params.get("db", params.get("server_db"))
        if dialect in ("postgresql", "sqlite"):
            item.own_markers[:] = [m for m in item.own_markers if m.name != "xdist_group"]


def _wants_fresh(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("fresh_database") is not None


@pytest.fixture(params=DIALECTS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty database on each dialect."""
    yield from make_database(request.param, tmp_path, fresh=_wants_fresh(request))


@pytest.fixture(params=("postgresql", "mysql"))
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    yield from make_database(request.param, tmp_path, fresh=_wants_fresh(request))


def make_database(dialect: str, folder: Path, fresh: bool = False) -> Iterator[TestDatabase]:
    """An empty database of `dialect`, dropped (or emptied for the next test) after use;
    `fresh`: on PostgreSQL, one created for the test rather than one of the pool."""
    if dialect == "postgresql":
        yield from _postgres_database(fresh)
    elif dialect == "mysql":
        yield from _mysql_database()
    else:
        yield from _sqlite_database(folder)


@dataclass
class Project:
    """A project folder with prisma/migrations, and helpers to run mend in it."""

    __test__ = False
    root: Path
    url: str
    provider: str

    @property
    def migrations(self) -> Path:
        return self.root / "prisma" / "migrations"

    def add(self, name: str, sql: str | bytes) -> Path:
        folder = self.migrations / name
        folder.mkdir(parents=True, exist_ok=True)
        data = sql.encode("utf-8") if isinstance(sql, str) else sql
        (folder / "migration.sql").write_bytes(data)
        return folder

    def lock(self, provider: str | None = None) -> None:
        self.migrations.mkdir(parents=True, exist_ok=True)
        (self.migrations / "migration_lock.toml").write_text(
            "# Please do not edit this file manually\n"
            "# It should be added in your version-control system (e.g., Git)\n"
            f'provider = "{provider or self.provider}"\n'
        )

    def context(self, **options: Any) -> Any:
        from mend_core.project.context import load_context

        options.setdefault("url", self.url)
        options.setdefault("journal_path", self.root / "journal.jsonl")
        return load_context(root=self.root, environ={}, **options)

    def mend(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        process: bool = False,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `mend` in the project folder: in this process (tests/in_process.py), or with
        `process`, the real command in a subprocess, stopped after `timeout` seconds (120)."""
        full_env = {
            **os.environ,
            "MEND_JOURNAL": str(self.root / "journal.jsonl"),
            "NO_COLOR": "1",
            **(env or {}),
        }
        full_env.pop("DATABASE_URL", None)
        if env and "DATABASE_URL" in env:
            full_env["DATABASE_URL"] = env["DATABASE_URL"]
        if not process:
            if timeout is not None:
                raise TypeError("timeout= stops a process: pass process=True")
            return run_mend(args, cwd=self.root, environ=full_env, input=input)
        return subprocess.run(
            [sys.executable, "-m", "mend_tui", *args],
            cwd=self.root,
            input=input,
            capture_output=True,
            text=True,
            timeout=120 if timeout is None else timeout,
            env=full_env,
        )


@pytest.fixture
def project(db: TestDatabase, tmp_path: Path) -> Project:
    root = tmp_path / "project"
    (root / "prisma" / "migrations").mkdir(parents=True)
    return Project(root, db.url, db.dialect)


@pytest.fixture
def bare_project(tmp_path: Path) -> Project:
    """A project folder with no database behind it."""
    root = tmp_path / "bare"
    (root / "prisma" / "migrations").mkdir(parents=True)
    return Project(root, "", "sqlite")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's DATABASE_URL, colours or journal leak into a test."""
    for variable in (
        "DATABASE_URL",
        "NO_COLOR",
        "TEXTUAL_THEME",
        "TEXTUAL_COLOR_SYSTEM",
        "PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK",
        "MEND_MAX_SCRIPT_MB",
        "COLUMNS",
        "LINES",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MEND_JOURNAL", str(tmp_path / "journal.jsonl"))
    monkeypatch.setenv("MEND_CACHE_DIR", str(tmp_path / "cache"))
