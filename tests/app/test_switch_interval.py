"""While the app runs, the UI thread gets the GIL back soon when another thread runs Python
(a short switch interval); the process's own setting comes back when it ends."""

from __future__ import annotations

import sys

from tests.app.helpers import fixture_app, loaded
from tui.app.app import SWITCH_SECONDS


async def test_a_short_switch_interval_while_the_app_runs() -> None:
    before = sys.getswitchinterval()
    assert before > SWITCH_SECONDS  # the interpreter's default (5 ms)
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        assert sys.getswitchinterval() == SWITCH_SECONDS
    assert sys.getswitchinterval() == before
