"""The journal: one run per command, every entry chained to the one before it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Project, TestDatabase
from mend_core.database.journal import GENESIS, line_hash, read_journal, verify_journal


def test_entries_are_chained_and_grouped_by_run(project: Project, db: TestDatabase):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    assert project.mend("deploy", "--yes", "--url", db.url).returncode == 0
    project.add("2_b", "CREATE TABLE b (x int);\n")
    assert project.mend("deploy", "--yes", "--url", db.url).returncode == 0
    path = project.root / "journal.jsonl"
    lines = path.read_bytes().splitlines()
    entries = read_journal(path)
    assert entries[0]["prev"] == GENESIS
    for previous, entry in zip(lines, entries[1:], strict=False):
        assert entry["prev"] == line_hash(previous)
    runs = {e["run"] for e in entries}
    assert len(runs) == 2 and all(len(r) == 36 for r in runs)
    check = project.mend("journal", "--verify", "--file", str(path))
    assert check.returncode == 0, check.stderr
    assert f"intact: {len(entries)} entries" in check.stdout
    shown = project.mend("journal", "--file", str(path))
    assert shown.returncode == 0 and "migration_finished  migration=2_b" in shown.stdout
    assert shown.stdout.count("mend deploy  run") == 2


def test_an_edited_removed_or_inserted_line_breaks_the_chain(project: Project, db: TestDatabase):
    project.add("1_a", "CREATE TABLE a (x int);\n")
    assert project.mend("deploy", "--yes", "--url", db.url).returncode == 0
    path = project.root / "journal.jsonl"
    original = path.read_bytes().splitlines()
    assert len(original) >= 4
    edited = json.loads(original[1])
    edited["migration"] = "someone_else"
    variants = {
        "edited": [original[0], json.dumps(edited).encode(), *original[2:]],
        "removed": [original[0], *original[2:]],
        "duplicated": [*original[:2], original[1], *original[2:]],
    }
    for where, tampered in variants.items():
        copy = project.root / "tampered.jsonl"
        copy.write_bytes(b"\n".join(tampered) + b"\n")
        assert not verify_journal(copy).intact, where
        completed = project.mend("journal", "--verify", "--file", str(copy))
        assert completed.returncode == 1
        assert completed.stderr.startswith("Error: M4007")
        assert "line " in completed.stderr
    assert verify_journal(path).intact


def test_entries_written_before_the_chain_are_accepted_at_the_start(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"event": "old", "at": "2026-01-01T00:00:00.000+00:00"}\n')
    from mend_core.database.journal import Journal
    from mend_core.project.target import DatabaseTarget

    Journal(path, DatabaseTarget(dialect="sqlite", memory=True), "test").open().record("new")
    check = verify_journal(path)
    assert check.intact and check.unchained == 1 and check.entries == 2
