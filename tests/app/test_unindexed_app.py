"""The app's handling of a first load shown before its index (``Unindexed``), on the made-up
capture: what the rows, the status line, the table counts and a sort say meanwhile, and what
is left when the following stops before the index came.  (The routes are the capture's,
handed over as an unindexed view of them; tests/app/test_unindexed_view.py does it live.)"""

from __future__ import annotations

import pytest

from tests.app.helpers import fixture_app, loaded
from tui.app.widgets.route_view import RouteView
from tui.formats.route_n import route_n_routes
from tui.kernel import unindexed
from tui.kernel.unindexed import DumpRoutes
from tui.model import AF_INET, AF_INET6
from tui.source.events import Problem, Snapshot, Unindexed


async def test_rows_status_and_sort_before_the_index() -> None:
    app = fixture_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        follower, view = app.main.follower, app.query_one(RouteView)
        state, store = follower.state, follower.store
        assert state is not None
        routes = store.routes()
        follower.inbox.put(Unindexed(state, DumpRoutes([routes])))
        follower.wake()
        await loaded(pilot)
        assert follower.unindexed is not None
        assert view.rows is not None
        assert list(view.rows.routes) == route_n_routes(routes, AF_INET)
        assert "indexing…" in str(app.query_one("#status").render())
        assert follower.table_counts() == store.counts()
        await pilot.press("s")  # a sort waits for the index: no rows in the wrong order
        await loaded(pilot)
        assert view.rows is None
        follower.inbox.put(Snapshot(state, "loaded", store))
        follower.wake()
        await loaded(pilot)
        assert follower.unindexed is None
        assert view.rows is not None and view.rows.sort == "destination"
        assert "indexing…" not in str(app.query_one("#status").render())


async def test_the_rows_go_when_following_stops_before_the_index() -> None:
    app = fixture_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        follower, view = app.main.follower, app.query_one(RouteView)
        assert follower.state is not None
        follower.inbox.put(Unindexed(follower.state, DumpRoutes([follower.store.routes()])))
        follower.inbox.put(Problem("monitor stopped: bad message", fatal=True))
        follower.wake()
        await loaded(pilot)
        # no index will come: rows that filters and lookups could never use are not kept
        assert follower.unindexed is None and follower.state is None
        assert view.rows is None
        assert "monitor stopped" in str(app.query_one("#status").render())


async def test_ipv6_route_n_of_a_big_family_waits_for_the_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """route -n -A inet6 makes a row of each next hop and of each table's empty root: of a
    big IPv6 family only the index tells them (the view says it is being indexed)."""
    monkeypatch.setattr(unindexed, "SMALL_FAMILY", 0)
    app = fixture_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        follower, view = app.main.follower, app.query_one(RouteView)
        state, store = follower.state, follower.store
        assert state is not None and store.routes(AF_INET6)
        follower.inbox.put(Unindexed(state, DumpRoutes([store.routes()])))
        follower.wake()
        await loaded(pilot)
        assert view.rows is not None  # IPv4: rows at once
        await pilot.press("6")
        await loaded(pilot)
        assert view.rows is None
        assert " ".join(view._empty[1:]).startswith("The routes are being indexed")
        follower.inbox.put(Snapshot(state, "loaded", store))
        follower.wake()
        await loaded(pilot)
        assert view.rows is not None and view.rows.row_count >= len(store.routes(AF_INET6))
