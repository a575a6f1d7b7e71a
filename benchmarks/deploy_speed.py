"""Speed of `mend deploy` against the cost of the SQL itself (issue 17).

A generated history of 400 migrations shaped like real ones (tables, indexes, enums on
PostgreSQL, a few data statements, some single-statement `CREATE INDEX CONCURRENTLY` migrations
on PostgreSQL) is deployed to a fresh database by `mend deploy --yes`, and the same SQL,
concatenated, is run by the database's own client with no bookkeeping (`psql -f`, `mariadb <`,
`sqlite3 <`): the floor. Interleaved runs, medians; the target is at most 1.5x the floor.

Run: .venv/bin/python benchmarks/deploy_speed.py [--migrations N] [--runs N] [--dialects ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

POSTGRES = os.environ.get("MEND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL = os.environ.get("MEND_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")


def q(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def migration(dialect: str, n: int) -> str:
    """The n-th migration: mostly a table with an index; every 10th grows an earlier table,
    every 25th updates rows, every 4th on PostgreSQL is a lone CREATE INDEX CONCURRENTLY."""
    t = f"T{n}"
    text = "VARCHAR(191)" if dialect == "mysql" else "TEXT"
    serial = {
        "postgresql": "SERIAL NOT NULL",
        "mysql": "INTEGER NOT NULL AUTO_INCREMENT",
        "sqlite": "INTEGER NOT NULL",
    }[dialect]
    if dialect == "postgresql" and n % 4 == 3 and n > 3:
        return (
            f"-- CreateIndex\nCREATE INDEX CONCURRENTLY {q(dialect, f'T{n - 1}_c_idx')} "
            f"ON {q(dialect, f'T{n - 1}')}({q(dialect, 'name')});\n"
        )
    parts = []
    if dialect == "postgresql" and n % 20 == 0:
        parts.append(f"-- CreateEnum\nCREATE TYPE {q(dialect, f'E{n}')} AS ENUM ('A', 'B', 'C');\n")
    pk = "PRIMARY KEY" if dialect != "sqlite" else "PRIMARY KEY AUTOINCREMENT"
    parts.append(
        f"-- CreateTable\nCREATE TABLE {q(dialect, t)} (\n"
        f"    {q(dialect, 'id')} {serial} {pk},\n"
        f"    {q(dialect, 'name')} {text} NOT NULL,\n"
        f"    {q(dialect, 'createdAt')} TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n"
    )
    parts.append(
        f"-- CreateIndex\nCREATE UNIQUE INDEX {q(dialect, f'{t}_name_key')} "
        f"ON {q(dialect, t)}({q(dialect, 'name')});\n"
    )
    if n % 10 == 0 and n > 0:
        parts.append(
            f"-- AlterTable\nALTER TABLE {q(dialect, f'T{n - 2}')} "
            f"ADD COLUMN {q(dialect, 'extra')} INTEGER;\n"
        )
    if n % 25 == 0:
        parts.append(
            f"INSERT INTO {q(dialect, t)} ({q(dialect, 'name')}) VALUES ('a'), ('b');\n"
            f"UPDATE {q(dialect, t)} SET {q(dialect, 'name')} = 'c' "
            f"WHERE {q(dialect, 'name')} = 'b';\n"
        )
    return "\n".join(parts)


def make_project(folder: Path, dialect: str, count: int) -> str:
    migrations = folder / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    provider = dialect
    (migrations / "migration_lock.toml").write_text(f'provider = "{provider}"\n')
    scripts = []
    for n in range(count):
        sql = migration(dialect, n)
        name = f"{20240000000000 + n * 100:014d}_m{n}"
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql)
        scripts.append(sql)
    return "\n".join(scripts)


class Server:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def fresh(self, folder: Path) -> tuple[str, list[str]]:
        """A fresh database: its URL for mend and the client command running a file."""
        if self.dialect == "sqlite":
            path = folder / f"{uuid.uuid4().hex}.db"
            return f"file:{path}", ["sqlite3", str(path)]
        name = f"bench_{uuid.uuid4().hex[:10]}"
        if self.dialect == "postgresql":
            subprocess.run(["psql", "-q", POSTGRES, "-c", f"CREATE DATABASE {name}"], check=True)
            url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
            return url, ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", url, "-f"]
        subprocess.run(
            ["mariadb", "-uroot", "-h127.0.0.1", "-e", f"CREATE DATABASE {name}"], check=True
        )
        url = MYSQL.rsplit("/", 1)[0] + f"/{name}"
        return url, ["mariadb", "-uroot", "-h127.0.0.1", name]

    def drop(self, url: str) -> None:
        if self.dialect == "sqlite":
            return
        name = url.rsplit("/", 1)[1]
        if self.dialect == "postgresql":
            subprocess.run(["psql", "-q", POSTGRES, "-c", f"DROP DATABASE {name}"], check=True)
        else:
            subprocess.run(
                ["mariadb", "-uroot", "-h127.0.0.1", "-e", f"DROP DATABASE {name}"], check=True
            )


def timed(command: list[str], *, stdin: Path | None = None, cwd: Path | None = None) -> float:
    started = time.perf_counter()
    if stdin is not None:
        with stdin.open("rb") as handle:
            subprocess.run(command, stdin=handle, check=True, cwd=cwd, capture_output=True)
    else:
        subprocess.run(command, check=True, cwd=cwd, capture_output=True)
    return time.perf_counter() - started


def bench(dialect: str, count: int, runs: int) -> tuple[float, float]:
    server = Server(dialect)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = make_project(folder / "project", dialect, count)
        concat = folder / "all.sql"
        concat.write_text(script)  # psql -f autocommits: CONCURRENTLY runs
        mend: list[float] = []
        floor: list[float] = []
        env = {**os.environ, "MEND_JOURNAL": str(folder / "journal.jsonl")}
        for _ in range(runs):
            url, client = server.fresh(folder)
            try:
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "mend_tui", "deploy", "--yes", "--url", url],
                    cwd=folder / "project",
                    capture_output=True,
                    text=True,
                    env=env,
                )
                if done.returncode != 0:
                    raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
                mend.append(time.perf_counter() - started)
            finally:
                server.drop(url)
            url, client = server.fresh(folder)
            try:
                if dialect == "postgresql":
                    floor.append(timed([*client, str(concat)]))
                else:
                    floor.append(timed(client, stdin=concat))
            finally:
                server.drop(url)
        return statistics.median(mend), statistics.median(floor)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--migrations", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dialects", nargs="*", default=["sqlite", "postgresql", "mysql"])
    args = parser.parse_args()
    for dialect in args.dialects:
        mend, floor = bench(dialect, args.migrations, args.runs)
        print(
            f"{dialect:10} {args.migrations} migrations: mend deploy {mend:.2f} s, "
            f"client floor {floor:.2f} s, ratio {mend / floor:.2f}x (target <= 1.5x)"
        )


if __name__ == "__main__":
    main()
