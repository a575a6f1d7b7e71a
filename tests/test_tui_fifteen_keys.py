"""Fifteen keys (issue 14 §1): from the dashboard of `mend demo` to the Verify step of a roll
forward with the generated data fix, of a roll back, and of the hotfix wizard on the recovered
demo (one target), the typed confirmation included, pressing only keys the footers show or text
typed into the field that has the focus; what is typed to confirm is read off the screen. On the
way, every footer (Unicode and --ascii) shows Help and Quit whole at 80 columns and no key twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from mend_core.history.status import MigrationState, get_status
from mend_tui.app import MendApp
from mend_tui.screens.confirmed_write import Phase
from mend_tui.screens.hotfix.verify import HotfixVerifyStep
from mend_tui.screens.recover.execute import ExecuteStep
from mend_tui.screens.recover.verify import VerifyStep
from scenes import demo_app, recovered_demo, settle
from tui_support import screen_text

LIMIT = 15
CONFIRM = re.compile(r"Type (\S+)(?: \([^)]*\))? to (?:run|record) it:")


def footer_actions(app: MendApp) -> dict[str, str]:
    """{action: how the footer writes its key} for what the footer shows now (as the footer
    does: an action once, with its first key)."""
    shown: dict[str, str] = {}
    for _, binding, enabled, _ in app.screen.active_bindings.values():
        if binding.show and enabled and binding.action not in shown:
            shown[binding.action] = app.get_key_display(binding)
    return shown


def shown_keys(app: MendApp) -> dict[str, str]:
    """{key: action} for every key of an action the footer shows (`enter,escape` on Verify)."""
    return {
        key: binding.action
        for key, (_, binding, enabled, _) in app.screen.active_bindings.items()
        if binding.show and enabled
    }


def check_footer(app: MendApp) -> None:
    """Help and Quit whole on the footer's line, and no key written twice."""
    line = screen_text(app).splitlines()[-1]
    assert re.search(r"(\?|f1) Help ", line), line
    assert re.search(r"(q|\^q) Quit ", line), line
    written = list(footer_actions(app).values())
    assert len(written) == len(set(written)), line
    assert all(text.isascii() for text in written) or not app.ascii_only, line


class Walk:
    """Presses keys the way an operator reads them off the screen, and counts them."""

    def __init__(self, pilot: Pilot[object], app: MendApp) -> None:
        self.pilot, self.app = pilot, app
        self.pressed: list[str] = []

    async def press(self, *keys: str) -> None:
        for key in keys:
            check_footer(self.app)
            assert key in shown_keys(self.app), (key, screen_text(self.app).splitlines()[-1])
            await self._press(key)

    async def move(self, key: str) -> None:
        """A key the footer does not show: a move in a list, a tab named in the panel's title
        (`s SQL  o Logs  t Attempts`). Not counted: the counted walks use none."""
        await self.pilot.press(key)
        await settle(self.pilot)

    async def type(self, text: str) -> None:
        for character in text:
            assert isinstance(self.app.focused, Input), character
            await self._press(character)

    async def confirm(self) -> str:
        """Type what the screen asks for, then enter."""
        match = CONFIRM.search(screen_text(self.app).replace("`", ""))
        assert match, screen_text(self.app)
        await self.type(match.group(1))
        await self.press("enter")
        return match.group(1)

    async def _press(self, key: str) -> None:
        self.pressed.append(key)
        await self.pilot.press(key)
        await settle(self.pilot)


@pytest.fixture(params=[False, True], ids=["unicode", "ascii"])
def ascii_only(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


async def test_a_roll_forward_with_the_generated_fix_takes_fifteen_keys_and_keeps_the_logs(
    tmp_path: Path, ascii_only: bool
):
    app = demo_app(tmp_path / "demo", ascii_only=ascii_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        walk = Walk(pilot, app)
        await walk.press("x", "enter", "f")  # Inspect, Choose: roll forward with a data fix
        await walk.press("ctrl+s")  # the first template, the generated dedupe fix
        await walk.press("enter", "enter")  # Preview to Rehearse, Rehearse to Execute
        assert await walk.confirm() == "unique"
        await walk.press("enter")  # the verification
        assert isinstance(app.screen, VerifyStep)
        check_footer(app)
        assert len(walk.pressed) <= LIMIT, walk.pressed
        # Honest screens (issue 14 §2): the failed attempt's logs stay readable afterwards.
        await walk.press("enter")  # closed: the dashboard
        await walk.press("h")
        await walk.move("end")
        await walk.move("t")  # the migration, now applied: its attempts
        attempts = str(app.screen.query_one("#attempts-text").render())
        assert "logs:" in attempts and "UNIQUE constraint failed" in attempts, attempts
    assert app.context is not None
    report = get_status(app.context)
    assert report.migrations[-1].state is MigrationState.APPLIED


async def test_a_roll_back_takes_fifteen_keys_then_the_file_is_to_fix_first(
    tmp_path: Path, ascii_only: bool
):
    folder = tmp_path / "demo"
    app = demo_app(folder, ascii_only=ascii_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        walk = Walk(pilot, app)
        await walk.press("x", "enter", "b", "enter", "enter")
        assert await walk.confirm() == "unique"
        await walk.press("enter")
        assert isinstance(app.screen, VerifyStep)
        check_footer(app)
        assert len(walk.pressed) <= LIMIT, walk.pressed
        assert app.context is not None
        assert not get_status(app.context).named(MigrationState.FAILED)
        # Honest screens (issue 14 §2): the dashboard says to fix the file before deploying.
        await walk.press("enter")  # closed: the dashboard
        text = " ".join(screen_text(app).split())
        assert "fix `20240103000000_unique/migration.sql` first" in text, text
        assert "then run `mend deploy`" in text
        # Once the file changed, deploying is what is left.
        script = folder / "prisma" / "migrations" / "20240103000000_unique" / "migration.sql"
        script.write_text(script.read_text().replace("UNIQUE INDEX", "INDEX"))
        await walk.press("r")
        text = " ".join(screen_text(app).split())
        assert "first" not in text and "mend deploy" in text, text


async def test_the_hotfix_wizard_after_the_recovery_takes_fifteen_keys(
    tmp_path: Path, ascii_only: bool
):
    folder = tmp_path / "demo"
    app = demo_app(folder, project=recovered_demo, ascii_only=ascii_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        walk = Walk(pilot, app)
        await walk.press("d", "enter")  # the one item, checked: on to its name
        await walk.type("mail")  # replaces the default name, selected
        await walk.press("enter", "enter", "enter")  # Name, Preview, Targets
        assert await walk.confirm() == "mail"
        await walk.press("enter")
        assert isinstance(app.screen, HotfixVerifyStep)
        check_footer(app)
        assert len(walk.pressed) <= LIMIT, walk.pressed
    written = [p.name for p in (folder / "prisma" / "migrations").iterdir()]
    assert any(name.endswith("_mail") for name in written), written


async def test_the_hotfix_wizard_under_its_default_name_takes_fifteen_keys_and_asks_the_database(
    tmp_path: Path, ascii_only: bool
):
    folder = tmp_path / "demo"
    app = demo_app(folder, project=recovered_demo, ascii_only=ascii_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        walk = Walk(pilot, app)
        await walk.press("d", "enter", "enter", "enter", "enter")  # the default name kept
        text = " ".join(screen_text(app).split()).replace("`", "")
        assert "Type dev.db (the database's name) to record it:" in text, text
        assert await walk.confirm() == "dev.db"
        await walk.press("enter")
        assert isinstance(app.screen, HotfixVerifyStep)
        assert len(walk.pressed) <= LIMIT, walk.pressed
    written = [p.name for p in (folder / "prisma" / "migrations").iterdir()]
    assert any(name.endswith("_hotfix_index_user_email_idx") for name in written), written


async def test_a_wrong_or_empty_confirmation_runs_nothing_and_the_full_name_also_confirms(
    tmp_path: Path,
):
    app = demo_app(tmp_path / "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        walk = Walk(pilot, app)
        await walk.press("x", "enter", "b", "enter", "enter")
        text = screen_text(app)
        assert "Type unique to run it:" in text.replace("`", "")
        assert "20240103000000_unique" not in text.split("Type")[1].splitlines()[0]
        await walk.press("enter")  # empty: refused
        await walk.type("uniq")
        await walk.press("enter")  # wrong: refused
        assert not isinstance(app.screen, VerifyStep)
        assert app.context is not None
        assert get_status(app.context).named(MigrationState.FAILED)
        field = app.screen.query_one("#confirm-input", Input)
        field.value = ""
        await walk.type("20240103000000_unique")
        await walk.press("enter", "enter")
        assert isinstance(app.screen, VerifyStep)


async def test_the_confirmation_typed_in_one_burst_with_its_enter_runs(tmp_path: Path):
    """A paste or a fast typist: the name and enter arrive together, before the field has
    taken the letters (enter is a priority binding, handled first). It runs, as typed."""
    app = demo_app(tmp_path / "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        walk = Walk(pilot, app)
        await walk.press("x", "enter", "b", "enter", "enter")
        driver = app._driver
        assert driver is not None
        for key in [*"unique", "enter"]:  # all sent before any is handled
            driver.send_message(events.Key(key, key if len(key) == 1 else "\r"))
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, ExecuteStep)
        assert app.screen.phase is not Phase.CONFIRM, screen_text(app)  # running or done
        await walk.press("enter")
        assert isinstance(app.screen, VerifyStep)
    assert app.context is not None
    assert not get_status(app.context).named(MigrationState.FAILED)


# -- honest screens at 80x24 (issue 14 §2) ---------------------------------------------------------
async def test_every_history_footer_shows_help_and_quit_whole(tmp_path: Path, ascii_only: bool):
    app = demo_app(tmp_path / "demo", ascii_only=ascii_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        walk = Walk(pilot, app)
        check_footer(app)
        # The list, the failed migration (x Recover comes), its SQL, logs, attempts, the list.
        await walk.press("h")
        await walk.move("end")
        await walk.press("enter")  # into the SQL
        for tab in ("o", "t"):
            await walk.move(tab)
            check_footer(app)
        await walk.press("escape")
        check_footer(app)
