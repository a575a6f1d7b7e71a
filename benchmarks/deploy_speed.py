"""Speed of `mend deploy` against the cost of the SQL itself (issue 17).

A generated history of 400 migrations shaped like Prisma's (tables with a unique index, enums,
foreign keys, a few data statements, some single-statement `CREATE INDEX CONCURRENTLY`
migrations on PostgreSQL; see `migration`) is deployed to a fresh database by `mend deploy
--yes`, and the same SQL, concatenated, is run into a fresh database by the database's own
client with no bookkeeping (`psql -f`, `mariadb <`, `sqlite3 -bail <`): the floor. The sides run
in turn, their order rotating from run to run, after an untimed round; medians. Target: at most
1.5x the floor. mend runs from compiled bytecode, as an installed mend does (this machine may
set PYTHONDONTWRITEBYTECODE, which made every timed mend compile its modules), and each run
writes a fresh journal.

What mend adds to each migration's own SQL (benchmarks/deploy_overhead.py counts it from the
servers' statement logs, SQLite's trace and strace; 400 migrations, per migration):

                            07ae873            929d192                  now
  statements (round trips)  SQLite 4, PG 4.1,  SQLite 6 (in-process),   SQLite 4, PG 4.1,
                            MySQL 4            PG 3.6, MySQL 2          MySQL 4
    INSERT started row      1 (alone)          1 (SQLite: in the first  1, in the transaction of
                                               statement's txn)         the row before's finish
    UPDATE finished row     1 (in BEGIN/       1 (PG: in the            1 (the same, and with the
                            COMMIT)            migration's txn; SQLite: next started row)
                                               the last statement's)
    BEGIN + COMMIT          1 + 1              SQLite 2 + 2, PG 0.75 +  1 + 1 (PG: the
                                               0.75, MySQL 0            migration's own)
  commits (floor's own)     SQLite 4.18        SQLite 2.18 (2.18),      SQLite 2.18 (2.18),
                            (2.18), PG 2.25    PG 2.25, MySQL 4.38      PG 1.25, MySQL 3.38
                            (2.06), MySQL 4.38
                            (2.38)
  SQLite file syncs         16.7               8.7                      8.7
  journal lines (writes)    6.1-6.8            the same (6.1-6.8)       the same lines in
                                                                        4.1-4.4 writes
  journal fsyncs            1 + 1 (anchor)     1; anchor every second   the same

PostgreSQL's floor commits once per statement (`psql -f` autocommits); mend once per migration:
its statements, its finished row and the next migration's started row share a transaction. A
`CREATE INDEX CONCURRENTLY` migration (a quarter of them) runs outside a transaction: its
finished row and the next started row commit together after it. On MySQL DDL commits
implicitly: the bookkeeping of two migrations (one finished row, the next started row) commits
once between them, one commit more than the floor's. On SQLite the commits are the floor's:
the bookkeeping shares the last statement's transaction (and the first statement's for a
deploy's first migration).

Instructions (callgrind, one deploy of the 400 migrations on tmpfs, SQLite): sqlite3 client
0.65 G; mend 1.94 G at 929d192, 1.79 G now (`mend --help` alone 0.33 G: Python, click; the
deploy with nothing pending 0.42 G). The mend client on PostgreSQL: 2.01 G at 929d192, 1.91 G
now (imports 0.88 G of it: psycopg, pglast).

Measured 2026-12-08 on 2 shared cores with other sessions' test suites running (floors up to 6x
their quiet values from run to run: the ratios move with the disk's load more than with mend),
medians, 929d192 in the same run (--compare-with), every run, this change / 929d192:

  run (medians of)  SQLite floor, ratios          PostgreSQL floor, ratios   MariaDB floor, ratios
  1 (3)             0.97 s, 1.55x / 1.45x         4.38 s, 2.06x / 2.48x      -
  2 (3)             1.44 s, 1.24x / 1.10x         4.29 s, 1.74x / 2.70x      4.66 s, 1.28x / 1.40x
  3 (3)             7.99 s, 1.21x / 1.25x         6.02 s, 1.21x / 2.13x      -
  4 (5)             4.74 s, 1.26x / 0.94x         9.76 s, 1.16x / 1.03x      12.34 s, 1.15x / 0.87x
  5 (5)             1.24 s, 1.46x / 1.41x         3.80 s, 1.62x / 1.40x      6.52 s, 1.26x / 1.47x
  6 (3)             1.35 s, 1.46x / 1.35x         4.66 s, 1.30x / 1.83x      5.91 s, 1.12x / 1.49x

On SQLite the two checkouts are within the noise of each other (the commits and syncs are the
floor's in both; this change saves writes and 8% of the instructions); on PostgreSQL and MariaDB
this change commits once per migration less. Before (929d192's session, quieter machine):
SQLite 1.47x/1.66x, PostgreSQL 1.44x/1.47x, MariaDB 1.41x/1.62x. Fixed cost of a deploy with
nothing pending: ~0.15 s (SQLite), ~0.45 s (PostgreSQL: psycopg's import and connection).

Run: .venv/bin/python benchmarks/deploy_speed.py [--migrations N] [--runs N] [--dialects ...]
     [--compare-with DIR]
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
    """The n-th migration, as Prisma writes them: mostly a table with a unique index; every 20th
    with an enum column (a type of its own on PostgreSQL, inline on MySQL, text on SQLite),
    every 5th with a foreign key to the table before it (a separate `AddForeignKey` on
    PostgreSQL and MySQL, inline on SQLite); every 10th grows an earlier table, every 25th
    inserts and updates rows, every 4th on PostgreSQL is a lone CREATE INDEX CONCURRENTLY."""
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
    columns = [
        f"{q(dialect, 'id')} {serial} {'PRIMARY KEY AUTOINCREMENT' if dialect == 'sqlite' else ''}",
        f"{q(dialect, 'name')} {text} NOT NULL",
        f"{q(dialect, 'createdAt')} TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP",
    ]
    if n % 20 == 0:
        if dialect == "postgresql":
            parts.append(
                f"-- CreateEnum\nCREATE TYPE {q(dialect, f'E{n}')} AS ENUM ('A', 'B', 'C');\n"
            )
        kind = {
            "postgresql": q(dialect, f"E{n}"),
            "mysql": "ENUM('A', 'B', 'C')",
            "sqlite": "TEXT",
        }[dialect]
        columns.append(f"{q(dialect, 'kind')} {kind} NOT NULL DEFAULT 'A'")
    # The table before, when migration n - 1 made one (not a lone index).
    parent = n % 5 == 0 and n > 0 and not (dialect == "postgresql" and (n - 1) % 4 == 3)
    if parent:
        columns.append(f"{q(dialect, 'parentId')} INTEGER")
    if dialect != "sqlite":
        columns.append(f"CONSTRAINT {q(dialect, f'{t}_pkey')} PRIMARY KEY ({q(dialect, 'id')})")
    elif parent:
        columns.append(
            f"CONSTRAINT {q(dialect, f'{t}_parentId_fkey')} FOREIGN KEY ({q(dialect, 'parentId')}) "
            f"REFERENCES {q(dialect, f'T{n - 1}')} ({q(dialect, 'id')}) "
            "ON DELETE SET NULL ON UPDATE CASCADE"
        )
    body = ",\n".join(f"    {' '.join(c.split())}" for c in columns)
    parts.append(f"-- CreateTable\nCREATE TABLE {q(dialect, t)} (\n{body}\n);\n")
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
    if parent and dialect != "sqlite":
        parts.append(
            f"-- AddForeignKey\nALTER TABLE {q(dialect, t)} ADD CONSTRAINT "
            f"{q(dialect, f'{t}_parentId_fkey')} FOREIGN KEY ({q(dialect, 'parentId')}) "
            f"REFERENCES {q(dialect, f'T{n - 1}')}({q(dialect, 'id')}) "
            "ON DELETE SET NULL ON UPDATE CASCADE;\n"
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
            return f"file:{path}", ["sqlite3", "-bail", str(path)]
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


def compile_sources(checkout: Path | None, bytecode: Path) -> None:
    """Bytecode for a checkout's modules in `bytecode`, so that no timed process compiles them:
    an installed mend runs from bytecode (pip compiles on install), and this machine may forbid
    writing it on import (PYTHONDONTWRITEBYTECODE), which would make every mend process compile
    its modules again."""
    root = checkout or Path(__file__).resolve().parent.parent
    folders = [str(root / "core" / "mend_core"), str(root / "tui" / "mend_tui")]
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(bytecode)}
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True, env=env)


def environment(checkout: Path | None, bytecode: Path) -> dict[str, str]:
    """The environment of a mend process, from its compiled bytecode: this checkout's, or
    `checkout`'s (its core/ and tui/ first on PYTHONPATH)."""
    compile_sources(checkout, bytecode)
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(bytecode)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # This checkout's too: the virtual environment's may be another (a worktree's benchmark).
    root = checkout or Path(__file__).resolve().parent.parent
    paths = [str(root / "core"), str(root / "tui")]
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def timed(
    command: list[str],
    *,
    stdin: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> float:
    started = time.perf_counter()
    if stdin is not None:
        with stdin.open("rb") as handle:
            done = subprocess.run(command, stdin=handle, cwd=cwd, capture_output=True, env=env)
    else:
        done = subprocess.run(command, cwd=cwd, capture_output=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    return elapsed


def bench(dialect: str, count: int, runs: int, compare_with: Path | None) -> dict[str, float]:
    """Median seconds of each side, run in turn (the order rotating from run to run), each on a
    fresh database and, for mend, a fresh journal (a journal grown by earlier runs is not
    what a deploy meets)."""
    server = Server(dialect)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = make_project(folder / "project", dialect, count)
        concat = folder / "all.sql"
        concat.write_text(script)  # psql -f autocommits: CONCURRENTLY runs
        mends = {"mend deploy": environment(None, folder / "bytecode")}
        if compare_with is not None:
            mends["mend deploy (compared)"] = environment(compare_with, folder / "bytecode-other")
        sides = [*mends, "client floor"]
        times: dict[str, list[float]] = {side: [] for side in sides}
        for run in range(runs + 1):  # the first round warms the caches: not counted
            order = sides[run % len(sides) :] + sides[: run % len(sides)]
            for side in order:
                url, client = server.fresh(folder)
                try:
                    if side in mends:
                        env = {**mends[side], "MEND_JOURNAL": str(folder / f"j{run}{side}.jsonl")}
                        command = [sys.executable, "-m", "mend_tui", "deploy", "--yes", "--url"]
                        seconds = timed([*command, url], cwd=folder / "project", env=env)
                    elif dialect == "postgresql":
                        seconds = timed([*client, str(concat)])
                    else:
                        seconds = timed(client, stdin=concat)
                finally:
                    server.drop(url)
                if run:
                    times[side].append(seconds)
        return {side: statistics.median(values) for side, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--migrations", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dialects", nargs="*", default=["sqlite", "postgresql", "mysql"])
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="also time the mend of another checkout (its core/ and tui/ first on PYTHONPATH, "
        "e.g. a `git worktree`), interleaved: a change before and after in the same run",
    )
    args = parser.parse_args()
    for dialect in args.dialects:
        medians = bench(dialect, args.migrations, args.runs, args.compare_with)
        floor = medians["client floor"]
        line = (
            f"{dialect:10} {args.migrations} migrations, medians of {args.runs}: "
            f"client floor {floor:.2f} s, mend deploy {medians['mend deploy']:.2f} s "
            f"({medians['mend deploy'] / floor:.2f}x; target <= 1.5x)"
        )
        if "mend deploy (compared)" in medians:
            other = medians["mend deploy (compared)"]
            line += f", compared checkout {other:.2f} s ({other / floor:.2f}x)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
