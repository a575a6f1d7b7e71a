"""Speed of the recovery analysis (issue 8).

1. `mend inspect` on the demo (SQLite), a whole process: target < 1 s.
2. `mend inspect` on a 300-table, 200-migration history with a failed migration at the end, per
   dialect, a whole process: the first run (empty cache) against the baseline of the same run,
   a process that only replays the applied history in a shadow database and inspects it (what
   any analysis must do at least): target within 1.2x; the repeated run (cache warm): < 1 s.

Start-up is part of what is measured, so the processes run as an installed mend runs: with
its modules' bytecode cached (in a temporary folder, PYTHONPYCACHEPREFIX, filled by a first
untimed run), even where PYTHONDONTWRITEBYTECODE is set; otherwise every run would compile every
module it imports, and mend, which imports more than the baseline, would pay it more. Each line
gives the medians of the wall-clock times and of the processes' CPU times (user + system), the
latter less sensitive to a loaded machine.

Run: .venv/bin/python benchmarks/recovery_speed.py [--runs N] [--dialects sqlite,postgresql,mysql]
     [--no-demo] [--compare-with DIR: another checkout, e.g. `git worktree` of the commit before]
"""

from __future__ import annotations

import argparse
import os
import resource
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

REPLAY_ONLY = """
import sys
from pathlib import Path
from mend_core.history.classify import MigrationState, classify
from mend_core.project.context import load_context
from mend_core.database.session import connect
from mend_core.history.table import HistoryTable
from mend_core.history.folder import list_migrations
from mend_core.schema.inspect import inspect_database
from mend_core.schema.replay import replay
from mend_core.schema.shadow import shadow_database

context = load_context(root=Path(sys.argv[1]), url=sys.argv[2], environ={})
local = list_migrations(context.migrations_dir)
with connect(context.target, read_only=True) as db:
    rows = HistoryTable(db).rows()
statuses, _ = classify(local, rows)
applied = [s.local for s in statuses if s.state is MigrationState.APPLIED and s.local]
with shadow_database(context.target.dialect, context.target) as shadow:
    replay(shadow, applied)
    inspect_database(shadow)
"""


def q(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def history(dialect: str, tables: int, migrations: int) -> list[tuple[str, str]]:
    """`migrations` migrations creating `tables` tables, then one that fails half-way."""
    per = max(tables // migrations, 1)
    out: list[tuple[str, str]] = []
    n = 0
    for m in range(migrations):
        count = per + (1 if m < tables - per * migrations else 0)
        body = ""
        for _ in range(count):
            text = "VARCHAR(191)" if dialect == "mysql" else "TEXT"
            body += (
                f"CREATE TABLE {q(dialect, f't{n:04d}')} ({q(dialect, 'id')} INTEGER NOT NULL "
                f"PRIMARY KEY, {q(dialect, 'name')} {text}, {q(dialect, 'amount')} INTEGER);\n"
                f"CREATE INDEX {q(dialect, f't{n:04d}_name_idx')} ON {q(dialect, f't{n:04d}')} "
                f"({q(dialect, 'name')});\n"
            )
            n += 1
        out.append((f"{m:05d}_m", body))
    out.append(
        (
            "99999_fails",
            f"CREATE TABLE {q(dialect, 'late')} ({q(dialect, 'id')} INTEGER NOT NULL "
            "PRIMARY KEY);\n"
            f"ALTER TABLE {q(dialect, 't0000')} ADD COLUMN {q(dialect, 'extra')} INTEGER;\n"
            f"CREATE INDEX {q(dialect, 'broken_idx')} ON {q(dialect, 'nowhere')} (x);\n",
        )
    )
    return out


def fresh_database(dialect: str, folder: Path) -> tuple[str, object]:
    name = f"mend_bench_{uuid.uuid4().hex[:10]}"
    if dialect == "sqlite":
        return f"file:{folder / 'bench.db'}", None
    if dialect == "postgresql":
        import psycopg

        admin = psycopg.connect(POSTGRES, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        return POSTGRES.rsplit("/", 1)[0] + f"/{name}", (admin, name)
    import pymysql

    admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
    return MYSQL.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def drop_database(dialect: str, handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    if dialect == "postgresql":
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    return timed_with_cpu(command, env, cwd)[0]


def timed_with_cpu(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """The wall-clock time of the command and the CPU time (user + system) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in (0,):
        raise SystemExit(f"{command} failed: {completed.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def with_bytecode(env: dict[str, str], folder: Path) -> dict[str, str]:
    """`env` for processes that cache their modules' bytecode in `folder`, as installed."""
    cached = {**env, "PYTHONPYCACHEPREFIX": str(folder)}
    cached.pop("PYTHONDONTWRITEBYTECODE", None)
    return cached


def bench_demo(runs: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        env = {**os.environ, "MEND_CACHE_DIR": str(folder / "cache"), "NO_COLOR": "1"}
        env = with_bytecode(env, folder / "bytecode")
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [PYTHON, "-m", "mend_tui", "demo", "demo", "--no-tui"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
        )
        env["MEND_CACHE_DIR"] = str(folder / "cache-warm-up")
        timed([PYTHON, "-m", "mend_tui", "inspect"], env, folder / "demo")  # fills the bytecode
        cold, warm = [], []
        for run in range(runs):
            env["MEND_CACHE_DIR"] = str(folder / f"cache{run}")
            cold.append(timed([PYTHON, "-m", "mend_tui", "inspect"], env, folder / "demo"))
            warm.append(timed([PYTHON, "-m", "mend_tui", "inspect"], env, folder / "demo"))
        print(
            f"demo (sqlite): mend inspect first run {statistics.median(cold):.3f} s, repeated "
            f"{statistics.median(warm):.3f} s (median of {runs}; target < 1 s)"
        )


def bench_history(
    dialect: str, runs: int, tables: int, migrations: int, compare_with: Path | None = None
) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        url, handle = fresh_database(dialect, folder)
        try:
            migrations_dir = folder / "prisma" / "migrations"
            for name, sql in history(dialect, tables, migrations):
                (migrations_dir / name).mkdir(parents=True)
                (migrations_dir / name / "migration.sql").write_text(sql)
            env = {**os.environ, "NO_COLOR": "1", "MEND_JOURNAL": str(folder / "journal.jsonl")}
            env = with_bytecode(env, folder / "bytecode")
            env.pop("DATABASE_URL", None)
            subprocess.run(
                [PYTHON, "-m", "mend_tui", "deploy", "--yes", "--url", url],
                cwd=folder,
                env=env,
                capture_output=True,
            )
            baseline_command = [PYTHON, "-c", REPLAY_ONLY, str(folder), url]
            inspect_command = [PYTHON, "-m", "mend_tui", "inspect", "--url", url]
            # name: (command, environment); the runs interleave them, each with an empty cache
            # for its first run and the same cache for the repeated one.
            commands = {"baseline": (baseline_command, env), "mend": (inspect_command, env)}
            if compare_with is not None:
                other = with_bytecode(env, folder / "bytecode-compared")
                other["PYTHONPATH"] = f"{compare_with / 'core'}:{compare_with / 'tui'}"
                commands["compared"] = (inspect_command, other)
            for command, command_env in commands.values():  # fills the bytecode caches
                command_env["MEND_CACHE_DIR"] = str(folder / "cache-warm-up")
                timed(command, command_env, folder)
            samples: dict[str, list[tuple[float, float]]] = {}
            for run in range(runs):
                for name, (command, command_env) in commands.items():
                    command_env["MEND_CACHE_DIR"] = str(folder / f"cache-{name}-{run}")
                    first = timed_with_cpu(command, command_env, folder)
                    samples.setdefault(name, []).append(first)
                    if name != "baseline":
                        repeated = timed_with_cpu(command, command_env, folder)
                        samples.setdefault(f"{name} repeated", []).append(repeated)
        finally:
            drop_database(dialect, handle)
    wall = {name: statistics.median(x[0] for x in times) for name, times in samples.items()}
    cpu = {name: statistics.median(x[1] for x in times) for name, times in samples.items()}
    b, c, w = wall["baseline"], wall["mend"], wall["mend repeated"]
    bc, cc, wc = cpu["baseline"], cpu["mend"], cpu["mend repeated"]
    print(
        f"{dialect:<10} {tables} tables / {migrations} migrations: replay+inspect baseline "
        f"{b:.2f} s; mend inspect first run {c:.2f} s ({c / b:.2f}x, target <= 1.2x); "
        f"repeated {w:.2f} s (target < 1 s); median of {runs}\n"
        f"{'':<10} CPU time: baseline {bc:.2f} s; first run {cc:.2f} s ({cc / bc:.2f}x); "
        f"repeated {wc:.2f} s"
    )
    if compare_with is not None:
        oc, ow = wall["compared"], wall["compared repeated"]
        occ, owc = cpu["compared"], cpu["compared repeated"]
        print(
            f"{'':<10} compared checkout: first run {oc:.2f} s ({oc / b:.2f}x), repeated "
            f"{ow:.2f} s; CPU {occ:.2f} s ({occ / bc:.2f}x), repeated {owc:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tables", type=int, default=300)
    parser.add_argument("--migrations", type=int, default=200)
    parser.add_argument("--dialects", default="sqlite,postgresql,mysql")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo's line")
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="also time `mend inspect` from another checkout (its core/ and tui/ first on "
        "PYTHONPATH), interleaved: a change before and after, against the same baseline",
    )
    options = parser.parse_args()
    if not options.no_demo:
        bench_demo(options.runs)
    for dialect in options.dialects.split(","):
        bench_history(
            dialect, options.runs, options.tables, options.migrations, options.compare_with
        )


if __name__ == "__main__":
    main()
