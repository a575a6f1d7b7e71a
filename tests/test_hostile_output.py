"""No raw control character reaches a terminal or a file meant for one (issue 16 §4).

A project whose folder names, table, column and index names, data values, `_prisma_migrations`
logs and mend.toml target names hold escape sequences: OSC 52 (write to the clipboard), a window
title, a screen clear, a C1 CSI and a bidirectional override. Every command that shows them, the
incident report and the app show them visibly (`^[`, `<U+202E>`), never as they are.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from conftest import Project, TestDatabase
from mend_core.output.control_text import is_hidden, visible
from mend_tui.app import MendApp
from scenes import (
    DEMO_FAILED,
    demo_app,
    demo_project,
    recovered_demo,
    settle,
)
from tui_support import screen_text

OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # "pwned" to the clipboard
TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
CSI = "\x9b"  # C1: CSI in one byte
BIDI = "\u202e"  # right-to-left override
VALUE = f"eve{OSC52}{TITLE}{CLEAR}{CSI}{BIDI}"  # a user's name in the database
TABLE = f"t{TITLE}"  # identifiers: short enough for MySQL's 64 characters
COLUMN = f"c{CLEAR}{BIDI}"
INDEX = f"i{CSI}{CLEAR}"
FOLDER = f"20240102000000_u{TITLE}"  # the failing migration's folder
TARGET = f"prod{CLEAR}"  # a mend.toml target name
LOG = f"retried by {OSC52}{BIDI}"

RAW = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e")


def assert_shown(text: str, where: str) -> None:
    """No raw control character in `text`, and the escapes shown as `^[`."""
    raw = sorted({repr(c) for c in text if c in RAW or (is_hidden(c) and c not in "\n\t")})
    assert not raw, f"{where}: raw {raw} in\n{text}"


def quoted(db_dialect: str, name: str) -> str:
    return f"`{name}`" if db_dialect == "mysql" else f'"{name}"'


def hostile_project(project: Project, db: TestDatabase) -> None:
    """Init, then a hand-made table and index (drift), two users named VALUE, then a unique
    index that fails on them in a folder named FOLDER; Prisma-like logs; a mend.toml target."""
    q = db.q
    project.lock()
    text = "VARCHAR(191)" if db.dialect == "mysql" else "TEXT"
    project.add(
        "20240101000000_init",
        f"CREATE TABLE {q('User')} ({q('id')} INTEGER NOT NULL PRIMARY KEY, "
        f"{q('name')} {text} NOT NULL);\n",
    )
    # (A long lock timeout: MySQL's lock is the server's, other tests deploy at the same time.)
    deploy = ("deploy", "--yes", "--lock-timeout", "120", "--url", project.url)
    first = project.mend(*deploy)
    assert first.returncode == 0, first.stdout + first.stderr
    db.sql(f"CREATE TABLE {q(TABLE)} ({q('id')} INTEGER PRIMARY KEY, {q(COLUMN)} INTEGER)")
    db.sql(f"CREATE INDEX {q(INDEX)} ON {q(TABLE)} ({q(COLUMN)})")
    for id_ in (1, 2):
        db.sql(f"INSERT INTO {q('User')} ({q('id')}, {q('name')}) VALUES ({id_}, '{VALUE}')")
    project.add(FOLDER, f"CREATE UNIQUE INDEX {q('User_name_key')} ON {q('User')}({q('name')});\n")
    failed = project.mend(*deploy)
    assert failed.returncode != 0, failed.stdout + failed.stderr
    assert_shown(failed.stdout + failed.stderr, "mend deploy")
    table = q("_prisma_migrations")
    db.sql(
        f"UPDATE {table} SET {q('logs')} = {q('logs')} || '{LOG}'"
        if db.dialect != "mysql"
        else f"UPDATE {table} SET logs = CONCAT(logs, '{LOG}')"
    )
    toml_name = TARGET.replace("\x1b", "\\u001b")  # a TOML string holds no raw control
    (project.root / "mend.toml").write_text(f'[targets."{toml_name}"]\nurl = "env:PROD_URL"\n')


# Each command, and what it must show of the hostile data (visibly).
COMMANDS: list[tuple[tuple[str, ...], list[str]]] = [
    (("status",), [FOLDER]),
    (("status", "--targets", "all"), [TARGET]),
    (("inspect",), [FOLDER, VALUE, TABLE]),
    (("plan", "--roll-back"), [FOLDER]),
    (("plan", "--roll-forward", "--dedupe", "delete-keep-first"), [FOLDER]),
    (("hotfix", "--list"), [TABLE, COLUMN, INDEX]),
    (("drift",), [TABLE]),
    (("report",), [FOLDER]),
    (("journal",), [FOLDER]),
]


def test_every_command_and_file_shows_control_characters(project: Project, db: TestDatabase):
    hostile_project(project, db)
    env = {"PROD_URL": project.url}
    outputs: dict[tuple[str, ...], str] = {}
    for command, expected in COMMANDS:
        url = () if command[0] == "journal" else ("--url", project.url)
        completed = project.mend(*command, *url, env=env)
        outputs[command] = completed.stdout
        where = f"mend {' '.join(command)}"
        for stream, text in (("stdout", completed.stdout), ("stderr", completed.stderr)):
            assert "Traceback" not in text, text
            assert_shown(text, f"{where} ({stream})")
        for name in expected:
            assert visible(name) in completed.stdout, f"{where}: no {visible(name)!r} in\n" + (
                completed.stdout + completed.stderr
            )
    # --json keeps every value exact (escaped: `\u001b`), and nothing raw either.
    for command in (("status", "--json", "--url", project.url), ("journal", "--json")):
        completed = project.mend(*command)
        assert_shown(completed.stdout, f"mend {' '.join(command)}")
        parsed = json.dumps(json.loads(completed.stdout), ensure_ascii=False)
        assert json.dumps(FOLDER, ensure_ascii=False)[1:-1] in parsed, completed.stdout
    # The status table is laid out on the names as shown: its state column stays a column.
    rows = [line for line in outputs["status",].splitlines() if line.startswith(("  ✓", "  ✗"))]
    assert len(rows) == 2, outputs["status",]
    assert len({row.index(" applied " if "init" in row else " failed ") for row in rows}) == 1
    # The report file shows them; the runbook keeps names exact in its SQL (a client must find
    # the objects) but never in a `--` comment, the part a person reads.
    report, runbook = project.root / "report.md", project.root / "runbook.sql"
    url = ("--url", project.url)
    assert project.mend("report", "--output", str(report), *url).returncode == 0
    text = report.read_text(encoding="utf-8")
    assert_shown(text, "report.md")
    assert visible(FOLDER) in text
    forward = ("--roll-forward", "--dedupe", "delete-keep-first")
    for direction in (("--roll-back",), forward):
        planned = project.mend("plan", *direction, "--script", "--output", str(runbook), *url)
        assert planned.returncode == 0, planned.stdout + planned.stderr
        sql = runbook.read_text(encoding="utf-8")
        comments = [line for line in sql.splitlines() if line.lstrip().startswith("--")]
        assert comments and not any(is_hidden(c) for line in comments for c in line), sql
        assert any("<U+001B>" in line for line in comments), sql
        # The SQL itself names the migration exactly: the history row's statement finds it.
        assert f"'{FOLDER}'" in sql


def test_a_question_on_a_terminal_shows_them_and_only_colour_passes(tmp_path: Path):
    """On a terminal (a pseudo-terminal here: colour on), `resolve` asks about the migration by
    name: click writes the question, shown like every other line; only mend's colours stay
    sequences."""
    import os
    import pty
    import subprocess
    import sys
    import time

    from conftest import make_database

    for db in make_database("sqlite", tmp_path):
        root = tmp_path / "project"
        project = Project(root, db.url, "sqlite")
        hostile_project(project, db)
        controller, terminal = pty.openpty()
        env = {**os.environ, "MEND_JOURNAL": str(root / "journal.jsonl"), "COLUMNS": "200"}
        env.pop("NO_COLOR", None)
        command = [sys.executable, "-m", "mend_tui", "resolve", "--rolled-back", FOLDER]
        process = subprocess.Popen(
            [*command, "--url", db.url],
            cwd=root,
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=env,
        )
        os.close(terminal)
        output = b""
        deadline = time.monotonic() + 60
        while b"[y/N]" not in output and time.monotonic() < deadline:
            output += os.read(controller, 4096)
        os.write(controller, b"n\n")
        assert process.wait(timeout=60) == 1  # "Nothing was changed."
        try:
            while chunk := os.read(controller, 4096):
                output += chunk
        except OSError:  # the terminal is closed once the process is gone
            pass
        os.close(controller)
        text = output.decode("utf-8").replace("\r\n", "\n")  # the terminal's own CRs
        assert "\x1b[" in text  # colour is on: the test would pass for want of a terminal
        uncoloured = re.sub(r"\x1b\[[0-9;]*m", "", text)
        assert_shown(uncoloured, "resolve on a terminal")
        assert f"Record `{visible(FOLDER)}` as rolled back?" in uncoloured


# -- the rule itself ------------------------------------------------------------------------------
def test_visible_shows_controls_as_less_and_git_do():
    assert visible(f"a{OSC52}\x7f\x00") == "a^[]52;c;cHduZWQ=^G^?^@"
    assert visible(f"{CSI}{BIDI}\u2066\u2028\u200b") == ("<U+009B><U+202E><U+2066><U+2028><U+200B>")
    assert visible("line\r\nnext\tcell\rover") == "line\nnext\tcell^Mover"
    assert visible("café ✓ 名前") == "café ✓ 名前"  # printable text is left alone


def test_echo_keeps_colour_sequences_only_while_colour_is_on(
    monkeypatch: pytest.MonkeyPatch,
):
    from mend_tui import terminal

    text = f"\x1b[31mred\x1b[0m {TITLE}{CLEAR}"
    monkeypatch.setattr(terminal, "color_enabled", lambda: False)
    assert terminal.safe(text) == "^[[31mred^[[0m ^[]0;pwned^G^[[2J"
    monkeypatch.setattr(terminal, "color_enabled", lambda: True)
    assert terminal.safe(text) == "\x1b[31mred\x1b[0m ^[]0;pwned^G^[[2J"
    # What a style wraps is shown first: only mend's own colour stays a sequence.
    assert terminal.style(CLEAR, fg="red").count("\x1b") == 2
    # SQL is shown before Pygments colours it: a literal's escape is text, not a sequence.
    coloured = terminal.highlight_sql(f"SELECT '{TITLE}{CSI}';", "postgresql")
    assert "^[]0;pwned^G<U+009B>" in coloured
    assert not any(c in RAW for c in re.sub(r"\x1b\[[0-9;]*m", "", coloured))


def test_the_apps_filter_draws_one_cell_per_control_and_keeps_the_width():
    from rich.segment import Segment
    from textual.color import Color

    from mend_tui.ascii_filter import ascii_for
    from mend_tui.control_filter import ControlFilter

    line = [Segment(f"a{TITLE}b"), Segment(" " * 8), Segment("|")]
    drawn = "".join(s.text for s in ControlFilter().apply(line, Color(0, 0, 0)))
    # ESC and BEL count as no cell: drawn as one each, the line is cut back to its 19 cells
    # (its last two go).
    assert drawn == "a\N{SYMBOL FOR ESCAPE}]0;pwned\N{SYMBOL FOR BELL}b" + " " * 7
    # With --ascii the ASCII filter, which runs after, draws a picture as `?`.
    assert ascii_for("\N{SYMBOL FOR ESCAPE}") == "?"


# -- the app -----------------------------------------------------------------------------------
def hostile_sqlite(database: Path, failed: str | None) -> None:
    """A hand-made table and index with hostile names; with `failed`, the failed migration
    renamed to FOLDER (folder and history), its logs extended, its duplicates named VALUE."""
    with sqlite3.connect(database) as connection:
        connection.execute(f'CREATE TABLE "{TABLE}" ("id" INTEGER PRIMARY KEY, "{COLUMN}" INT)')
        connection.execute(f'CREATE INDEX "{INDEX}" ON "{TABLE}" ("{COLUMN}")')
        if failed is not None:
            connection.execute('UPDATE "User" SET "name" = ?', (VALUE,))
            connection.execute(
                "UPDATE _prisma_migrations SET migration_name = ?, logs = logs || ? "
                "WHERE migration_name = ?",
                (FOLDER, LOG, failed),
            )
    connection.close()
    if failed is not None:
        migrations = database.parent / "migrations"
        (migrations / failed).rename(migrations / FOLDER)


def hostile_demo(folder: Path) -> None:
    demo = demo_project(folder)
    hostile_sqlite(demo.database, DEMO_FAILED)


def hostile_recovered(folder: Path) -> None:
    """The recovered demo with a hostile hand-made table, and a mend.toml target named TARGET."""
    recovered_demo(folder)
    hostile_sqlite(folder / "prisma" / "dev.db", None)
    toml_name = TARGET.replace("\x1b", "\\u001b")
    (folder / "mend.toml").write_text(f'[targets."{toml_name}"]\nurl = "env:DATABASE_URL"\n')


def raw_in(app: MendApp) -> set[str]:
    """Raw control characters in what the app draws: every cell of the screen as exported."""
    return {repr(c) for c in app.export_screenshot() if c in RAW}


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    cwd = Path.cwd()
    yield tmp_path / "demo"
    import os

    os.chdir(cwd)


async def check(pilot: Pilot[object], where: str, *keys: str, names: bool = True) -> None:
    """Press `keys`, let the screen settle: it shows hostile text (if it shows `names`), never
    raw."""
    await settle(pilot)  # (with no key: what the app was doing, such as reading the status)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    app = pilot.app
    text = screen_text(app)
    assert not raw_in(app), f"{where}: raw {raw_in(app)} in\n{text}"  # type: ignore[arg-type]
    if names:
        assert any(mark in text for mark in MARKS), f"{where}: no {MARKS} in\n{text}"


# What the app shows of the names: the control picture of ESC (one cell, see control_filter),
# or `^[` where a screen shows the name itself.
MARKS = ["\N{SYMBOL FOR ESCAPE}", "^["]


async def test_the_dashboard_history_and_recovery_wizard(in_tmp: Path):
    app = demo_app(in_tmp, project=hostile_demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await check(pilot, "dashboard")
        base = len(app.screen_stack)
        await check(pilot, "history: the failed migration's logs", "h", "end", "o")
        for _ in range(3):
            if len(app.screen_stack) > base:
                await pilot.press("escape")
                await settle(pilot)
        await check(pilot, "recover: inspect", "x")
        await check(pilot, "recover: choose", "enter")
        await check(pilot, "recover: data fix", "f", names=False)
        await check(pilot, "recover: preview", "enter")


async def test_the_hotfix_wizard(in_tmp: Path):
    app = demo_app(in_tmp, project=hostile_recovered)
    async with app.run_test(size=(120, 40)) as pilot:
        await check(pilot, "hotfix: items", "d")
        await check(pilot, "hotfix: name", "enter")
        await check(pilot, "hotfix: preview", "enter")
        await check(pilot, "hotfix: targets", "enter")
