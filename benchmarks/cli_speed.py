"""Speed of the command line: `mend status` over 10,000 migrations on SQLite, and `mend --help`.

Targets (issue 2): status under 0.5 s, --help under 0.2 s; `status --json` (every migration and
attempt, 40,000 timestamps) within 1.2x of the text output. Each is the median of repeated runs
of the real command in a fresh process; baselines measured in the same run:

- python startup: `python -c pass`, the floor of any Python command;
- the bare work: a minimal script that lists the folder, hashes every migration.sql and reads
  `_prisma_migrations` with sqlite3, with no classification and no output.

The processes run with their bytecode cached (a temporary PYTHONPYCACHEPREFIX), as an
installed mend does, even where PYTHONDONTWRITEBYTECODE is set.

`mend status` keeps a stat-keyed checksum cache (core/mend_core/history/checksum_cache.py); the
"cache off" line is the cost of reading every file, i.e. a first run.

Run: .venv/bin/python benchmarks/cli_speed.py [--migrations N] [--runs N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BARE_WORK = """
import hashlib, os, sqlite3, sys
folder = sys.argv[1]
sums = {}
for entry in sorted(os.scandir(folder), key=lambda e: e.name):
    if entry.is_dir():
        with open(os.path.join(entry.path, "migration.sql"), "rb") as f:
            sums[entry.name] = hashlib.sha256(f.read()).hexdigest()
rows = sqlite3.connect(sys.argv[2]).execute("SELECT * FROM _prisma_migrations").fetchall()
"""


def build_project(root: Path, count: int) -> Path:
    migrations = root / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "sqlite"\n')
    database = root / "prisma" / "dev.db"
    connection = sqlite3.connect(database)
    connection.execute(
        'CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT '
        'NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, '
        '"rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, '
        '"applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)'
    )
    rows = []
    start = 1_700_000_000_000
    for n in range(count):
        name = f"{20230101000000 + n}_migration_{n}"
        sql = f'-- CreateTable\nCREATE TABLE "t{n}" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql)
        if n < count - 10:  # the last ten are pending
            digest = hashlib.sha256(sql.encode()).hexdigest()
            rows.append((str(uuid.uuid4()), digest, start + n * 10 + 5, name, start + n * 10, 1))
    connection.executemany(
        'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, '
        "started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    connection.close()
    (root / ".env").write_text('DATABASE_URL="file:./dev.db"\n')
    (root / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "sqlite"\n  url      = env("DATABASE_URL")\n}\n'
    )
    return database


def run_once(command: list[str], cwd: Path, ok: tuple[int, ...], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, env=env)
    elapsed = time.perf_counter() - started
    if completed.returncode not in ok:
        raise SystemExit(f"{command} failed ({completed.returncode}): {completed.stderr!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--migrations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="also time `mend status` and `--json` from another checkout (its core/ and tui/ "
        "first on PYTHONPATH), interleaved: a change before and after in the same run",
    )
    args = parser.parse_args()
    python = sys.executable
    mend = [python, "-m", "mend_tui"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        # As an installed mend runs: with its modules' bytecode cached (filled by the untimed
        # first round below), even where PYTHONDONTWRITEBYTECODE is set.
        env = {**os.environ, "PYTHONPYCACHEPREFIX": str(root / "bytecode")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        no_cache = {**env, "MEND_CACHE_DIR": "off"}
        database = build_project(root, args.migrations)
        migrations = str(root / "prisma" / "migrations")
        # name: (command, accepted exit codes, environment)
        commands: dict[str, tuple[list[str], tuple[int, ...], dict[str, str]]] = {
            "python -c pass (startup floor)": ([python, "-c", "pass"], (0,), env),
            "bare work (list, hash, read table)": (
                [python, "-c", BARE_WORK, migrations, str(database)],
                (0,),
                env,
            ),
            "mend status": ([*mend, "status"], (3,), env),
            "mend status --all (every line)": ([*mend, "status", "--all"], (3,), env),
            "mend status --json": ([*mend, "status", "--json"], (3,), env),
            "mend status, checksum cache off": ([*mend, "status"], (3,), no_cache),
            "python -c 'import click'": ([python, "-c", "import click"], (0,), env),
            "mend --help": ([*mend, "--help"], (0,), env),
        }
        if args.compare_with is not None:
            other = {
                **env,
                "PYTHONPATH": f"{args.compare_with / 'core'}:{args.compare_with / 'tui'}",
                "PYTHONPYCACHEPREFIX": str(root / "bytecode-compared"),
            }
            commands["mend --help (compared)"] = ([*mend, "--help"], (0,), other)
            commands["mend status (compared)"] = ([*mend, "status"], (3,), other)
            commands["mend status --json (compared)"] = ([*mend, "status", "--json"], (3,), other)
        # Fills the checksum cache and the bytecode caches.
        for command, ok, command_env in commands.values():
            run_once(command, root, ok, command_env)
        # Rounds interleave the commands, so that a slower minute of a shared machine
        # weighs on all of them alike.
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, ok, command_env) in commands.items():
                samples[name].append(run_once(command, root, ok, command_env))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    print(f"median of {args.runs} interleaved runs, {args.migrations} migrations on SQLite")
    for name, seconds in medians.items():
        print(f"  {name:<38} {seconds * 1000:7.1f} ms")
    status, bare = medians["mend status"], medians["bare work (list, hash, read table)"]
    help_time, startup = medians["mend --help"], medians["python -c pass (startup floor)"]
    print(
        f"mend status: {status * 1000:.0f} ms (target < 500 ms), {status / bare:.2f}x the bare work"
    )
    as_json = medians["mend status --json"]
    print(
        f"mend status --json: {as_json * 1000:.0f} ms, {as_json / status:.2f}x the text output "
        "(target <= 1.2x)"
    )
    if args.compare_with is not None:
        before, before_json = (
            medians["mend status (compared)"],
            medians["mend status --json (compared)"],
        )
        print(
            f"compared checkout: status {before * 1000:.0f} ms, --json {before_json * 1000:.0f} ms "
            f"({before_json / before:.2f}x), --help "
            f"{medians['mend --help (compared)'] * 1000:.0f} ms"
        )
    print(
        f"mend --help: {help_time * 1000:.0f} ms (target < 200 ms), "
        f"{help_time / startup:.2f}x python startup"
    )


if __name__ == "__main__":
    main()
