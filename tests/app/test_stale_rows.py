"""Rows ordered in a thread for a table that has since been replaced never land: a re-read
lets a big table go at once (``follow.DROP_ON_RELOAD``), and a redraw of the old table still
running in the rows thread had put its million stale routes back on screen, and kept them
alive beside the re-read's new ones until the re-read ended (issue 13: the flap's peak RSS
with forced overruns)."""

from __future__ import annotations

import threading

import pytest

import tui.app.follow as follow_module
import tui.app.shown_rows as shown_rows
from tests.app.helpers import fixture_app, loaded
from tests.patience import PATIENCE, wait_until_async
from tui.app.widgets.route_view import RouteView
from tui.source.events import Reloading


async def test_a_reread_drops_the_rows_still_being_ordered_for_the_old_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shown_rows, "BIG_TABLE", 0)  # every table ordered in the rows thread
    monkeypatch.setattr(follow_module, "DROP_ON_RELOAD", 0)  # and let go when re-read
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view, rows = app.query_one(RouteView), app.main.rows
        assert view.rows is not None and view.rows.row_count == 15
        held, release = threading.Event(), threading.Event()
        order = rows._order_rows

        def holding(token: int) -> None:  # the thread's copy, held until the re-read began
            held.set()
            release.wait(PATIENCE)
            order(token)

        monkeypatch.setattr(rows, "_order_rows", holding)
        rows.rebuild(keep_cursor=True)  # a live change's redraw of the 15-route table
        await wait_until_async(held.is_set, "the rows thread copies the table")
        app.main.follower._apply_now(Reloading("netlink overrun"))
        assert len(app.main.follower.store) == 0
        assert view.rows is not None and view.rows.row_count == 0  # let go at once
        release.set()
        await loaded(pilot)  # the held ordering has finished and handed its rows over
        assert view.rows is not None and view.rows.row_count == 0
        assert rows.ordering == 0
