"""Speed of `mend hotfix --list` and `mend status --targets` (issue 10).

1. `mend hotfix --list` on a 300-table database with a hand-made index, per dialect, a whole
   process, against `mend drift` on the same database in the same run (interleaved, medians):
   target within 1.2x.
2. `mend status --targets all` over 10 databases on the local server (one drifted), a whole
   process, against each target alone (`--targets NAME`) in the same run: target about the
   slowest single target, not the sum. Twice: all with one applied history (targets of one
   server share its replay), then at ten points of that history (one shadow replays the line).

Run with bytecode allowed (start-up counts): env -u PYTHONDONTWRITEBYTECODE \
    .venv/bin/python benchmarks/hotfix_speed.py [--runs N] [--dialects sqlite,postgresql,mysql]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

POSTGRES = os.environ.get("MEND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL = os.environ.get("MEND_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")
PYTHON = sys.executable


def q(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def history(dialect: str, tables: int, migrations: int) -> list[tuple[str, str]]:
    """`migrations` migrations creating `tables` tables, each with an index."""
    text = "VARCHAR(191)" if dialect == "mysql" else "TEXT"
    per = max(tables // migrations, 1)
    out: list[tuple[str, str]] = []
    n = 0
    for m in range(migrations):
        body = ""
        for _ in range(per + (1 if m < tables - per * migrations else 0)):
            table = q(dialect, f"t{n:04d}")
            body += (
                f"CREATE TABLE {table} ({q(dialect, 'id')} INTEGER NOT NULL PRIMARY KEY, "
                f"{q(dialect, 'name')} {text}, {q(dialect, 'amount')} INTEGER);\n"
                f"CREATE INDEX {q(dialect, f't{n:04d}_name_idx')} ON {table} "
                f"({q(dialect, 'name')});\n"
            )
            n += 1
        out.append((f"2024010100{m:04d}_m", body))
    return out


class Databases:
    """Fresh databases on the local servers, dropped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[tuple[str, str]] = []

    def new(self, dialect: str) -> str:
        name = f"mend_bench_{uuid.uuid4().hex[:10]}"
        if dialect == "sqlite":
            return f"file:{self.folder / (name + '.db')}"
        self.made.append((dialect, name))
        if dialect == "postgresql":
            import psycopg

            with psycopg.connect(POSTGRES, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            return POSTGRES.rsplit("/", 1)[0] + f"/{name}"
        import pymysql

        admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}`")
        admin.close()
        return MYSQL.rsplit("/", 1)[0] + f"/{name}"

    def sql(self, url: str, statement: str) -> None:
        from mend_core.database.session import connect
        from mend_core.project.target import parse_url

        with connect(parse_url(url, base_dir=self.folder)) as db:
            db.execute(statement)

    def drop_all(self) -> None:
        for dialect, name in self.made:
            if dialect == "postgresql":
                import psycopg

                with psycopg.connect(POSTGRES, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                import pymysql

                admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
                with admin.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
                admin.close()


def write_project(folder: Path, dialect: str, tables: int, migrations: int) -> None:
    migrations_dir = folder / "prisma" / "migrations"
    for name, sql in history(dialect, tables, migrations):
        (migrations_dir / name).mkdir(parents=True)
        (migrations_dir / name / "migration.sql").write_text(sql)


def environment(folder: Path) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "MEND_JOURNAL": str(folder / "journal.jsonl")}
    env["MEND_CACHE_DIR"] = str(folder / "cache")
    env.pop("DATABASE_URL", None)
    return env


def mend(args: list[str], env: dict[str, str], cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [PYTHON, "-m", "mend_tui", *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if completed.returncode not in ok:
        raise SystemExit(
            f"mend {' '.join(args)} exited {completed.returncode}: "
            f"{(completed.stdout + completed.stderr)[-2000:]}"
        )
    return elapsed


def bench_list(dialect: str, runs: int, tables: int, migrations: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        databases = Databases(folder)
        try:
            write_project(folder, dialect, tables, migrations)
            env = environment(folder)
            url = databases.new(dialect)
            mend(["deploy", "--yes", "--url", url], env, folder)
            databases.sql(
                url,
                f"CREATE INDEX {q(dialect, 'hotfix_idx')} ON {q(dialect, 't0007')} "
                f"({q(dialect, 'amount')})",
            )
            drift, listing = [], []
            mend(["drift", "--url", url], env, folder, ok=(2,))  # warm the disk cache
            for _ in range(runs):  # interleaved: both see the same machine load
                drift.append(mend(["drift", "--url", url], env, folder, ok=(2,)))
                listing.append(mend(["hotfix", "--list", "--url", url], env, folder))
        finally:
            databases.drop_all()
    d, h = statistics.median(drift), statistics.median(listing)
    print(
        f"{dialect:<10} {tables} tables / {migrations} migrations: mend drift {d:.2f} s, "
        f"mend hotfix --list {h:.2f} s ({h / d:.2f}x, target <= 1.2x); median of {runs}"
    )


def bench_fleet(
    dialect: str, runs: int, count: int, tables: int, migrations: int, distinct: bool
) -> None:
    """`distinct`: target i lacks the last i migrations (ten histories on one line)."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        databases = Databases(folder)
        try:
            write_project(folder, dialect, tables, migrations)
            env = environment(folder)
            names = [f"t{i:02d}" for i in range(count)]
            toml = ""
            for index, name in enumerate(names):
                url = databases.new(dialect)
                keep = migrations - index if distinct else migrations
                partial = folder / f"partial{index}"
                for migration in sorted((folder / "prisma" / "migrations").iterdir())[:keep]:
                    shutil.copytree(migration, partial / migration.name)
                args = ["deploy", "--yes", "--url", url, "--migrations-dir", str(partial)]
                mend(args, env, folder)
                env[f"{name.upper()}_URL"] = url
                toml += f'[targets.{name}]\nurl = "env:{name.upper()}_URL"\n\n'
            databases.sql(
                env["T00_URL"],
                f"CREATE INDEX {q(dialect, 'hotfix_idx')} ON {q(dialect, 't0001')} "
                f"({q(dialect, 'amount')})",
            )
            (folder / "mend.toml").write_text(toml)
            ok = (0, 3, 5)
            mend(["status", "--targets", "all"], env, folder, ok=ok)  # warm up
            fleet, slowest, total = [], [], []
            for _ in range(runs):
                fleet.append(mend(["status", "--targets", "all"], env, folder, ok=ok))
                singles = [mend(["status", "--targets", n], env, folder, ok=ok) for n in names]
                slowest.append(max(singles))
                total.append(sum(singles))
        finally:
            databases.drop_all()
    f, s, t = (statistics.median(x) for x in (fleet, slowest, total))
    histories = "at ten points of one history" if distinct else "one history"
    print(
        f"{dialect:<10} status --targets all over {count} targets ({tables} tables, "
        f"{histories}): {f:.2f} s; slowest single target {s:.2f} s ({f / s:.2f}x), sum of "
        f"singles {t:.2f} s ({f / t:.2f}x); median of {runs}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tables", type=int, default=300)
    parser.add_argument("--migrations", type=int, default=30)
    parser.add_argument("--dialects", default="sqlite,postgresql,mysql")
    parser.add_argument("--fleet-dialects", default="postgresql,mysql")
    parser.add_argument("--targets", type=int, default=10)
    parser.add_argument("--fleet-tables", type=int, default=100)
    options = parser.parse_args()
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set; start-up times include compiling")
    for dialect in filter(None, options.dialects.split(",")):
        bench_list(dialect, options.runs, options.tables, options.migrations)
    for dialect in filter(None, options.fleet_dialects.split(",")):
        for distinct in (False, True):
            bench_fleet(dialect, options.runs, options.targets, options.fleet_tables, 10, distinct)


if __name__ == "__main__":
    main()
