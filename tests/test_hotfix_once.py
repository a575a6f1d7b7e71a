"""One hotfix, recorded once (issue 16 §3), on the three dialects, with real processes.

Two `mend hotfix --yes` at once on the same hand-made index: exactly one folder and one applied
row; the other run refuses under the migration lock with M8008 and writes nothing; `mend drift`
is clean afterwards and the history deploys on a fresh database. And a row that cannot be
written (a trigger refuses it) takes the folder back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import Project, TestDatabase, make_database
from mend_core.errors import M8008, MendError
from mend_core.hotfix.apply import apply_hotfix
from mend_core.hotfix.items import find_items, select_items
from mend_core.hotfix.naming import name_migration
from mend_core.hotfix.preview import HotfixPreview, preview_hotfix
from test_hotfix import INIT, index_sql, mend, new_folders, setup_project
from test_processes import read_until

# Printed once the preview is computed, before the apply takes the lock.
PREVIEWED = "On this database, under the migration lock"
PLAIN_TRIALS = 2  # besides the one where both runs surely wait for the lock together


def spawn_hotfix(project: Project, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "MEND_JOURNAL": str(project.root / "journal.jsonl"), "NO_COLOR": "1"}
    env.pop("DATABASE_URL", None)
    command = ["hotfix", "--yes", "--name", name, "--url", project.url, "--lock-timeout", "60"]
    return subprocess.Popen(
        [sys.executable, "-m", "mend_tui", *command],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@contextmanager
def migration_lock_held(db: TestDatabase) -> Iterator[None]:
    """Hold what mend's write session waits for, while reads go on: Prisma's advisory lock
    (PostgreSQL), GET_LOCK (MySQL), a RESERVED lock on the file (SQLite: readers still read,
    mend's BEGIN EXCLUSIVE waits)."""
    if db.dialect == "postgresql":
        db.sql("SELECT pg_advisory_lock(72707369)")
    elif db.dialect == "mysql":
        db.sql("SELECT GET_LOCK('prisma_migrate', 10)")
    else:
        db.sql("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        if db.dialect == "postgresql":
            db.sql("SELECT pg_advisory_unlock(72707369)")
        elif db.dialect == "mysql":
            db.sql("SELECT RELEASE_LOCK('prisma_migrate')")
        else:
            db.sql("ROLLBACK")  # nothing to write: releasing never waits for the readers


def race(project: Project, db: TestDatabase, trial: int, *, held: bool) -> None:
    """Two runs at once on one new hand-made index; exactly one records it."""
    before = set(new_folders(project))
    db.sql(index_sql(db, f"User_t{trial}_idx", "name, age"))
    names = (f"a{trial}", f"b{trial}")
    if held:
        with migration_lock_held(db):
            runs = [spawn_hotfix(project, name) for name in names]
            early = [read_until(run, PREVIEWED, timeout=60) for run in runs]
            time.sleep(0.5)  # both are now taking the lock (or about to)
    else:
        runs = [spawn_hotfix(project, name) for name in names]
        early = ["", ""]
    outputs = [run.communicate(timeout=120) for run in runs]
    report = "\n\n".join(
        f"--name {name}: exit {run.returncode}\n{seen}{out}\n{err}"
        for name, run, seen, (out, err) in zip(names, runs, early, outputs, strict=True)
    )
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, 1], report
    (written,) = set(new_folders(project)) - before  # one folder, not two
    winner = 0 if runs[0].returncode == 0 else 1
    loser_name = names[1 - winner]
    assert written.name.endswith(f"_{names[winner]}"), report
    assert not any(p.name.endswith(f"_{loser_name}") for p in project.migrations.iterdir())
    history = [row[0] for row in db.history()]
    assert history.count(written.name) == 1, history
    assert not [n for n in history if n.endswith(f"_{loser_name}")], history
    loser = "".join(outputs[1 - winner])
    if held:
        # Both previews were made before either could record: the loser finds the winner's
        # migration under the lock.
        assert f"Error: {M8008}" in loser, report
        assert f"already recorded by `{written.name}`" in loser, report
        assert "Nothing was written." in loser, report
    else:
        # Started later, the loser may see the index already recorded before its preview.
        assert f"Error: {M8008}" in loser or "Error: M8002" in loser, report
    drift = mend(project, "drift")
    assert drift.returncode == 0, drift.stdout + drift.stderr


@pytest.mark.xdist_group("server-wide-lock")
def test_two_hotfixes_at_once_record_the_index_once(
    project: Project, db: TestDatabase, tmp_path: Path
) -> None:
    setup_project(project)
    race(project, db, 0, held=True)
    for trial in range(1, PLAIN_TRIALS + 1):
        race(project, db, trial, held=False)
    assert len(new_folders(project)) == 1 + PLAIN_TRIALS
    # The history deploys on a fresh, empty database, and builds what this one has.
    (tmp_path / "fresh").mkdir()
    with contextmanager(make_database)(db.dialect, tmp_path / "fresh") as fresh:
        deployed = mend(project, "deploy", "--yes", url=fresh.url)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        history = [row[0] for row in fresh.history()]
        assert history == [INIT, *(p.name for p in new_folders(project))]
        drift = mend(project, "drift", url=fresh.url)
        assert drift.returncode == 0, drift.stdout + drift.stderr


# -- in one process ------------------------------------------------------------------------------
def previewed(project: Project, name: str) -> HotfixPreview:
    context = project.context()
    drift = find_items(context)
    selection = select_items(drift)
    return preview_hotfix(
        context, drift, selection, name_migration(project.migrations, name, selection)
    )


def test_a_preview_recorded_meanwhile_writes_nothing(project: Project, db: TestDatabase) -> None:
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    first, second = previewed(project, "first"), previewed(project, "second")
    done = apply_hotfix(project.context(), first)
    rows = db.history()
    with pytest.raises(MendError) as refused:
        apply_hotfix(project.context(), second)
    assert refused.value.code == M8008
    assert f"already recorded by `{done.migration.name}`" in refused.value.message
    assert [p.name for p in new_folders(project)] == [done.migration.name]
    assert db.history() == rows


def block_history_inserts(db: TestDatabase) -> None:
    """A trigger that refuses every new row of `_prisma_migrations`."""
    q = db.q
    if db.dialect == "postgresql":
        db.sql(
            "CREATE FUNCTION refuse_rows() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the history is frozen'; END $$"
        )
        db.sql(
            f"CREATE TRIGGER refuse_rows BEFORE INSERT ON {q('_prisma_migrations')} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_rows()"
        )
    elif db.dialect == "mysql":
        db.sql(
            f"CREATE TRIGGER refuse_rows BEFORE INSERT ON {q('_prisma_migrations')} FOR EACH ROW "
            "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the history is frozen'"
        )
    else:
        db.sql(
            f"CREATE TRIGGER refuse_rows BEFORE INSERT ON {q('_prisma_migrations')} "
            "BEGIN SELECT RAISE(ABORT, 'the history is frozen'); END"
        )


def test_a_row_that_cannot_be_written_takes_the_folder_back(
    project: Project, db: TestDatabase
) -> None:
    setup_project(project)
    db.sql(index_sql(db, "User_name_idx", "name"))
    preview = previewed(project, "frozen")
    rows = db.history()
    block_history_inserts(db)
    with pytest.raises(MendError) as failed:
        apply_hotfix(project.context(), preview)
    assert "the history is frozen" in failed.value.message
    assert f"Recording {preview.name.folder} failed, so its folder was removed again" in (
        failed.value.message
    )
    assert not preview.name.path.exists() and not new_folders(project)
    assert db.history() == rows
