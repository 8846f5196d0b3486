"""Once a namespace is loaded, the UI thread gets the GIL back soon when another thread runs
Python (a short switch interval); not during the first load (it made that slower); the
process's own setting comes back when the app ends."""

from __future__ import annotations

import sys

from tests.app.helpers import fixture_app, loaded
from tui.app.app import SWITCH_SECONDS


async def test_a_short_switch_interval_once_loaded() -> None:
    before = sys.getswitchinterval()
    assert before > SWITCH_SECONDS  # the interpreter's default (5 ms)
    app = fixture_app()
    follower = app.main.follower
    async with app.run_test(size=(80, 24)) as pilot:
        assert follower.state is None and sys.getswitchinterval() == before
        await loaded(pilot)
        follower.wake()  # as the monitor's thread does with each batch of live events
        await pilot.pause()
        assert sys.getswitchinterval() == SWITCH_SECONDS
    assert sys.getswitchinterval() == before
