"""`mend status`: every state Prisma knows, the ones it hides, JSON and exit codes."""

from __future__ import annotations

import json

import pytest

from conftest import Project, TestDatabase
from mend_core.history.status import DatabaseState, MigrationState, get_status
from mend_core.operations.deploy import MigrationFailed, SilentDeploy, deploy
from mend_core.operations.resolve import Resolution, resolve


def create(name: str) -> str:
    return f"CREATE TABLE {name} (x int);\n"


def status_json(project: Project, db: TestDatabase) -> tuple[int, dict]:  # type: ignore[type-arg]
    completed = project.mend("status", "--json", "--url", db.url)
    assert "Traceback" not in completed.stderr
    return completed.returncode, json.loads(completed.stdout)


def test_empty_database_with_migrations_is_behind(project: Project, db: TestDatabase):
    project.add("1_a", create("a"))
    code, data = status_json(project, db)
    assert code == 3
    assert data["summary"]["state"] == "behind"
    assert data["migrations"] == [
        {
            "name": "1_a",
            "state": "pending",
            "edited": False,
            "started_at": None,
            "finished_at": None,
            "applied_steps_count": None,
            "logs": None,
            "local": True,
            "missing_script": False,
            "rolled_back_attempts": 0,
            "attempts": [],
        }
    ]


def test_in_sync(project: Project, db: TestDatabase):
    project.add("1_a", create("a"))
    deploy(project.context(), SilentDeploy())
    code, data = status_json(project, db)
    assert code == 0
    assert data["summary"]["state"] == "in_sync"
    migration = data["migrations"][0]
    assert migration["state"] == "applied" and migration["applied_steps_count"] == 1
    assert migration["started_at"] <= migration["finished_at"]


def test_failed_with_logs(project: Project, db: TestDatabase):
    project.add("1_a", create("a"))
    project.add("2_bad", create("b") + "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    code, data = status_json(project, db)
    assert code == 4
    assert data["summary"]["state"] == "failed"
    assert "mend resolve --rolled-back 2_bad" in data["summary"]["next_step"]
    failed = data["migrations"][1]
    assert failed["state"] == "failed" and failed["finished_at"] is None
    assert "failed at statement 2 of 2" in failed["logs"]
    text = project.mend("status", "--url", db.url)
    assert text.returncode == 4
    assert "statement 2 of 2" in text.stdout


def test_missing_locally_which_prisma_reports_as_up_to_date(project: Project, db: TestDatabase):
    project.add("1_a", create("a"))
    project.add("2_b", create("b"))
    deploy(project.context(), SilentDeploy())
    for path in (project.migrations / "2_b").iterdir():
        path.unlink()
    (project.migrations / "2_b").rmdir()
    code, data = status_json(project, db)
    assert code == 5
    assert data["summary"]["state"] == "diverged"
    assert [m["state"] for m in data["migrations"]] == ["applied", "missing_locally"]


def test_edited_after_apply_with_crlf_tolerance(project: Project, db: TestDatabase):
    project.add("1_a", create("a"))
    project.add("2_b", create("b"))
    deploy(project.context(), SilentDeploy())
    # A checkout with CRLF line endings is not an edit (Prisma accepts it too) ...
    project.add("1_a", create("a").replace("\n", "\r\n"))
    report = get_status(project.context())
    assert report.state is DatabaseState.IN_SYNC
    # ... a real change is.
    project.add("2_b", create("b") + "-- changed\n")
    report = get_status(project.context())
    assert report.state is DatabaseState.DIVERGED
    assert [m.name for m in report.edited] == ["2_b"]
    code, data = status_json(project, db)
    assert code == 5 and data["migrations"][1]["edited"] is True


def test_rolled_back_attempts_and_reapplied(project: Project, db: TestDatabase):
    project.add("1_a", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    resolve(project.context(), Resolution.ROLLED_BACK, "1_a")
    report = get_status(project.context())
    # Prisma 6 wrongly says "up to date" here; the migration is pending again.
    assert report.state is DatabaseState.BEHIND
    migration = report.get("1_a")
    assert migration is not None and migration.state is MigrationState.PENDING
    assert migration.rolled_back_attempts == 1
    project.add("1_a", create("a"))
    deploy(project.context(), SilentDeploy())
    report = get_status(project.context())
    assert report.state is DatabaseState.IN_SYNC
    migration = report.get("1_a")
    assert migration is not None and len(migration.rows) == 2
    assert migration.rolled_back_attempts == 1


def test_rolled_back_and_deleted_folder_is_resolved(project: Project, db: TestDatabase):
    project.add("1_a", create("a"))
    project.add("2_bad", "SELECT * FROM nowhere;\n")
    with pytest.raises(MigrationFailed):
        deploy(project.context(), SilentDeploy())
    resolve(project.context(), Resolution.ROLLED_BACK, "2_bad")
    (project.migrations / "2_bad" / "migration.sql").unlink()
    (project.migrations / "2_bad").rmdir()
    report = get_status(project.context())
    assert report.state is DatabaseState.IN_SYNC
    assert report.rolled_back_removed == ("2_bad",)


def test_not_managed_needs_baseline(project: Project, db: TestDatabase):
    db.sql(create("legacy"))
    project.add("1_init", create("legacy"))
    code, data = status_json(project, db)
    assert code == 6
    assert data["summary"]["state"] == "not_managed"
    assert "mend resolve --applied 1_init" in data["summary"]["next_step"]


def test_reads_every_timestamp_form_prisma_writes(project: Project, db: TestDatabase):
    project.add("1_a", create("a"))
    deploy(project.context(), SilentDeploy())
    table = db.q("_prisma_migrations")
    if db.dialect == "sqlite":
        forms = [
            "'2024-01-02 03:04:05'",
            "'2024-01-02T03:04:05.123+00:00'",
            "'2024-01-02T04:04:05.123+01:00'",
            "1704164645123",
        ]
    else:
        forms = ["'2024-01-02 03:04:05'"]
    for position, started in enumerate(forms):
        db.sql(
            f"INSERT INTO {table} (id, checksum, migration_name, started_at, finished_at, "
            f"applied_steps_count) VALUES ('id-{position}', 'x', 'hand_{position}', {started}, "
            f"{started}, 1)"
        )
    report = get_status(project.context())
    hand = [m for m in report.migrations if m.name.startswith("hand_")]
    assert len(hand) == len(forms)
    for migration in hand:
        assert migration.state is MigrationState.MISSING_LOCALLY
        assert migration.started_at is not None
        assert migration.started_at.year == 2024 and migration.started_at.tzinfo is not None
        assert (migration.started_at.hour, migration.started_at.minute) == (3, 4)


def test_no_migrations_and_empty_database_is_in_sync(project: Project, db: TestDatabase):
    code, data = status_json(project, db)
    assert code == 0 and data["migrations"] == []


def test_json_error_shape(bare_project: Project):
    completed = bare_project.mend("status", "--json", "--url", "file:./missing.db")
    assert completed.returncode == 1
    assert json.loads(completed.stdout)["error"]["code"] == "M1004"


def test_checksum_cache_is_used_by_status_only(project: Project, db: TestDatabase):
    import os

    from mend_core.history.checksum_cache import ChecksumCache, stat_key
    from mend_core.history.folder import list_migrations

    folder = project.add("1_a", create("a"))
    script = folder / "migration.sql"
    os.utime(script, ns=(1_600_000_000_000_000_000,) * 2)
    # ctime cannot be set back; a cache entry with the current stat stands in for an old one.
    cache = ChecksumCache(project.migrations)
    key = stat_key(os.stat(script))
    cache.entries["1_a"] = (key, "f" * 64)
    cache.changed = True
    cache.save()
    assert list_migrations(project.migrations, cached=True)[0].checksum == "f" * 64
    real = list_migrations(project.migrations)[0].checksum
    assert real != "f" * 64
    # Any change to the file changes its stat key, and the cached value is not used.
    script.write_text(create("a") + "-- edit\n")
    assert list_migrations(project.migrations, cached=True)[0].checksum != "f" * 64


def test_status_text_summarises_long_runs_of_applied(project: Project, db: TestDatabase):
    for n in range(12):
        project.add(f"{n:02d}_m", create(f"t{n}"))
    deploy(project.context(), SilentDeploy())
    short = project.mend("status", "--url", db.url)
    assert short.returncode == 0
    assert "… 9 more applied migrations, 00_m to 08_m (--all lists them)" in short.stdout
    assert "09_m" in short.stdout and "04_m " not in short.stdout
    full = project.mend("status", "--all", "--url", db.url)
    assert all(f"{n:02d}_m " in full.stdout for n in range(12))


def test_migrations_dir_and_schema_options(project: Project, db: TestDatabase):
    elsewhere = project.root / "db" / "history"
    (elsewhere / "1_a").mkdir(parents=True)
    (elsewhere / "1_a" / "migration.sql").write_text(create("a"))
    default = project.mend("status", "--json", "--url", db.url)
    assert json.loads(default.stdout)["migrations"] == []
    moved = project.mend("status", "--json", "--url", db.url, "--migrations-dir", "db/history")
    assert [m["name"] for m in json.loads(moved.stdout)["migrations"]] == ["1_a"]
    schema = project.root / "db" / "schema.prisma"
    schema.write_text(
        f'datasource db {{\n  provider = "{db.dialect}"\n  url = env("APP_URL")\n}}\n'
    )
    via_schema = project.mend(
        "status",
        "--json",
        "--schema",
        "db/schema.prisma",
        "--migrations-dir",
        "db/history",
        env={"APP_URL": db.url},
    )
    assert via_schema.returncode == 3, via_schema.stderr
    assert json.loads(via_schema.stdout)["summary"]["url_source"].startswith("APP_URL")
