"""Files that hold incident data (issue 16 §5): the journal, its anchor, runbooks and reports are
their owner's only; the app's runbook and report never follow a link planted at their
predictable name, `-o FILE` never writes through one; `mend journal --verify` finds lines
removed from the end, an emptied file and an edit with its chain recomputed; a journal deleted
or replaced during a run stops the run. The journal does not depend on the dialect: SQLite (the
demo) is enough, but for the journal a real deploy writes on each dialect."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import Project, TestDatabase
from in_process import run_mend
from mend_core.database.journal import (
    GENESIS,
    Journal,
    JournalHead,
    anchor_path,
    line_hash,
    verify_journal,
)
from mend_core.errors import MendError
from mend_core.history.status import MigrationState, get_status
from mend_core.project.context import load_context
from mend_core.project.target import DatabaseTarget
from mend_core.recovery.execute import execute_plan
from mend_core.recovery.plan import Direction
from mend_core.recovery.steps import QuietObserver
from mend_tui.app import MendApp
from mend_tui.screens.recover.preview import PreviewStep
from recovery_support import schema_and_history, stage
from scenes import DEMO_FAILED, FIXED_CLOCK, fixed_context, settle
from tui_support import screen_text

NAME = DEMO_FAILED
STAMP = f"{FIXED_CLOCK:%Y%m%dT%H%M%SZ}"
UNRELATED = "an unrelated file: the operator's, not mend's\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def mend(cwd: Path, *args: str, journal: Path) -> subprocess.CompletedProcess[str]:
    """`mend` in `cwd` (run in this process: tests/in_process.py), its journal at `journal`."""
    env = {**os.environ, "MEND_JOURNAL": str(journal), "NO_COLOR": "1"}
    env.pop("DATABASE_URL", None)
    return run_mend(args, cwd=cwd, environ=env)


def one_paragraph_error(completed: subprocess.CompletedProcess[str], code: str) -> str:
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.startswith(f"Error: {code}"), completed.stderr
    assert "Traceback" not in completed.stderr
    return " ".join(completed.stderr.split())


def journal_of(path: Path, entries: int = 4) -> Journal:
    """A journal at `path` with `entries` entries from one run, as every writing command
    keeps one."""
    journal = Journal(path, DatabaseTarget(dialect="sqlite", memory=True), "test", run="r1")
    journal.open()
    for number in range(entries):
        journal.record("statement_started", step=number + 1, sql="UPDATE t SET secret = 'x'")
    return journal


def verify(journal: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return mend(journal.parent, "journal", "--verify", "--file", str(journal), *options,
                journal=journal)  # fmt: skip


# -- modes ------------------------------------------------------------------------------------
def test_a_deploy_leaves_its_journal_anchor_and_folder_private(project: Project, db: TestDatabase):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    folder = project.root.parent / "state" / "mend"
    journal = folder / "journal.jsonl"
    completed = mend(project.root, "deploy", "--yes", "--url", db.url, journal=journal)
    assert completed.returncode == 0, completed.stderr
    assert mode(folder) == 0o700
    assert mode(journal) == 0o600
    assert mode(anchor_path(journal)) == 0o600
    anchor = json.loads(anchor_path(journal).read_text())
    lines = journal.read_bytes().splitlines()
    assert anchor == {"entries": len(lines), "last": line_hash(lines[-1])}
    intact = verify(journal)
    assert intact.returncode == 0, intact.stderr
    assert f"Head: {len(lines)}:{line_hash(lines[-1])}" in intact.stdout


def test_an_older_world_readable_journal_is_made_private_at_the_next_write(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"event": "old"}\n')
    path.chmod(0o644)
    journal_of(path, entries=1)
    assert mode(path) == 0o600
    check = verify_journal(path)
    assert check.intact and check.entries == 2 and check.unchained == 1


# -- what --verify finds ----------------------------------------------------------------------
def recomputed(lines: list[bytes]) -> list[bytes]:
    """`lines` with every `prev` recomputed, as someone covering an edit would."""
    out: list[bytes] = []
    previous = GENESIS
    for line in lines:
        entry = json.loads(line)
        entry["prev"] = previous
        out.append(json.dumps(entry).encode())
        previous = line_hash(out[-1])
    return out


def test_verify_finds_the_end_removed_the_file_emptied_and_an_edit_with_its_chain_recomputed(
    tmp_path: Path,
):
    path = tmp_path / "journal.jsonl"
    journal_of(path, entries=5)
    original = path.read_bytes().splitlines()
    assert verify(path).returncode == 0
    edited = json.loads(original[2])
    edited["sql"] = "UPDATE t SET secret = 'nothing to see'"
    variants = {
        "last two deleted": (original[:3], "records 5 entries and the file holds 3"),
        "emptied": ([], "the file was emptied"),
        "last line edited": (
            [*original[:4], json.dumps({**json.loads(original[4]), "step": 9}).encode()],
            "line 5: not the entry its anchor records as entry 5",
        ),
        "edited, chain recomputed": (
            recomputed([*original[:2], json.dumps(edited).encode(), *original[3:]]),
            "not the entry its anchor records as entry 5",
        ),
    }
    for what, (lines, said) in variants.items():
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        assert not verify_journal(path).intact, what
        words = one_paragraph_error(verify(path), "M4007")
        assert said in words, (what, words)
    # The recomputed chain holds line to line: only the anchor tells.
    assert "prev" not in words
    path.write_bytes(b"".join(line + b"\n" for line in original))
    assert verify(path).returncode == 0


def test_a_rewritten_anchor_is_caught_by_the_head_the_report_recorded(demo: Path, tmp_path: Path):
    journal = tmp_path / "journal.jsonl"
    journal_of(journal, entries=3)
    report = mend(demo, "report", journal=journal)
    assert report.returncode == 0, report.stderr
    head = JournalHead(3, line_hash(journal.read_bytes().splitlines()[-1]))
    assert f"- Journal head: `{head.token}`" in report.stdout
    assert verify(journal, "--head", head.token).returncode == 0
    journal_of(journal, entries=1)  # written since: still holds the head
    assert verify(journal, "--head", head.token).returncode == 0
    # Someone removes the last two entries and rewrites the anchor to match.
    kept = journal.read_bytes().splitlines()[:2]
    journal.write_bytes(b"".join(line + b"\n" for line in kept))
    anchor_path(journal).write_text(json.dumps({"entries": 2, "last": line_hash(kept[-1])}))
    assert verify(journal).returncode == 0  # what the anchor alone cannot see
    words = one_paragraph_error(verify(journal, "--head", head.token[:20]), "M4007")
    assert "the head given records 3 entries and the file holds 2" in words


def test_a_journal_without_its_anchor_or_gone_with_it_there_is_not_intact(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    journal_of(path, entries=2)
    anchor = anchor_path(path).read_bytes()
    anchor_path(path).unlink()
    assert "it has no anchor" in one_paragraph_error(verify(path), "M4007")
    anchor_path(path).write_bytes(anchor)
    path.unlink()
    assert "the file is gone, but its anchor records 2 entries" in one_paragraph_error(
        verify(path), "M4007"
    )
    anchor_path(path).unlink()
    nothing = verify(path)
    assert nothing.returncode == 0 and "No journal at" in nothing.stdout


# -- writes refuse a changed journal ----------------------------------------------------------
def test_a_journal_deleted_or_replaced_during_a_run_stops_the_run(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    journal = journal_of(path, entries=2)
    path.unlink()
    with pytest.raises(MendError) as caught:
        journal.record("statement_finished", step=2)
    assert caught.value.code == "M4003" and "was deleted during this run" in caught.value.message
    assert not path.exists()  # no new chain started in its place

    path = tmp_path / "other.jsonl"
    journal = journal_of(path, entries=2)
    copy = path.read_bytes()
    path.unlink()
    path.write_bytes(copy)  # the same bytes, another file
    with pytest.raises(MendError) as caught:
        journal.record("statement_finished", step=2)
    assert caught.value.code == "M4003" and "replaced by another file" in caught.value.message
    assert path.read_bytes() == copy


def test_a_journal_cut_short_or_deleted_refuses_the_next_write(
    tmp_path: Path, project: Project, db: TestDatabase
):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    journal = tmp_path / "journal.jsonl"
    journal_of(journal, entries=3)
    journal.write_bytes(b"".join(line + b"\n" for line in journal.read_bytes().splitlines()[:1]))
    cut = mend(project.root, "deploy", "--yes", "--url", db.url, journal=journal)
    words = one_paragraph_error(cut, "M4003")
    assert "records 3 entries, the file holds 1 (2 of its last entries were removed)" in words
    assert [m.state for m in get_status(project.context()).migrations] == [MigrationState.PENDING]
    journal.unlink()
    gone = mend(project.root, "deploy", "--yes", "--url", db.url, journal=journal)
    assert "is gone, but its anchor" in one_paragraph_error(gone, "M4003")
    assert not journal.exists()


def test_a_mend_stopped_between_a_line_and_its_anchor_does_not_block_the_next(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    journal_of(path, entries=2)
    anchor = anchor_path(path).read_bytes()
    journal_of(path, entries=1)
    anchor_path(path).write_bytes(anchor)  # the anchor one entry behind
    check = verify_journal(path)
    assert check.intact and check.after_anchor == 1
    journal_of(path, entries=1)
    assert verify_journal(path).intact and verify_journal(path).after_anchor == 0


# -- runbook and report files -----------------------------------------------------------------
def test_report_and_plan_output_files_are_private_and_never_a_link(demo: Path, tmp_path: Path):
    journal = tmp_path / "journal.jsonl"
    unrelated = tmp_path / "unrelated.txt"
    unrelated.write_text(UNRELATED)
    unrelated.chmod(0o644)
    for command in (("report",), ("plan", NAME, "--roll-back", "--script")):
        out = demo / f"{command[0]}.out"
        written = mend(demo, *command, "-o", str(out), journal=journal)
        assert written.returncode == 0, written.stderr
        assert mode(out) == 0o600 and out.read_text().strip()
        out.write_text("old")
        out.chmod(0o640)  # a file the operator named and set: overwritten, its mode kept
        assert mend(demo, *command, "-o", str(out), journal=journal).returncode == 0
        assert mode(out) == 0o640 and out.read_text() != "old"

        link = demo / f"{command[0]}.link"
        link.symlink_to(unrelated)
        words = one_paragraph_error(mend(demo, *command, "-o", str(link), journal=journal), "M1011")
        assert "symbolic link" in words
        assert unrelated.read_text() == UNRELATED and mode(unrelated) == 0o644

        other = demo / f"{command[0]}.hardlink"
        os.link(unrelated, other)
        words = one_paragraph_error(
            mend(demo, *command, "-o", str(other), journal=journal), "M1011"
        )
        assert "other hard link" in words
        assert unrelated.read_text() == UNRELATED


def wizard_app(folder: Path) -> MendApp:
    return MendApp(fixed_context(load_context(root=folder, environ={})), clock=lambda: FIXED_CLOCK)


async def test_the_apps_runbook_and_report_are_private_and_never_follow_a_planted_link(
    demo: Path, tmp_path: Path
):
    unrelated = tmp_path / "unrelated.txt"
    unrelated.write_text(UNRELATED)
    runbook = demo / f"mend-runbook-{NAME}-roll-back-{STAMP}.sql"
    report = demo / f"mend-report-{NAME}-{STAMP}.md"
    runbook.symlink_to(unrelated)
    report.symlink_to(unrelated)
    app = wizard_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("w")  # the dashboard's report
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PreviewStep)
        await pilot.press("s")
        await settle(pilot)
        assert f"Runbook saved: {runbook.stem}-2.sql" in screen_text(app)
    digest = hashlib.sha256(UNRELATED.encode()).hexdigest()
    assert hashlib.sha256(unrelated.read_bytes()).hexdigest() == digest
    assert runbook.is_symlink() and report.is_symlink()
    saved = demo / f"{runbook.stem}-2.sql"
    written = demo / f"{report.stem}-2.md"
    assert mode(saved) == 0o600 and "-- 1. Guard" in saved.read_text()
    assert mode(written) == 0o600 and written.read_text().startswith("# Incident report")


class DeletesTheJournal(QuietObserver):
    """Deletes the journal as the recovery's steps begin, as a careless cleanup would."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal

    def phase(self, text: str) -> None:
        if text.startswith("Running"):
            self.journal.unlink()


def test_a_journal_deleted_in_the_middle_of_a_recovery_stops_it(project: Project, db: TestDatabase):
    staged = stage(
        project, db, [], ("1_twice", "CREATE TABLE t (id int);\nCREATE TABLE t (id int);\n")
    )
    journal = project.root / "journal.jsonl"
    plan = staged.plan(Direction.ROLL_BACK)
    before = (staged.status_code(), schema_and_history(db))
    with pytest.raises(MendError) as caught:
        execute_plan(staged.context(), plan, DeletesTheJournal(journal))
    assert caught.value.code == "M4003"
    assert "was deleted during this run" in caught.value.message
    assert not journal.exists()  # no new chain started in its place
    assert (staged.status_code(), schema_and_history(db)) == before  # nothing ran
