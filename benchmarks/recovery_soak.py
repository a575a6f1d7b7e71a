"""Soak test of recovery (issue 8): `mend deploy` killed with SIGKILL at a random statement of a
migration, then `mend recover` in a random direction, ending with zero drift and a clean status;
20 trials per dialect by default (the test suite runs a few).

Run: .venv/bin/python benchmarks/recovery_soak.py [--trials N] [--dialects sqlite,postgresql,mysql]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recovery_speed import drop_database, fresh_database

PYTHON = sys.executable


def slow(dialect: str) -> str:
    if dialect == "postgresql":
        return "SELECT pg_sleep(0.4);\n"
    if dialect == "mysql":
        return "SELECT SLEEP(0.4);\n"
    return (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) "
        "SELECT count(*) FROM c;\n"
    )


def trial(dialect: str, rng: random.Random) -> str:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        url, handle = fresh_database(dialect, folder)
        try:
            q = (lambda s: f"`{s}`") if dialect == "mysql" else (lambda s: f'"{s}"')
            body = ""
            for i in range(8):
                body += f"CREATE TABLE {q(f't{i}')} ({q('id')} INTEGER NOT NULL PRIMARY KEY);\n"
                body += f"CREATE INDEX {q(f't{i}_idx')} ON {q(f't{i}')} ({q('id')});\n"
                body += slow(dialect)
            migration = folder / "prisma" / "migrations" / "1_many"
            migration.mkdir(parents=True)
            (migration / "migration.sql").write_text(body)
            env = {
                **os.environ,
                "MEND_JOURNAL": str(folder / "journal.jsonl"),
                "MEND_CACHE_DIR": str(folder / "cache"),
                "NO_COLOR": "1",
            }
            env.pop("DATABASE_URL", None)
            process = subprocess.Popen(
                [PYTHON, "-m", "mend_tui", "deploy", "--yes", "--url", url],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.6, 3.2))
            process.send_signal(signal.SIGKILL)
            process.wait()
            direction = rng.choice(["--roll-back", "--roll-forward"])

            def mend(*args: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    [PYTHON, "-m", "mend_tui", *args, "--url", url],
                    cwd=folder,
                    env=env,
                    capture_output=True,
                    text=True,
                )

            status = mend("status")
            if status.returncode == 0:
                return "finished before the kill"
            recovered = mend("recover", direction, "--yes")
            if recovered.returncode != 0:
                return f"FAILED {direction}: {recovered.stderr[-600:]}"
            drift = mend("drift")
            final = mend("status")
            expected = 0 if direction == "--roll-forward" else 3
            if drift.returncode != 0 or final.returncode != expected:
                return f"FAILED {direction}: drift {drift.returncode}, status {final.returncode}"
            return f"ok {direction}"
        finally:
            drop_database(dialect, handle)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--dialects", default="sqlite,postgresql,mysql")
    parser.add_argument("--seed", type=int, default=int(uuid.uuid4().int % 10_000))
    options = parser.parse_args()
    rng = random.Random(options.seed)
    print(f"seed {options.seed}")
    failures = 0
    for dialect in options.dialects.split(","):
        outcomes = [trial(dialect, rng) for _ in range(options.trials)]
        failures += sum(o.startswith("FAILED") for o in outcomes)
        summary = {o.split(":")[0]: outcomes.count(o) for o in outcomes if not o.startswith("F")}
        print(f"{dialect:<10} {options.trials} trials: {summary}")
        for outcome in outcomes:
            if outcome.startswith("FAILED"):
                print(f"  {outcome}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
