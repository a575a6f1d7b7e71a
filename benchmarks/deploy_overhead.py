"""What `mend deploy` adds to each migration's own SQL (issue 17), counted, not timed.

The history of benchmarks/deploy_speed.py is deployed once per dialect to a fresh database, and
what reached the database is counted from the database's own record of it:

- PostgreSQL: the statement log of mend's sessions only (`log_statement=all` given to libpq by
  PGOPTIONS, so no other session logs anything), read from the server's log file;
- MariaDB: the general log (switched on for the run, off after), the threads connected to the
  run's database;
- SQLite: every statement the sqlite3 module runs (its trace callback, set in the mend process),
  and the file syncs of the database and its rollback journal (strace).

Statements are split into the migrations' own and mend's (the rest). A round trip is a
statement sent (PostgreSQL's and MariaDB's logs record one per message); a commit is a COMMIT or
a statement that writes outside a transaction (reads and session settings are left out). The
journal's writes and fsyncs are counted by strace on the mend process (`write`s and `fsync`s of
journal.jsonl and its `.head` anchor). The floor's commits are the script's statements run
alone (every one autocommitted by `psql -f`, `mariadb <`, `sqlite3 <`).

Run: .venv/bin/python benchmarks/deploy_overhead.py [--migrations N] [--dialects ...]
     [--compare-with DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_speed import MYSQL, Server, environment, make_project
from mend_core.database.statements import strip_leading_noise

PG_LOG = Path(os.environ.get("MEND_BENCH_PG_LOG", "/var/log/postgresql/postgresql-15-main.log"))

# Runs mend with every SQLite statement written to stderr, marked.
SQLITE_TRACE = """
import sqlite3, sys, runpy
_connect = sqlite3.connect
def connect(*args, **kwargs):
    raw = _connect(*args, **kwargs)
    raw.set_trace_callback(
        lambda sql: sys.stderr.write("@@SQL " + sql.replace("\\n", "\\x1f") + "\\n")
    )
    return raw
sqlite3.connect = connect
sys.argv = ["mend", *sys.argv[1:]]
runpy.run_module("mend_tui", run_name="__main__")
"""

STRACE = ["strace", "-f", "-y", "-qq", "-e", "trace=write,pwrite64,fsync,fdatasync", "-o"]
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|REPLACE)\b", re.I)
_READS = re.compile(r"^\s*(SELECT|SET|SHOW|PRAGMA|WITH)\b", re.I)


def classify(statements: list[str], own: Counter[str]) -> dict[str, float]:
    """Counts over one session's statements, in order: mend's statements by kind, commits."""
    remaining = Counter(own)
    mine: Counter[str] = Counter()
    commits = 0
    in_transaction = False
    for text in statements:
        sql = strip_leading_noise(text)
        head = " ".join(sql.split()[:3]).upper()
        key = _key(text)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            kind = head.split(" ")[0]
            if "_PRISMA_MIGRATIONS" in sql.upper():
                kind += " _prisma_migrations"
            mine[kind] += 1
        upper = head.split(" ")[0]
        if upper in ("BEGIN", "START"):
            in_transaction = True
        elif upper in ("COMMIT", "END"):
            commits += 1
            in_transaction = False
        elif upper == "ROLLBACK":
            in_transaction = False
        elif not in_transaction and _WRITES.match(sql) and not _READS.match(sql):
            commits += 1
    result: dict[str, float] = {f"mend: {k}": v for k, v in sorted(mine.items())}
    result["mend statements"] = sum(mine.values())
    result["own statements"] = sum(own.values()) - sum(remaining.values())
    result["commits"] = commits
    return result


def _key(sql: str) -> str:
    return " ".join(strip_leading_noise(sql).split()).rstrip(";").strip()[:200]


def own_statements(project: Path, dialect: str) -> Counter[str]:
    from mend_core.dialects import dialect_for  # type: ignore[import-untyped]

    family = dialect_for(dialect)
    own: Counter[str] = Counter()
    for script in sorted((project / "prisma" / "migrations").glob("*/migration.sql")):
        for statement in family.split(script.read_text()):
            own[_key(statement.sql)] += 1
    return own


def strace_counts(trace: Path) -> dict[str, float]:
    """Writes and fsyncs of the journal and its anchor, and of a SQLite database's files."""
    counts: Counter[str] = Counter()
    for line in trace.read_text(errors="replace").splitlines():
        match = re.search(r"\b(write|pwrite64|fsync|fdatasync)\((\d+)<([^>]*)>", line)
        if not match:
            continue
        call, _fd, path = match.groups()
        call = "fsync" if call in ("fsync", "fdatasync") else "write"
        if path.endswith("journal.jsonl"):
            counts[f"journal {call}"] += 1
        elif ".head" in path:
            counts[f"anchor {call}"] += 1
        elif path.endswith(".db-journal"):
            counts[f"sqlite rollback journal {call}"] += 1
        elif path.endswith(".db"):
            counts[f"sqlite database {call}"] += 1
    return dict(counts)


def run_mend(
    folder: Path, url: str, env: dict[str, str], trace: Path, sqlite: bool
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", SQLITE_TRACE] if sqlite else [sys.executable, "-m", "mend_tui"]
    done = subprocess.run(
        [*STRACE, str(trace), *command, "deploy", "--yes", "--url", url],
        cwd=folder / "project",
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    return done


def count(dialect: str, migrations: int, checkout: Path | None) -> dict[str, float]:
    server = Server(dialect)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_project(folder / "project", dialect, migrations)
        own = own_statements(folder / "project", dialect)
        env = environment(checkout, folder / "bytecode")
        env["MEND_JOURNAL"] = str(folder / "journal.jsonl")
        url, _client = server.fresh(folder)
        trace = folder / "strace.txt"
        try:
            if dialect == "postgresql":
                database = url.rsplit("/", 1)[1]
                start = PG_LOG.stat().st_size
                env["PGOPTIONS"] = "-c log_statement=all"
                run_mend(folder, url, env, trace, sqlite=False)
                time.sleep(0.5)  # the server's logger is behind the sessions
                with PG_LOG.open("rb") as log:
                    log.seek(start)
                    text = log.read().decode(errors="replace")
                statements = _postgres_statements(text, database)
            elif dialect == "mysql":
                database = url.rsplit("/", 1)[1]
                log_file = Path("/var/lib/mysql") / _mariadb("SELECT @@general_log_file")
                start = log_file.stat().st_size if log_file.exists() else 0
                _mariadb("SET GLOBAL general_log = 1")
                try:
                    run_mend(folder, url, env, trace, sqlite=False)
                finally:
                    _mariadb("SET GLOBAL general_log = 0")
                with log_file.open("rb") as log:
                    log.seek(start)
                    text = log.read().decode(errors="replace")
                statements = _mariadb_statements(text, database)
            else:
                done = run_mend(folder, url, env, trace, sqlite=True)
                statements = [
                    line[6:].replace("\x1f", "\n")
                    for line in done.stderr.splitlines()
                    if line.startswith("@@SQL ")
                ]
        finally:
            server.drop(url)
        result = classify(statements, own)
        result.update(strace_counts(trace))
        result["floor commits"] = sum(own.values())
        return {k: v / migrations for k, v in result.items()}


def _mariadb(sql: str) -> str:
    user = MYSQL.split("://", 1)[1].split("@", 1)[0]
    done = subprocess.run(
        ["mariadb", f"-u{user}", "-h127.0.0.1", "-N", "-B", "-e", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


_PG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d")
_PG_LINE = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] \S*@(\S*) LOG:  (?:statement|execute [^:]*): (.*)$")


def _postgres_statements(text: str, database: str) -> list[str]:
    """The statements of mend's sessions on `database`, in order (a statement's later lines
    follow its entry, unprefixed)."""
    found: list[str] = []
    ours = False
    for line in text.splitlines():
        if _PG_ENTRY.match(line):
            match = _PG_LINE.match(line)
            ours = bool(match and match.group(2) == database)
            if match and ours:
                found.append(match.group(3))
        elif ours and found:
            found[-1] += "\n" + line
    return found


_MARIADB_LINE = re.compile(r"^(?:\d{6}\s+[\d:]+)?\s+(\d+)\s+(\w+(?: \w+)?)\t(.*)$")


def _mariadb_statements(text: str, database: str) -> list[str]:
    threads: set[str] = set()
    found: list[str] = []
    ours = False
    for line in text.splitlines():
        match = _MARIADB_LINE.match(line)
        if not match:
            if ours and found:
                found[-1] += "\n" + line
            continue
        thread, command, rest = match.groups()
        if command == "Connect" and f" on {database} " in f"{rest} ":
            threads.add(thread)
        ours = command == "Query" and thread in threads
        if ours:
            found.append(rest)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--migrations", type=int, default=400)
    parser.add_argument("--dialects", nargs="*", default=["sqlite", "postgresql", "mysql"])
    parser.add_argument("--compare-with", type=Path, metavar="DIR")
    args = parser.parse_args()
    for dialect in args.dialects:
        checkouts: list[tuple[str, Path | None]] = [("this checkout", None)]
        if args.compare_with is not None:
            checkouts.append((f"{args.compare_with}", args.compare_with))
        for label, checkout in checkouts:
            counts = count(dialect, args.migrations, checkout)
            print(f"{dialect} ({label}), per migration:")
            for key, value in counts.items():
                print(f"  {key:40} {value:6.2f}")


if __name__ == "__main__":
    main()
