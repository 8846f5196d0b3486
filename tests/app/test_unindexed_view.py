"""A big first load in the app before its index is built, on a real namespace: its rows are
the kernel's at once, the status line says "indexing…", a filter and a lookup wait for the
index and then apply; the rows stay where the user scrolled.  (The size that counts as big is
lowered for the test, and the monitor is held before it hands the index over.)"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from tests.app.test_live import build, lines, wait_for
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.patience import PATIENCE
from tui.app.follow import NamespaceFollower
from tui.app.path_follow import INDEXING_WAIT
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.formats.route_n import route_n_routes
from tui.kernel import unindexed
from tui.kernel.live_source import LiveSource
from tui.kernel.netlink.route_dump import dump_routes
from tui.model import AF_INET
from tui.source.events import Event, Snapshot

pytestmark = requires_netns
TABLE = 3000


@pytest.fixture
def shown_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every first load is shown before it is indexed, however small."""
    monkeypatch.setattr(unindexed, "UNINDEXED_ROUTES", 0)


@contextmanager
def big_table() -> Iterator[Netns]:
    """A namespace with a table of ``TABLE`` routes via one gateway (deleted after)."""
    with temp_netns("fsa") as ns:
        build(ns)
        ns.batch(f"route add 10.{50 + i // 250}.{i % 250}.0/24 via 10.40.0.9" for i in range(TABLE))
        yield ns


def held_index(follower: NamespaceFollower) -> threading.Event:
    """Make the monitor's thread wait before it hands the index over (the ``Snapshot``) until
    the event returned is set."""
    gate = threading.Event()
    plain = follower._emitter

    def gated_emitter() -> Callable[[Event], None]:
        emit = plain()

        def gated(event: Event) -> None:
            if isinstance(event, Snapshot):
                gate.wait(PATIENCE)
            emit(event)

        return gated

    follower._emitter = gated_emitter  # type: ignore[method-assign]
    return gate


async def test_rows_come_before_the_index_and_the_rest_waits_for_it(shown_first: None) -> None:
    with big_table() as ns:
        kernel = route_n_routes(dump_routes(ns.path, AF_INET), AF_INET)
        app = make_app(LiveSource(), ns.name)
        follower = app.main.follower
        gate = held_index(follower)
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                view = app.query_one(RouteView)
                await wait_for(pilot, lambda: view.rows is not None and view.rows.row_count > 0)
                assert follower.unindexed is not None
                rows = view.rows
                assert rows is not None
                assert list(rows.routes) == kernel  # the kernel's route -n, in its order
                status = str(app.query_one("#status").render())
                assert f"{len(kernel):,} routes" in status and "indexing…" in status
                await pilot.press("end")
                bottom = view.cursor
                assert bottom == len(kernel) - 1
                assert lines(app)[bottom].startswith(kernel[-1].dst)
                gate.set()  # the index is handed over
                await wait_for(pilot, lambda: follower.unindexed is None)
                await pilot.pause()
                assert view.cursor == bottom  # the rows stayed where the user was
                assert view.current() is rows.route(bottom)  # the very route: the store's
                assert "indexing…" not in str(app.query_one("#status").render())
        finally:
            gate.set()


async def test_a_filter_and_a_lookup_before_the_index_apply_once_it_is_in(
    shown_first: None,
) -> None:
    with big_table() as ns:
        app = make_app(LiveSource(), ns.name)
        gate = held_index(app.main.follower)
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                view = app.query_one(RouteView)
                await wait_for(pilot, lambda: view.rows is not None and view.rows.row_count > 0)
                await pilot.press("slash", *"10.51.0.0/16", "enter")
                await pilot.pause()
                assert view.rows is None  # no unfiltered rows under a filter's name
                empty = "The routes are being indexed: filters and sorts apply once they are."
                assert view._empty[1:] and " ".join(view._empty[1:]) == empty
                await pilot.press("l", *"10.53.7.9", "enter")  # a lookup waits too
                await pilot.pause()
                assert str(app.query_one("#trace").render()) == INDEXING_WAIT

                gate.set()  # the index is handed over: both apply
                await wait_for(pilot, lambda: view.rows is not None and view.rows.row_count > 0)
                assert view.rows is not None and view.rows.row_count == 250
                assert all(line.startswith("10.51.") for line in lines(app))
                await wait_for(pilot, lambda: "Verdict" in str(app.query_one("#trace").render()))
                trace = str(app.query_one("#trace").render())
                assert "Verdict: 10.53.7.9 via 10.40.0.9 dev la" in trace
        finally:
            gate.set()
