"""How the app is put together, so that it stays easy to add to: one presentation module for
the app and the CLI, screens that never import the CLI, styles in .tcss files, the help in a
Markdown file that names every key the footer and the palette show, demo scenes out of the
package, and read-only database sessions only, but for the recovery wizard's rehearsal and
execution (the engine's own write sessions) and the hotfix wizard's apply_hotfix."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.screen import Screen

import mend_tui
from mend_tui import presentation
from mend_tui.commands import status as status_command
from mend_tui.modals import error, help, message
from mend_tui.modals.help import load_help
from mend_tui.palette import COMMANDS
from mend_tui.screens import dashboard, history
from mend_tui.widgets import migration_table, sql_view
from scenes import demo_project, settle
from test_tui import app_on
from tui_support import screen_text

PACKAGE = Path(mend_tui.__file__).parent
UI_FOLDERS = ("screens", "widgets", "modals")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at run time or for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("folder", UI_FOLDERS)
def test_screens_widgets_and_modals_never_import_the_cli_or_the_app(folder: str):
    for path in (PACKAGE / folder).glob("*.py"):
        bad = {
            module
            for module in imports_of(path)
            if module.startswith(("mend_tui.commands", "mend_tui.cli", "mend_tui.app"))
        }
        assert not bad, f"{path.name} imports {bad}"


def test_the_cli_and_the_app_share_one_presentation():
    assert status_command.note is presentation.note
    assert status_command.state_glyph is presentation.state_glyph
    for module in (dashboard, history, migration_table, sql_view):
        source = inspect.getsource(module)
        # No table of its own mapping a state to a look.
        assert "MigrationState.APPLIED:" not in source, module.__name__


def test_screens_keep_their_styles_in_tcss_files():
    for module in (dashboard, history, error, message, help):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                assert "DEFAULT_CSS" not in vars(cls) and "CSS" not in vars(cls), cls
                css_path = vars(cls).get("CSS_PATH")
                assert css_path, f"{cls.__name__} has no .tcss"
                assert (Path(module.__file__).parent / str(css_path)).is_file()  # type: ignore[arg-type]


def test_the_help_and_its_texts_ship_with_the_package():
    styles = [p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.tcss") if p.parent != PACKAGE]
    assert len(styles) >= 12  # the screens' and modals' own, the wizard's steps among them
    for name in ("help.md", "app.tcss", *map(str, styles)):
        assert files("mend_tui").joinpath(name).is_file()
        # The wheel takes the package folder's files that git does not ignore.
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", str(PACKAGE / name)], capture_output=True, cwd=PACKAGE
        )
        assert ignored.returncode == 1, f"{name} is ignored by git: hatch would leave it out"


def test_the_demo_scenes_live_with_the_tests():
    assert importlib.util.find_spec("mend_tui.scenes") is None


def every_shown_binding() -> list[Binding]:
    """The bindings the footer can show, in the app and each of its screens and widgets."""
    from mend_tui.app import MendApp
    from mend_tui.widgets.panel import Panel

    classes: list[type] = [MendApp, migration_table.MigrationRows, sql_view.SqlView]
    for module in (dashboard, history):
        classes += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, (Screen, Panel)) and cls.__module__ == module.__name__
        ]
    return [
        binding
        for cls in classes
        for binding in vars(cls).get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.show
    ]


def help_entries() -> list[tuple[set[str], str]]:
    """(keys, words) of each help.md line; `1-6` stands for 1 to 6."""
    entries = []
    for section in load_help().sections:
        for keys, words in section.items:
            found = set(keys.split())
            for span in [k for k in found if "-" in k and k[0].isdigit()]:
                first, last = span.split("-")
                found |= {str(n) for n in range(int(first), int(last) + 1)}
            entries.append((found, words))
    return entries


def test_the_help_names_every_key_the_footer_and_the_palette_show():
    entries = help_entries()
    for binding in every_shown_binding():
        key = binding.key_display or binding.key.split(",")[0]
        key = {"escape": "esc"}.get(key, key)
        assert any(key in keys and binding.description in words for keys, words in entries), (
            f"help.md lacks `{key}` {binding.description}"
        )
    for command in COMMANDS:
        name = command.name.split(":")[0]
        assert any(command.key in keys and name in words for keys, words in entries), (
            f"help.md lacks `{command.key}` {command.name}"
        )


# The only calls through which the app may open a session that writes: the recovery wizard's
# rehearsal and execution, and the hotfix wizard's apply, each of which opens the engine's own
# write session.
WRITERS = {
    ("rehearse", "mend_core/recovery/rehearse.py"),
    ("execute_plan", "mend_core/recovery/execute.py"),
    ("apply_hotfix", "mend_core/hotfix/apply.py"),
    # The analysis's dry run of the rest of a migration: like a rehearsal, in a transaction
    # that is always rolled back (only when statements are left to run besides the failing one).
    ("dry_run", "mend_core/recovery/dry_run.py"),
}


def writer_on_stack() -> str | None:
    """The allowed writer this session is opened from, if any."""
    for frame in inspect.stack(context=0):
        for function, path in WRITERS:
            if frame.function == function and frame.filename.endswith(path):
                return function
    return None


async def test_the_app_reads_through_read_only_sessions_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from mend_core.database import session as db

    folder = tmp_path / "mend-demo"
    demo_project(folder)
    monkeypatch.chdir(folder)
    sessions: list[tuple[bool, str | None]] = []
    opened = db.Database.__init__
    app = app_on(folder)  # the context itself is not read-only: the app is, whatever it says
    assert app.context is not None and not app.context.read_only
    live = app.context.target

    def spy(self: db.Database, *args: object, **kwargs: object) -> None:
        opened(self, *args, **kwargs)  # type: ignore[arg-type]
        if self.target == live:  # (a shadow database for a replay is mend's own scratch)
            sessions.append((self.read_only, writer_on_stack()))

    monkeypatch.setattr(db.Database, "__init__", spy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h", "end", "o", "t", "s", "r")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Refresh", "enter")
        await settle(pilot)
        await pilot.press("w")  # the incident report: reads
        await settle(pilot)
        browsing = list(sessions)
        # The wizard, to the end: a roll forward with the generated data fix.
        for keys in ("x", "enter", "f", "enter", "s", "enter", "enter"):
            await pilot.press(keys)
            await settle(pilot)
        await pilot.press(*"20240103000000_unique", "enter")
        await settle(pilot)
        await pilot.press("w", "enter")
        await settle(pilot)
        await pilot.press("enter", "d")  # Verify: done, back to the history; the dashboard
        await settle(pilot)
        recovered = len(sessions)
        # The hotfix wizard, to the end: the demo's index, once its migration is recovered.
        for keys in ("d", "enter", "enter", "enter", "enter"):
            await pilot.press(keys)
            await settle(pilot)
        await pilot.press(*app.screen.folder, "enter")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Verified:" in screen_text(app), screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
    assert len(browsing) >= 3 and all(read_only for read_only, _ in browsing), browsing
    writes = [writer for read_only, writer in sessions if not read_only]
    # Exactly the three writers, each once; every other session of the wizards read only.
    assert sorted(writes) == ["apply_hotfix", "execute_plan", "rehearse"], sessions
    assert len(sessions) > len(browsing) + 2 and len(sessions) > recovered + 1


def test_only_the_cores_sessions_call_the_writers():
    """The app calls no writer itself: the rehearsal, the execution and the hotfix's apply are
    reached through the core's sessions (mend_core.recovery.session, mend_core.hotfix.session),
    which the command line uses too; and every session the app's modules open themselves is
    read-only."""
    callers = set()
    hotfix_writers = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "commands" or relative.name == "cli.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in (
                "mend_core.recovery.execute",
                "mend_core.recovery.rehearse",
                "mend_core.database.write_session",
            ):
                names = {alias.name for alias in node.names}
                if names & {"execute_plan", "rehearse", "write_session", "WriteSession"}:
                    callers.add(str(relative))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                (
                    "mend_core.hotfix.apply",
                    "mend_core.hotfix.migration",
                    "mend_core.operations.resolve",
                )
            ):
                names = {alias.name for alias in node.names}
                # Its data (ApplyEvent, HotfixResult) may be read anywhere; its writers may not.
                allowed = {"ApplyEvent", "HotfixResult", "TargetOutcome", "Progress"}
                if names - allowed:
                    hotfix_writers.add((str(relative), tuple(sorted(names - allowed))))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "connect":
                read_only = [k for k in node.keywords if k.arg == "read_only"]
                assert read_only and getattr(read_only[0].value, "value", None) is True, (
                    f"{relative}:{node.lineno} opens a session that is not read-only"
                )
    assert callers == set(), callers
    assert hotfix_writers == set(), hotfix_writers
    # ... and the sessions are where the writers are called from.
    core = PACKAGE.parent.parent / "core" / "mend_core"
    recovery = (core / "recovery" / "session.py").read_text()
    assert "import execute_plan" in recovery and "import rehearse" in recovery
    assert "import apply_hotfix" in (core / "hotfix" / "session.py").read_text()
