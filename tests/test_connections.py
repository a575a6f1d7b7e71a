"""Where the URL comes from, how it is parsed, and what a failed connection says."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MYSQL_URL, Project, TestDatabase
from mend_core.errors import MendError
from mend_core.project.discovery import find_project, resolve_target
from mend_core.project.target import parse_url


def test_prisma_and_sqlalchemy_urls(tmp_path: Path):
    pg = parse_url(
        "postgres://u:p%40ss@db.example:6543/app?schema=tenant&sslmode=require", base_dir=tmp_path
    )
    assert (pg.dialect, pg.host, pg.port, pg.user, pg.password, pg.database, pg.schema) == (
        "postgresql",
        "db.example",
        6543,
        "u",
        "p@ss",
        "app",
        "tenant",
    )
    assert pg.option("sslmode") == "require"
    assert "p@ss" not in repr(pg) and "p%40ss" not in pg.display()
    assert parse_url("postgresql+psycopg://u@h/app", base_dir=tmp_path).schema == "public"
    my = parse_url("mysql+pymysql://root:pw@127.0.0.1/shop?connect_timeout=3", base_dir=tmp_path)
    assert (my.dialect, my.database, my.connect_timeout) == ("mysql", "shop", 3.0)
    assert parse_url("mariadb://root@h/x", base_dir=tmp_path).dialect == "mysql"
    assert parse_url("file:./dev.db", base_dir=tmp_path).path == tmp_path / "dev.db"
    assert parse_url("file:dev.db", base_dir=tmp_path).path == tmp_path / "dev.db"
    assert parse_url("file:/abs/dev.db", base_dir=tmp_path).path == Path("/abs/dev.db")
    assert parse_url("sqlite:///rel.db", base_dir=tmp_path).path == tmp_path / "rel.db"
    assert parse_url("sqlite:////abs/x.db", base_dir=tmp_path).path == Path("/abs/x.db")
    assert parse_url("sqlite://", base_dir=tmp_path).memory


def test_url_sources_in_prisma_order(tmp_path: Path):
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "sqlite"\n  url = env("APP_DB") // comment\n}\n'
    )
    project = find_project(tmp_path)
    # The schema's env var, from the environment; `file:` resolves relative to the schema.
    resolved = resolve_target(project, environ={"APP_DB": "file:./from-schema.db"})
    assert resolved.target.path == tmp_path / "prisma" / "from-schema.db"
    assert "APP_DB" in resolved.source
    # DATABASE_URL in .env beats the schema's variable.
    (tmp_path / ".env").write_text('DATABASE_URL="file:./dotenv.db"\n')
    project = find_project(tmp_path)
    resolved = resolve_target(project, environ={"APP_DB": "file:./from-schema.db"})
    assert resolved.target.path == tmp_path / "prisma" / "dotenv.db"
    assert resolved.source == "DATABASE_URL (.env)"
    # The environment's DATABASE_URL beats .env; --url beats everything.
    resolved = resolve_target(project, environ={"DATABASE_URL": "file:/tmp/env.db"})
    assert resolved.source == "DATABASE_URL (environment)"
    resolved = resolve_target(project, url="file:./cli.db", environ={"DATABASE_URL": "x"})
    assert resolved.target.path == tmp_path / "cli.db" and resolved.source == "--url"


def test_direct_url_is_preferred_like_prisma_migrate(tmp_path: Path):
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n  url = env("POOLED")\n'
        '  directUrl = env("DIRECT")\n}\n'
    )
    resolved = resolve_target(
        find_project(tmp_path),
        environ={
            "POOLED": "postgresql://u@pooler:6432/app",
            "DIRECT": "postgresql://u@primary:5432/app",
        },
    )
    assert resolved.target.host == "primary"


def test_missing_schema_variable_and_missing_url(tmp_path: Path):
    with pytest.raises(MendError) as caught:
        resolve_target(find_project(tmp_path), environ={})
    assert caught.value.code == "M1001"
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "mysql"\n  url = env("MISSING")\n}\n'
    )
    with pytest.raises(MendError) as caught:
        resolve_target(find_project(tmp_path), environ={})
    assert caught.value.code == "M1005" and "MISSING" in caught.value.message
    with pytest.raises(MendError) as caught:
        resolve_target(find_project(tmp_path), url="file:./x.db", environ={})
    assert caught.value.code == "M1006"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_unreachable_server(bare_project: Project, scheme: str):
    url = f"{scheme}://user:s3cretpw@127.0.0.1:{_free_port()}/db"
    completed = bare_project.mend("status", "--url", url)
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P1001\n")
    assert "Hint:" in completed.stderr and "s3cretpw" not in completed.stderr


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_unknown_host(bare_project: Project, scheme: str):
    completed = bare_project.mend(
        "status", "--url", f"{scheme}://u:pw12345@no-such-host.invalid/db"
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P1001\n")
    assert "pw12345" not in completed.stderr


def test_connect_timeout(bare_project: Project):
    # A listening socket that never answers the handshake.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        completed = bare_project.mend(
            "status", "--url", f"postgresql://u@127.0.0.1:{port}/db?connect_timeout=1"
        )
    assert completed.returncode == 1
    assert completed.stderr.startswith(("Error: P1002\n", "Error: P1001\n"))


@pytest.mark.parametrize("db", ["postgresql", "mysql"], indirect=True)
def test_missing_database(bare_project: Project, db: TestDatabase):
    url = db.url.rsplit("/", 1)[0] + "/mend_no_such_database"
    completed = bare_project.mend("status", "--url", url)
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P1003\n")
    assert "mend_no_such_database" in completed.stderr


def test_missing_sqlite_file(bare_project: Project):
    completed = bare_project.mend("status", "--url", "file:./nope.db")
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: M1004\n")
    assert not (bare_project.root / "nope.db").exists()


@pytest.mark.parametrize("db", ["mysql"], indirect=True)
def test_wrong_password_mysql(bare_project: Project, db: TestDatabase):
    user = f"mend_pw_{db.name[-6:]}"
    db.sql(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'right-horse-battery'")
    db.sql(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY 'right-horse-battery'")
    db.sql(f"GRANT ALL ON `{db.name}`.* TO '{user}'@'%'")
    db.sql(f"GRANT ALL ON `{db.name}`.* TO '{user}'@'localhost'")
    try:
        base = MYSQL_URL.split("://", 1)[1].split("@", 1)[1].split("/", 1)[0]
        url = f"mysql://{user}:wrong-staple-secret@{base}/{db.name}"
        completed = bare_project.mend("status", "--url", url)
        assert completed.returncode == 1
        assert completed.stderr.startswith("Error: P1000\n")
        assert "wrong-staple-secret" not in completed.stderr + completed.stdout
        good = f"mysql://{user}:right-horse-battery@{base}/{db.name}"
        assert bare_project.mend("status", "--url", good).returncode == 0
    finally:
        db.sql(f"DROP USER IF EXISTS '{user}'@'%'")
        db.sql(f"DROP USER IF EXISTS '{user}'@'localhost'")


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_unknown_role_postgres(bare_project: Project, db: TestDatabase):
    url = db.url.replace("postgres@", "mend_no_such_role:hunter2hunter@", 1)
    completed = bare_project.mend("status", "--url", url)
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: P1000\n")
    assert "hunter2hunter" not in completed.stderr


def test_missing_driver_is_a_clear_error(bare_project: Project):
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from mend_tui.cli import main\n"
        "sys.argv = ['mend', 'status', '--url', 'postgresql://u@127.0.0.1/db']\n"
        "main()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=bare_project.root
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith("Error: M1002\n")
    assert "psycopg" in completed.stderr and "Traceback" not in completed.stderr


def test_postgres_schema_parameter_is_used(tmp_path: Path):
    from conftest import _postgres_database

    generator = _postgres_database()
    db = next(generator)
    try:
        project = Project(tmp_path, db.url + "?schema=tenant_a", "postgresql")
        project.add("1_a", 'CREATE TABLE "T" (id int);\n')
        completed = project.mend("deploy", "--url", project.url, "--yes")
        assert completed.returncode == 0, completed.stderr
        rows = db.sql(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = 'tenant_a' ORDER BY table_name"
        )
        assert rows == [("tenant_a", "T"), ("tenant_a", "_prisma_migrations")]
        assert "_prisma_migrations" not in db.tables()  # nothing in public
    finally:
        generator.close()
