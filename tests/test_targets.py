"""mend.toml targets: the inventory's rules, `mend status --targets`, and a hotfix reconciled on
three other databases (patched, unpatched, conflicting), on three dialects, real servers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Project, TestDatabase, make_database
from mend_core.errors import M8005, M8006, M8007, MendError
from mend_core.hotfix.fleet import worst
from mend_core.hotfix.parallel import run_parallel
from mend_core.hotfix.targets import choose_targets, load_inventory, same_database
from mend_core.project.discovery import find_project
from mend_core.project.target import parse_url
from test_hotfix import (
    assert_resolve_row,
    deployed,
    index_sql,
    journal_lines,
    mend,
    new_folders,
    setup_project,
    snapshot,
)

UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2",
    "mysql": "mysql://root@127.0.0.1:1/nowhere?connect_timeout=2",
    "sqlite": "file:/nonexistent-mend-folder/gone.db",
}
SECRET = "s3cr3t-Pa55word"


@pytest.fixture
def others(db: TestDatabase, tmp_path: Path) -> Iterator[Callable[[int], list[TestDatabase]]]:
    """More fresh databases of the test's dialect."""
    opened: list[Iterator[TestDatabase]] = []

    def make(count: int) -> list[TestDatabase]:
        made = []
        for _ in range(count):
            folder = tmp_path / f"other{len(opened)}"
            folder.mkdir()
            generator = make_database(db.dialect, folder)
            made.append(next(generator))
            opened.append(generator)
        return made

    yield make
    for generator in opened:
        next(generator, None)


def inventory(project: Project, **targets: str) -> None:
    """mend.toml with one target per keyword, its URL in the variable NAME_URL."""
    text = "".join(f'[targets.{name}]\nurl = "env:{name.upper()}_URL"\n\n' for name in targets)
    (project.root / "mend.toml").write_text(text)


def env_for(**targets: str) -> dict[str, str]:
    return {f"{name.upper()}_URL": url for name, url in targets.items()}


# -- a hotfix reconciled on three targets -----------------------------------------------------
def test_three_targets_patched_unpatched_conflicting(
    project: Project, db: TestDatabase, others: Callable[[int], list[TestDatabase]]
):
    patched, unpatched, conflicting = others(3)
    setup_project(project)
    for other in (patched, unpatched, conflicting):
        deployed(project, other.url)
    for database in (db, patched):
        database.sql(index_sql(database, "User_name_idx", "name"))
    conflicting.sql(index_sql(conflicting, "User_name_idx", "name, age"))
    urls = {
        "main": db.url,  # the database being repaired, among the targets
        "patched": patched.url,
        "unpatched": unpatched.url,
        "conflicting": conflicting.url,
    }
    inventory(project, **urls)
    env = env_for(**urls)
    del env["UNPATCHED_URL"]  # from .env instead of the environment
    (project.root / ".env").write_text(f"UNPATCHED_URL={unpatched.url}\n")

    completed = mend(project, "hotfix", "--yes", "--targets", "all", **env)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 3, output  # recorded; a target needs a hand
    (folder,) = new_folders(project)
    name = folder.name
    assert "main (" in output and "the database being repaired" in output
    assert "conflict" in output and "index `User_name_idx` on `User` differs" in output
    assert "leave it pending" in output
    assert_resolve_row(db, folder)  # exactly one row: never marked twice
    assert_resolve_row(patched, folder)
    for untouched in (unpatched, conflicting):
        assert name not in {row[0] for row in untouched.history()}
    journal = [json.loads(line) for line in (project.root / "journal.jsonl").open()]
    marked = [e["target"] for e in journal if e["event"] == "row_marked_applied"]
    assert len(marked) == 2 and len(set(marked)) == 2  # here, then on `patched`
    assert any(e["event"] == "hotfix_target_started" for e in journal)

    # deploy applies the new migration where it is pending.
    deploy = mend(project, "deploy", "--yes", url=unpatched.url)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert name in {row[0] for row in unpatched.history()}
    # The conflict, resolved by hand: the index as the hotfix has it, then resolve --applied.
    drop = {"mysql": f" ON {conflicting.q('User')}"}.get(db.dialect, "")
    conflicting.sql(f"DROP INDEX {conflicting.q('User_name_idx')}{drop}")
    conflicting.sql(index_sql(conflicting, "User_name_idx", "name"))
    resolved = mend(project, "resolve", "--applied", name, "--yes", url=conflicting.url)
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    for database in (db, patched, unpatched, conflicting):
        drift = mend(project, "drift", url=database.url)
        assert drift.returncode == 0, drift.stdout + drift.stderr
    fleet = project.mend("status", "--targets", "all", env=env_for(**urls))
    assert fleet.returncode == 0, fleet.stdout + fleet.stderr


def test_an_unreachable_target_does_not_stop_the_others(
    project: Project, db: TestDatabase, others: Callable[[int], list[TestDatabase]]
):
    (patched,) = others(1)
    setup_project(project)
    deployed(project, patched.url)
    for database in (db, patched):
        database.sql(index_sql(database, "User_name_idx", "name"))
    urls = {"patched": patched.url, "gone": UNREACHABLE[db.dialect]}
    inventory(project, **urls)
    completed = mend(project, "hotfix", "--yes", "--targets", "gone,patched", **env_for(**urls))
    output = completed.stdout + completed.stderr
    assert completed.returncode == 3, output
    assert "gone" in output and "unreachable" in output
    assert ("M1004" if db.dialect == "sqlite" else "P1001") in output
    (folder,) = new_folders(project)
    assert_resolve_row(patched, folder)


# -- mend status --targets ----------------------------------------------------------------------
def test_status_targets_fleet_table(
    project: Project, db: TestDatabase, others: Callable[[int], list[TestDatabase]]
):
    behind, drifted = others(2)
    setup_project(project)
    for other in (behind, drifted):
        deployed(project, other.url)
    drifted.sql(index_sql(drifted, "User_name_idx", "name"))
    project.add(
        "20240102000000_more",
        f"CREATE INDEX {db.q('User_age_idx')} ON {db.q('User')}({db.q('age')});\n",
    )
    deployed(project)  # the project's own database is in sync; `behind` lacks the new one
    deployed(project, drifted.url)
    urls = {
        "insync": db.url,
        "behind": behind.url,
        "drifted": drifted.url,
        "gone": UNREACHABLE[db.dialect],
    }
    inventory(project, **urls)
    env = env_for(**urls)
    completed = project.mend("status", "--targets", "all", env=env)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output  # the worst: unreachable
    lines = {line.split()[0]: line for line in completed.stdout.splitlines() if line.strip()}
    assert "TARGET" in lines and "LAST APPLIED" in lines["TARGET"] and "DRIFT" in lines["TARGET"]
    assert "20240102000000_more" in lines["insync"] and "in sync" in lines["insync"]
    assert "behind" in lines["behind"] and " 1 " in lines["behind"]
    assert " yes" in lines["drifted"] and " no" in lines["insync"]
    assert ("M1004" if db.dialect == "sqlite" else "P1001") in lines["gone"]

    as_json = json.loads(project.mend("status", "--targets", "all", "--json", env=env).stdout)
    codes = {row["target"]: row["exit_code"] for row in as_json["targets"]}
    assert codes == {"insync": 0, "behind": 3, "drifted": 5, "gone": 1}
    assert as_json["exit_code"] == 1
    without = project.mend("status", "--targets", "insync,behind,drifted", env=env)
    assert without.returncode == 5, without.stdout + without.stderr


# -- bad inventories -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("password", "M8005"),
        ("password-in-comment", "M8005"),
        ("literal", "M8005"),
        ("no-url", "M8005"),
        ("unset", "M8006"),
        ("unknown", "M8007"),
    ],
)
def test_bad_inventory_changes_nothing(project: Project, db: TestDatabase, case: str, code: str):
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    text = {
        "password": f'[targets.prod]\nurl = "postgresql://app:{SECRET}@db.example.com/app"\n',
        "password-in-comment": (
            f'# old: postgresql://app:{SECRET}@db.example.com/app\n[targets.prod]\nurl = "env:P"\n'
        ),
        "literal": '[targets.prod]\nurl = "file:./prod.db"\n',
        "no-url": "[targets.prod]\n",
        "unset": '[targets.prod]\nurl = "env:PROD_URL_NOT_SET"\n',
        "unknown": '[targets.prod]\nurl = "env:P"\n',
    }[case]
    (project.root / "mend.toml").write_text(text)
    before, lines = snapshot(db), journal_lines(project)
    targets = "staging" if case == "unknown" else "prod"
    completed = mend(project, "hotfix", "--yes", "--targets", targets, P=db.url)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert f"Error: {code}" in output and "Hint:" in output and "Traceback" not in output
    assert SECRET not in output
    assert snapshot(db) == before and not new_folders(project)
    assert journal_lines(project) == lines
    status = project.mend("status", "--targets", targets, env={"P": db.url})
    assert status.returncode == 1 and f"Error: {code}" in status.stdout + status.stderr
    assert SECRET not in status.stdout + status.stderr


# -- without a database -------------------------------------------------------------------------
def test_inventory_resolution(tmp_path: Path):
    (tmp_path / "mend.toml").write_text(
        '[targets.production]\nurl = "env:PROD_URL"\ndescription = "eu"\n\n'
        '[targets.staging]\nurl = "env:STAGING_URL"\n'
    )
    (tmp_path / ".env").write_text("STAGING_URL=file:./staging.db\n")
    project = find_project(tmp_path, environ={})
    found = load_inventory(tmp_path)
    assert found is not None and found.names == ("production", "staging")
    env = {"PROD_URL": f"postgresql://app:{SECRET}@db.example.com/app"}
    production, staging = choose_targets(project, "all", env)
    assert production.source == "PROD_URL (environment)"
    assert SECRET not in production.display() + production.label()
    assert (
        staging.source == "STAGING_URL (.env)" and staging.database.path == tmp_path / "staging.db"
    )
    (only,) = choose_targets(project, "staging", env)
    assert only.name == "staging"
    for spec, environ, code in (
        ("nope", env, M8007),
        ("production,nope", env, M8007),
        ("production", {}, M8006),
    ):
        with pytest.raises(MendError) as error:
            choose_targets(project, spec, environ)
        assert error.value.code == code
    (tmp_path / "mend.toml").unlink()
    with pytest.raises(MendError) as missing:
        choose_targets(project, "all", env)
    assert missing.value.code == M8007


@pytest.mark.parametrize(
    "text",
    [
        "[targets.a]\nurl = 3\n",
        '[targets.a]\nulr = "env:A"\n',
        "targets = 1\n",
        "[targets.a\n",
        f'[targets.a]\nurl = "mysql://root:{SECRET}@host/db"\n',
    ],
)
def test_invalid_inventories(tmp_path: Path, text: str):
    (tmp_path / "mend.toml").write_text(text)
    with pytest.raises(MendError) as error:
        load_inventory(tmp_path)
    assert error.value.code == M8005
    assert SECRET not in error.value.message + error.value.hint


def test_same_database_is_recognised(tmp_path: Path):
    def url(text: str) -> Any:
        return parse_url(text, base_dir=tmp_path)

    assert same_database(
        url("postgresql://a@localhost/x"), url("postgresql://b:pw@127.0.0.1:5432/x")
    )
    assert not same_database(url("postgresql://a@localhost/x"), url("postgresql://a@localhost/y"))
    assert not same_database(
        url("postgresql://a@localhost/x?schema=s"), url("postgresql://a@localhost/x")
    )
    assert same_database(url("file:./a/../dev.db"), url(f"file:{tmp_path}/dev.db"))
    assert not same_database(url("file:./dev.db"), url("mysql://root@localhost/dev"))


def test_parallel_tasks_each_within_the_deadline():
    def slow() -> str:
        time.sleep(5)
        return "late"

    def broken() -> str:
        raise MendError("P1001", "Can't reach database server", "")

    started = time.monotonic()
    seen: list[str] = []
    outcomes = run_parallel(
        {"slow": slow, "fast": lambda: "ok", "broken": broken},
        timeout=0.5,
        on_done=lambda name, _: seen.append(name),
    )
    assert time.monotonic() - started < 2
    assert outcomes["fast"].value == "ok"
    assert outcomes["slow"].timed_out
    assert outcomes["broken"].error is not None and outcomes["broken"].error.code == "P1001"
    assert sorted(seen) == ["broken", "fast", "slow"]


def test_worst_exit_code():
    assert worst([0, 3, 0]) == 3
    assert worst([3, 5, 6]) == 5
    assert worst([5, 4]) == 4
    assert worst([4, 1, 0]) == 1
    assert worst([]) == 0


def test_replays_are_planned_as_chains_of_prefixes(tmp_path: Path):
    from mend_core.history.folder import LocalMigration
    from mend_core.hotfix.replays import plan_chains

    def m(name: str) -> LocalMigration:
        return LocalMigration(name, str(tmp_path / name), name * 2, 1)

    a, b, c, x = m("a"), m("b"), m("c"), m("x")
    one = parse_url("postgresql://u@host1/db1", base_dir=tmp_path)
    same_server = parse_url("postgresql://u@host1/db2", base_dir=tmp_path)
    other = parse_url("postgresql://u@host2/db1", base_dir=tmp_path)
    chains = plan_chains(
        [(one, (a, b, c)), (same_server, (a,)), (one, (a, b)), (one, (a, x)), (other, (a,))]
    )
    lines = sorted(
        (chain.server.host, [[mig.name for mig in h] for h in chain.histories]) for chain in chains
    )
    assert lines == [
        ("host1", [["a"], ["a", "b"], ["a", "b", "c"]]),
        ("host1", [["a", "x"]]),
        ("host2", [["a"]]),
    ]


def test_target_states_from_the_objects(tmp_path: Path):
    from mend_core.hotfix.grouping import group_drift
    from mend_core.hotfix.items import DriftItems
    from mend_core.hotfix.naming import MigrationName
    from mend_core.hotfix.preview import HotfixPreview
    from mend_core.hotfix.target_check import TargetState, compare_items
    from mend_core.schema.model import Column, Index, IndexColumn, Schema, Table
    from mend_core.schema.plan import SchemaPlan

    user = Table("User", (Column("id", "integer", False), Column("name", "text")))
    indexed = Table(user.name, user.columns, indexes=(Index("i", (IndexColumn("name"),)),))
    other = Table(user.name, user.columns, indexes=(Index("i", (IndexColumn("id"),)),))
    post = Table("Post", (Column("id", "integer", False),))
    history = Schema("postgresql", (user,))
    hotfix = Schema("postgresql", (indexed, post))
    items = tuple(group_drift(history, hotfix))
    drift = DriftItems("postgresql", "db", history, hotfix, items, (), ())
    plan = SchemaPlan("postgresql", tuple(step for item in items for step in item.steps))
    preview = HotfixPreview(drift, items, MigrationName("1_x", tmp_path / "1_x"), plan, ())
    assert compare_items(preview, hotfix)[0] is TargetState.PATCHED
    assert compare_items(preview, history)[0] is TargetState.UNPATCHED
    state, differences = compare_items(preview, Schema("postgresql", (other, post)))
    assert state is TargetState.CONFLICT
    assert differences == ("index `i` on `User` differs: (id) there, (name) in the hotfix",)
    state, differences = compare_items(preview, Schema("postgresql", (indexed,)))
    assert state is TargetState.CONFLICT and "lacks the hotfix's" in differences[-1]
