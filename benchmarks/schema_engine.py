"""Speed of the schema engine (issue 3).

1. Inspect and diff two 1000-table schemas (8 columns, 2 indexes and 1 foreign key per table;
   B differs from A in every 10th table: a type change, a new column, a new index), on each
   dialect; the peak memory of that process. Target: at most 0.5 s and 150 MB, and at least 12x
   faster than the baseline measured in the same run: Alembic autogenerate (reflect, compare,
   render the migration script). Two ratios, each side always in a fresh process:
   - work: the time after the imports (the driver and the inspector are imported first on both
     sides, so that only inspecting, comparing and rendering is timed);
   - whole process: the wall time of the real command, `mend diff --from-url A --to-url B
     --script`, against a Python process running Alembic's autogenerate: start-up and imports
     included, as a user waits for them.
2. Replay a 1000-table history (50 migrations of 20 tables) into an empty database, against the
   database's own client running the same SQL (psql -f, mariadb <, sqlite3 .read). Target:
   within 1.5x.
3. (servers) `mend diff --from-migrations <that history> --to-empty --shadow-url URL`, whole
   process: the replay, the inspection and emptying the given shadow afterwards. Baseline in the
   same run: the same command with a temporary shadow database (created and dropped by mend).
   Emptying a given shadow should cost no more than dropping a temporary one.
4. (servers) The same command on a 300-table history in 30 migrations, whole process, against the
   database's own client running the same SQL into a fresh database in one transaction
   (`psql -1 -f`; MariaDB: `mariadb <`, its DDL commits anyway): what a person would otherwise
   run to learn the schema. Target (PostgreSQL): within 1.5x. The fresh database is made
   before the client's timer starts and dropped after it; mend's given shadow is empty, and
   emptied again inside its timed process.

Both sides run from compiled bytecode, as an installed package does (pip compiles on install,
and Alembic's and SQLAlchemy's were): mend's sources are compiled first, since the environment
may forbid writing bytecode on import (PYTHONDONTWRITEBYTECODE), which would make every mend
process compile its modules again.

--compare-with DIR runs a second mend, from another checkout (its core/ and tui/ put first on
PYTHONPATH: e.g. `git archive HEAD~1 core tui | tar -x -C DIR`), interleaved with this one, to
measure a change before and after in the same run.

Run: .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/schema_engine.py
Options: --tables N, --runs N, --dialects sqlite,postgresql,mysql, --skip-diff, --skip-replay,
--skip-shadow, --skip-client-shadow, --client-shadow-tables N (300; 10 per migration),
--compare-with DIR.
"""

from __future__ import annotations

import argparse
import json
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


# -- schemas --------------------------------------------------------------------------------------
def table_ddl(dialect: str, n: int, variant: bool) -> list[str]:
    q = (lambda s: f"`{s}`") if dialect == "mysql" else (lambda s: f'"{s}"')
    text = "VARCHAR(191)" if dialect == "mysql" else "TEXT"
    name = f"t{n:04d}"
    parent = f"t{max(n - 1, 0):04d}"
    label = "VARCHAR(200)" if variant else "VARCHAR(100)"
    columns = [
        f"{q('id')} INTEGER NOT NULL",
        f"{q('label')} {label}",
        f"{q('amount')} INTEGER",
        f"{q('notes')} {text}",
        f"{q('active')} {'BOOLEAN' if dialect != 'sqlite' else 'INTEGER'} NOT NULL DEFAULT 1"
        if dialect != "postgresql"
        else f"{q('active')} BOOLEAN NOT NULL DEFAULT true",
        f"{q('created')} TIMESTAMP" if dialect != "mysql" else f"{q('created')} DATETIME(3)",
        f"{q('price')} NUMERIC(10,2) DEFAULT 0",
        f"{q('parent_id')} INTEGER",
    ]
    if variant:
        columns.append(f"{q('extra')} INTEGER")
    key = f"CONSTRAINT {q(name + '_pkey')} PRIMARY KEY ({q('id')})"
    fk = (
        f"CONSTRAINT {q(name + '_parent_fkey')} FOREIGN KEY ({q('parent_id')}) REFERENCES "
        f"{q(parent)}({q('id')})"
    )
    suffix = (
        " DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" if dialect == "mysql" else ""
    )
    body = ", ".join([*columns, key, fk])
    statements = [
        f"CREATE TABLE {q(name)} ({body}){suffix}",
        f"CREATE INDEX {q(name + '_label_idx')} ON {q(name)}({q('label')})",
        f"CREATE INDEX {q(name + '_parent_idx')} ON {q(name)}({q('parent_id')})",
    ]
    if variant:
        statements.append(f"CREATE INDEX {q(name + '_amount_idx')} ON {q(name)}({q('amount')})")
    return statements


def schema_sql(dialect: str, tables: int, differs: bool) -> list[str]:
    statements = []
    for n in range(tables):
        statements += table_ddl(dialect, n, differs and n % 10 == 0)
    return statements


# -- databases ------------------------------------------------------------------------------------
def create_database(dialect: str, folder: Path) -> str:
    name = f"mend_bench_{uuid.uuid4().hex[:10]}"
    if dialect == "sqlite":
        return f"file:{folder / (name + '.db')}"
    if dialect == "postgresql":
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    import pymysql

    c = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    c.cursor().execute(f"CREATE DATABASE `{name}`")
    c.close()
    return MYSQL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(dialect: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if dialect == "postgresql":
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    elif dialect == "mysql":
        import pymysql

        c = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        c.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        c.close()


def load(url: str, statements: list[str]) -> None:
    from mend_core.database.session import connect
    from mend_core.project.target import parse_url

    with connect(parse_url(url, base_dir=Path("/")), create=True) as db:
        if db.dialect.name != "mysql":
            db.begin()
        for statement in statements:
            db.execute(statement)
        if db.in_transaction:
            db.commit()


def sqlalchemy_url(url: str) -> str:
    if url.startswith("file:"):
        return "sqlite:///" + url[len("file:") :]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return "mysql+pymysql://" + url[len("mysql://") :]


# -- measured in fresh processes ------------------------------------------------------------------
MEND_DIFF = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from mend_core.schema.diff import diff_sources
from mend_core.schema.sources import SchemaSource, ShadowOptions
a_url, b_url = sys.argv[1], sys.argv[2]
# Imports are not what is measured (for Alembic neither: its dialect and autogenerate modules
# load before its timer): the driver, and what mend loads lazily on this path (the dialect, its
# inspector and renderer, the thread pool of the two inspections), are loaded first.
dialect = {"file": "sqlite", "postgresql": "postgresql", "mysql": "mysql"}[a_url.split(":")[0]]
for module in (
    {"sqlite": "sqlite3", "postgresql": "psycopg", "mysql": "pymysql"}[dialect],
    f"mend_core.dialects.{dialect}",
    f"mend_core.schema.inspect_{dialect}",
    f"mend_core.schema.render.{dialect}",
    "mend_core.schema.plan",
    "concurrent.futures.thread",
):
    __import__(module)
imported = time.perf_counter()
result = diff_sources(SchemaSource("url", a_url), SchemaSource("url", b_url), ShadowOptions())
script = result.plan.script()
done = time.perf_counter()
print(json.dumps({"import": imported - started, "total": done - imported,
                  "steps": len(result.plan.steps),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ALEMBIC_DIFF = """
import json, resource, sys, time
started = time.perf_counter()
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
a = sa.create_engine(sys.argv[1])
b = sa.create_engine(sys.argv[2])
a.dialect.dbapi  # the driver, imported before timing as for mend
imported = time.perf_counter()
target = sa.MetaData()
with b.connect() as connection:
    target.reflect(connection)
with a.connect() as connection:
    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "compare_server_default": True})
    script = produce_migrations(context, target)
    code = render_python_code(script.upgrade_ops)
done = time.perf_counter()
print(json.dumps({"import": imported - started, "total": done - imported,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def compile_sources(checkout: Path | None) -> None:
    """Bytecode for mend's modules, so that no timed process compiles them (see the top)."""
    root = checkout or Path(__file__).resolve().parent.parent
    folders = [str(root / "core" / "mend_core"), str(root / "tui" / "mend_tui")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True)


def environment(checkout: Path | None) -> dict[str, str]:
    """The environment of a mend process: this checkout's, or `checkout`'s put first."""
    env = dict(os.environ)
    if checkout is not None:
        paths = [str(checkout / "core"), str(checkout / "tui")]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def run_json(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a timing script in a fresh process; its figures plus the process's wall time."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(completed.stderr)
    return {**json.loads(completed.stdout.strip().splitlines()[-1]), "wall": wall}


def run_command(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """The wall time of a whole process, which must succeed."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{command} failed: {completed.stderr}")
    return wall


def mend_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mend_tui", *args]


class Samples:
    """Timings per contender, collected over interleaved rounds."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def add(self, name: str, seconds: float) -> None:
        self.times.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])


def bench_diff(
    dialect: str, tables: int, runs: int, folder: Path, compare_with: Path | None
) -> None:
    a_url, b_url = create_database(dialect, folder), create_database(dialect, folder)
    a_alembic, b_alembic = sqlalchemy_url(a_url), sqlalchemy_url(b_url)
    cli = mend_command("diff", "--from-url", a_url, "--to-url", b_url, "--script")
    mends = {"mend": environment(None)}
    if compare_with is not None:
        mends["mend (compared)"] = environment(compare_with)
    samples = Samples()
    rss: dict[str, float] = {}
    steps = 0
    try:
        load(a_url, schema_sql(dialect, tables, differs=False))
        load(b_url, schema_sql(dialect, tables, differs=True))
        for _ in range(runs):  # interleaved, so that a slow moment weighs on all of them
            for name, env in mends.items():
                result = run_json(MEND_DIFF, a_url, b_url, env=env)
                samples.add(f"{name} work", result["total"])
                rss[name] = max(rss.get(name, 0.0), result["rss_mb"])
                steps = int(result["steps"])
                samples.add(f"{name} process", run_command(cli, folder, env))
            result = run_json(ALEMBIC_DIFF, a_alembic, b_alembic)
            samples.add("alembic work", result["total"])
            samples.add("alembic process", result["wall"])
            rss["alembic"] = max(rss.get("alembic", 0.0), result["rss_mb"])
    finally:
        drop_database(dialect, a_url)
        drop_database(dialect, b_url)
    alembic_work, alembic_process = (
        samples.median("alembic work"),
        samples.median("alembic process"),
    )
    print(
        f"{dialect:<10} inspect+diff {tables}+{tables} tables ({steps} steps), median of {runs}: "
        f"Alembic autogenerate {alembic_work:.3f} s work, {alembic_process:.3f} s process, "
        f"peak {rss['alembic']:.0f} MB"
    )
    for name in mends:
        work, process = samples.median(f"{name} work"), samples.median(f"{name} process")
        print(
            f"{'':<10}   {name:<16} {work:.3f} s work ({alembic_work / work:.1f}x), "
            f"{process:.3f} s process ({alembic_process / process:.1f}x), peak "
            f"{rss[name]:.0f} MB   [target <= 0.5 s, < 150 MB, >= 12x]"
        )


# -- replay ---------------------------------------------------------------------------------------
def history(dialect: str, tables: int, per_migration: int = 20) -> list[tuple[str, str]]:
    statements = schema_sql(dialect, tables, differs=False)
    per_table = 3
    migrations = []
    chunk = per_migration * per_table
    for index, start in enumerate(range(0, len(statements), chunk)):
        body = ";\n".join(statements[start : start + chunk]) + ";\n"
        migrations.append((f"{index:04d}_tables", body))
    return migrations


def client_command(dialect: str, url: str, path: Path) -> list[str]:
    if dialect == "postgresql":
        return ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(path)]
    if dialect == "mysql":
        database = url.rsplit("/", 1)[1]
        return ["sh", "-c", f"mariadb -uroot -h127.0.0.1 --protocol=tcp {database} < {path}"]
    return ["sqlite3", ":memory:", f".read {path}"]


def bench_replay(dialect: str, tables: int, runs: int, folder: Path) -> None:
    from mend_core.database.session import connect
    from mend_core.project.target import DatabaseTarget, parse_url
    from mend_core.schema.replay import replay

    migrations = history(dialect, tables)
    script = folder / f"history-{dialect}.sql"
    script.write_text("".join(body for _, body in migrations))
    mend_times, client_times = [], []
    for _ in range(runs):
        url = create_database(dialect, folder) if dialect != "sqlite" else "file::memory:"
        try:
            target = (
                DatabaseTarget(dialect="sqlite", memory=True)
                if dialect == "sqlite"
                else parse_url(url, base_dir=folder)
            )
            with connect(target) as db:
                started = time.perf_counter()
                replay(db, migrations)
                mend_times.append(time.perf_counter() - started)
        finally:
            drop_database(dialect, url) if dialect != "sqlite" else None
        url = create_database(dialect, folder) if dialect != "sqlite" else ""
        try:
            started = time.perf_counter()
            subprocess.run(client_command(dialect, url, script), check=True, capture_output=True)
            client_times.append(time.perf_counter() - started)
        finally:
            drop_database(dialect, url) if dialect != "sqlite" else None
    mend, client = statistics.median(mend_times), statistics.median(client_times)
    name = {"postgresql": "psql -f", "mysql": "mariadb <", "sqlite": "sqlite3 .read"}[dialect]
    print(
        f"{dialect:<10} replay {tables} tables in {len(migrations)} migrations: mend "
        f"{mend:.3f} s | {name} {client:.3f} s | mend/client {mend / client:.2f}x   "
        "[target <= 1.5x]"
    )


# -- a given shadow (--shadow-url) ----------------------------------------------------------------
def write_history(dialect: str, tables: int, folder: Path, per_migration: int = 20) -> Path:
    migrations = folder / f"migrations-{dialect}-{tables}-{per_migration}"
    migrations.mkdir(exist_ok=True)
    (migrations / "migration_lock.toml").write_text(f'provider = "{dialect}"\n')
    for name, body in history(dialect, tables, per_migration):
        (migrations / name).mkdir(exist_ok=True)
        (migrations / name / "migration.sql").write_text(body)
    return migrations


def bench_shadow(
    dialect: str, tables: int, runs: int, folder: Path, compare_with: Path | None
) -> None:
    migrations = write_history(dialect, tables, folder)
    shadow = create_database(dialect, folder)
    server = POSTGRES if dialect == "postgresql" else MYSQL
    diff = ["diff", "--from-migrations", str(migrations), "--to-empty", "--script"]
    commands = {"mend --shadow-url": (mend_command(*diff, "--shadow-url", shadow), None)}
    if compare_with is not None:
        commands["mend --shadow-url (compared)"] = (
            mend_command(*diff, "--shadow-url", shadow),
            compare_with,
        )
    commands["mend, temporary shadow"] = (mend_command(*diff, "--url", server), None)
    samples = Samples()
    try:
        for _ in range(runs):
            for name, (command, checkout) in commands.items():
                samples.add(name, run_command(command, folder, environment(checkout)))
    finally:
        drop_database(dialect, shadow)
    temporary = samples.median("mend, temporary shadow")
    print(f"{dialect:<10} diff --from-migrations ({tables} tables), median of {runs}:")
    for name in commands:
        seconds = samples.median(name)
        print(f"{'':<10}   {name:<30} {seconds:.3f} s ({seconds / temporary:.2f}x temporary)")


def client_one_transaction(dialect: str, url: str, path: Path) -> list[str]:
    """The client running a script into `url` as one transaction where the database has them."""
    if dialect == "postgresql":
        return ["psql", "-1", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(path)]
    return client_command(dialect, url, path)


def bench_shadow_client(
    dialect: str, tables: int, runs: int, folder: Path, compare_with: Path | None
) -> None:
    per_migration = 10
    migrations = write_history(dialect, tables, folder, per_migration)
    script = folder / f"history-{dialect}-{tables}-{per_migration}.sql"
    script.write_text("".join(body for _, body in history(dialect, tables, per_migration)))
    shadow = create_database(dialect, folder)
    diff = ["diff", "--from-migrations", str(migrations), "--to-empty", "--script"]
    checkouts: dict[str, Path | None] = {"mend --shadow-url": None}
    if compare_with is not None:
        checkouts["mend --shadow-url (compared)"] = compare_with
    client = "psql -1 -f" if dialect == "postgresql" else "mariadb <"
    samples = Samples()
    try:
        for _ in range(runs):  # interleaved
            for name, checkout in checkouts.items():
                command = mend_command(*diff, "--shadow-url", shadow)
                samples.add(name, run_command(command, folder, environment(checkout)))
            fresh = create_database(dialect, folder)
            try:
                samples.add(
                    client, run_command(client_one_transaction(dialect, fresh, script), folder)
                )
            finally:
                drop_database(dialect, fresh)
    finally:
        drop_database(dialect, shadow)
    baseline = samples.median(client)
    count = -(-tables // per_migration)
    print(
        f"{dialect:<10} diff --from-migrations --shadow-url ({tables} tables in {count} "
        f"migrations), whole process, median of {runs}: {client} into a fresh database "
        f"{baseline:.3f} s"
    )
    for name in checkouts:
        seconds = samples.median(name)
        print(
            f"{'':<10}   {name:<30} {seconds:.3f} s ({seconds / baseline:.2f}x {client})   "
            "[target <= 1.5x]"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dialects", default="sqlite,postgresql,mysql")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--skip-diff", action="store_true")
    parser.add_argument("--skip-shadow", action="store_true")
    parser.add_argument("--skip-client-shadow", action="store_true")
    parser.add_argument("--client-shadow-tables", type=int, default=300)
    parser.add_argument("--compare-with", type=Path, metavar="DIR")
    args = parser.parse_args()
    dialects = args.dialects.split(",")
    compile_sources(None)
    if args.compare_with is not None:
        compile_sources(args.compare_with)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for dialect in dialects if not args.skip_diff else ():
            bench_diff(dialect, args.tables, args.runs, folder, args.compare_with)
        for dialect in dialects if not args.skip_replay else ():
            bench_replay(dialect, args.tables, max(3, args.runs // 2), folder)
        for dialect in dialects if not args.skip_shadow else ():
            if dialect != "sqlite":  # SQLite's shadow is always in memory
                bench_shadow(
                    dialect, args.tables, max(3, args.runs // 2), folder, args.compare_with
                )
        for dialect in dialects if not args.skip_client_shadow else ():
            if dialect != "sqlite":
                bench_shadow_client(
                    dialect, args.client_shadow_tables, args.runs, folder, args.compare_with
                )


if __name__ == "__main__":
    main()
