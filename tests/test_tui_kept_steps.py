"""Going back in a wizard shows the step's screen kept from before (not one built anew) while
what it was made from stays the same, and a new one once that changed; no screen of a closed
wizard stays behind. And a lone escape reaches the app at its deadline (driver.py), not up to
100 ms later. The wizards' behaviour going back is tested in test_tui_wizard.py and
test_tui_hotfix.py."""

from __future__ import annotations

from pathlib import Path

from textual import constants
from textual._time import get_time
from textual._xterm_parser import XTermParser

from conftest import Project, TestDatabase
from mend_tui.driver import IDLE_WAIT, next_wait
from mend_tui.screens.dashboard import DashboardScreen
from mend_tui.screens.hotfix.items import ItemsStep
from mend_tui.screens.hotfix.name import NameStep
from mend_tui.screens.recover.choose import ChooseStep
from mend_tui.screens.recover.inspect import InspectStep
from mend_tui.screens.recover.preview import PreviewStep
from scenes import settle
from test_tui_hotfix import app_on, hotfixed, sqlite_db  # noqa: F401 - fixtures
from test_tui_wizard import press, stepper_text, wizard_app


def test_a_lone_escape_is_waited_for_until_its_deadline_only():
    parser = XTermParser()
    assert next_wait(parser, get_time()) == IDLE_WAIT  # nothing due: Textual's own wait
    assert list(parser.feed("\x1b")) == []  # an escape, or the start of a sequence
    wait = next_wait(parser, get_time())
    assert 0 <= wait <= min(constants.ESCAPE_DELAY, IDLE_WAIT)
    assert next_wait(parser, get_time() + 1) == 0  # past due: at once


async def test_the_recovery_steps_are_kept_going_back(demo: Path):
    app = wizard_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        inspect = app.screen
        assert isinstance(inspect, InspectStep)
        await press(pilot, "enter")
        choose = app.screen
        assert isinstance(choose, ChooseStep)
        await press(pilot, "escape")
        assert app.screen is inspect  # kept: the same analysis
        await press(pilot, "enter")
        assert app.screen is choose  # the same plans
        await press(pilot, "b")
        assert isinstance(app.screen, PreviewStep)
        await press(pilot, "escape")
        assert app.screen is choose
        # The stepper says where the wizard is now: no data fix on the roll back's way.
        assert "Data fix" in stepper_text(app)
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, DashboardScreen)
        steps = [s for s in app._installed_screens.values() if isinstance(s, InspectStep)]
        assert steps == []  # nothing of the wizard stays installed
        await settle(pilot)
        assert not inspect.is_attached and not choose.is_attached


async def test_a_hotfix_step_whose_items_changed_is_built_anew(
    hotfixed: Project,  # noqa: F811 - the fixture imported above
    sqlite_db: TestDatabase,  # noqa: F811 - the fixture imported above
):
    sqlite_db.sql('ALTER TABLE "User" ADD COLUMN "nick" TEXT')
    app = app_on(hotfixed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "d")
        items = app.screen
        assert isinstance(items, ItemsStep)
        await press(pilot, "enter")
        name = app.screen
        assert isinstance(name, NameStep)
        await press(pilot, "escape")
        assert app.screen is items
        await press(pilot, "enter")
        assert app.screen is name  # the same items: the same step
        await press(pilot, "escape", "space", "enter")  # one item fewer
        assert isinstance(app.screen, NameStep) and app.screen is not name
        await settle(pilot)
        assert not name.is_attached  # the old one is gone


def test_the_driver_copies_the_textual_it_runs_with():
    """driver.py copies Textual's input loop: an upgrade that changes the loop fails here, so
    the copy is compared with the new one before it ships."""
    import hashlib
    import inspect

    from textual.drivers.linux_driver import LinuxDriver

    from mend_tui.driver import COPIED_FROM

    source = inspect.getsource(LinuxDriver.run_input_thread)
    assert hashlib.sha256(source.encode()).hexdigest() == COPIED_FROM
