"""How the analysis time grows with the failed migration's statement count (issue 16 §6).

A failed migration of N statements (a mix: CREATE TABLE, ADD COLUMN, CREATE INDEX; the last
one, a CREATE UNIQUE INDEX, fails on duplicate rows the applied history left) at a small and a
large N, `mend inspect` timed as a whole process (a fresh cache each run, so the shadow replay
and every statement's state are computed), median of the runs. The ratio large/small must stay
<= 12 for 10x the statements: the analysis is linear in the statement count.

Run: .venv/bin/python benchmarks/analysis_scaling.py [--runs N] [--sizes 200,2000]
     [--dialects sqlite,postgresql,mysql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from recovery_speed import drop_database, fresh_database, timed

PYTHON = sys.executable


def q(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def applied(dialect: str) -> str:
    """The history: a table holding duplicate e-mails, which the failed migration's last
    statement cannot make unique."""
    text = "VARCHAR(191)" if dialect == "mysql" else "TEXT"
    return (
        f"CREATE TABLE {q(dialect, 'User')} ({q(dialect, 'id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q(dialect, 'email')} {text});\n"
        f"INSERT INTO {q(dialect, 'User')} ({q(dialect, 'id')}, {q(dialect, 'email')}) VALUES "
        "(1, 'a@example.com'), (2, 'a@example.com');\n"
    )


def failed(dialect: str, count: int) -> str:
    """`count` statements: a third each CREATE TABLE, ADD COLUMN, CREATE INDEX; the last fails."""
    text = "VARCHAR(191)" if dialect == "mysql" else "TEXT"
    lines: list[str] = []
    tables = 0
    while len(lines) < count - 1:
        name = f"t{tables:05d}"
        lines.append(
            f"CREATE TABLE {q(dialect, name)} ({q(dialect, 'id')} INTEGER NOT NULL PRIMARY KEY, "
            f"{q(dialect, 'name')} {text});"
        )
        lines.append(f"ALTER TABLE {q(dialect, name)} ADD COLUMN {q(dialect, 'amount')} INTEGER;")
        lines.append(
            f"CREATE INDEX {q(dialect, name + '_name_idx')} ON {q(dialect, name)} "
            f"({q(dialect, 'name')});"
        )
        tables += 1
    lines = lines[: count - 1]
    lines.append(
        f"CREATE UNIQUE INDEX {q(dialect, 'User_email_key')} ON {q(dialect, 'User')} "
        f"({q(dialect, 'email')});"
    )
    return "\n".join(lines) + "\n"


def bench(dialect: str, count: int, runs: int) -> float:
    """The median time of `mend inspect` on a failed migration of `count` statements."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        url, handle = fresh_database(dialect, folder)
        try:
            migrations = folder / "prisma" / "migrations"
            for name, sql in (
                ("00001_init", applied(dialect)),
                ("00002_big", failed(dialect, count)),
            ):
                (migrations / name).mkdir(parents=True)
                (migrations / name / "migration.sql").write_text(sql)
            env = {**os.environ, "NO_COLOR": "1", "MEND_JOURNAL": str(folder / "journal.jsonl")}
            env.pop("DATABASE_URL", None)
            deployed = subprocess.run(
                [PYTHON, "-m", "mend_tui", "deploy", "--yes", "--url", url],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
            )
            if deployed.returncode == 0:
                raise SystemExit(f"the migration did not fail: {deployed.stdout[-2000:]}")
            times = []
            for run in range(runs):
                env["MEND_CACHE_DIR"] = str(folder / f"cache{run}")
                times.append(
                    timed([PYTHON, "-m", "mend_tui", "inspect", "--url", url], env, folder)
                )
        finally:
            drop_database(dialect, handle)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--dialects", default="sqlite,postgresql")
    options = parser.parse_args()
    small, large = (int(n) for n in options.sizes.split(","))
    for dialect in options.dialects.split(","):
        a = bench(dialect, small, options.runs)
        b = bench(dialect, large, options.runs)
        print(
            f"{dialect:<10} mend inspect: {small} statements {a:.2f} s, {large} statements "
            f"{b:.2f} s; ratio {b / a:.1f} for {large / small:.0f}x the statements (target <= "
            f"{1.2 * large / small:.0f}); median of {options.runs}",
            flush=True,
        )


if __name__ == "__main__":
    main()
