"""Rows ordered in a thread for a table that has since been replaced never land: a re-read
lets a big table go at once (``follow.DROP_ON_RELOAD``), and a redraw of the old table still
running in the rows thread had put its million stale routes back on screen, and kept them
alive beside the re-read's new ones until the re-read ended (issue 13: the flap's peak RSS
with forced overruns).  The same for a namespace that is gone (or another one shown): the
old namespace's rows came back under its successor."""

from __future__ import annotations

import threading

import pytest

import tui.app.follow as follow_module
import tui.app.shown_rows as shown_rows
from tests.app.helpers import fixture_app, loaded
from tests.patience import PATIENCE, wait_until_async
from tui.app.widgets.route_view import RouteView
from tui.source.events import Event, Problem, Reloading


@pytest.mark.parametrize(
    ("event", "rows_then"),
    [
        (Reloading("netlink overrun"), 0),  # the table let go: an empty one shown
        (Problem("the namespace is gone", fatal=True, gone=True), None),  # no rows at all
    ],
)
async def test_rows_still_being_ordered_for_a_table_let_go_never_land(
    monkeypatch: pytest.MonkeyPatch, event: Event, rows_then: int | None
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
        app.main.follower._apply_now(event)
        assert len(app.main.follower.store) == 0

        def shown() -> int | None:
            return view.rows.row_count if view.rows is not None else None

        assert shown() == rows_then  # let go at once
        release.set()
        await loaded(pilot)  # the held ordering has finished and handed its rows over
        assert shown() == rows_then
        assert rows.ordering == 0
