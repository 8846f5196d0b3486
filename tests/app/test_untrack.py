"""Big lists of routes, and the routes live events bring, are kept out of the collector's
walks; nothing else changes."""

from __future__ import annotations

import gc

import pytest

from tui.app import pacing, untrack
from tui.app.pacing import FREEZE_AFTER, Inbox, apply_routes
from tui.app.untrack import (
    UNTRACK_FROM,
    route_n_untracked,
    untrack_routes,
    untracked,
    untracked_list,
)
from tui.formats.route_n import route_n_routes
from tui.model import AF_INET, AF_INET6, RTN_LOCAL, RTN_UNICAST, Route
from tui.source.events import RouteChanges, RoutesRefreshed
from tui.store.routes import RouteStore


def routes(n: int) -> list[Route]:
    return [
        Route(AF_INET, 254, RTN_UNICAST, f"10.{i >> 8 & 255}.{i & 255}.0", 24) for i in range(n)
    ]


def test_a_big_list_is_untracked_and_unchanged() -> None:
    big = routes(UNTRACK_FROM)
    copy = list(big)
    assert gc.is_tracked(big)
    assert untracked(big) is big and not gc.is_tracked(big)
    assert big == copy
    big.append(copy[0])  # a list is never tracked again; its routes are still alive
    gc.collect()
    assert not gc.is_tracked(big) and big[-1] is copy[0] and gc.is_tracked(big[0])


def test_a_small_list_is_left_alone() -> None:
    small = routes(3)
    assert untracked(small) is small and gc.is_tracked(small)


def test_an_empty_list_to_fill() -> None:
    out = untracked_list()
    out.extend(routes(5))
    assert not gc.is_tracked(out) and len(out) == 5


def test_routes_arriving_in_events_are_untracked_and_still_applied() -> None:
    """The routes route events bring are untracked as the inbox takes them (on the
    monitor's thread): the store holds the new ones for good, and no collection walks them;
    applying them is unchanged."""
    new, gone = routes(3), routes(5)[3:]
    for r in (*new, *gone):
        assert gc.is_tracked(r)
    refreshed = routes(8)[5:]
    inbox = Inbox()
    inbox.put(RouteChanges(tuple((True, 0x600, r) for r in new)))
    inbox.put(RouteChanges(tuple((False, 0, r) for r in gone)))
    inbox.put(RoutesRefreshed(2, tuple(refreshed), "link down"))
    # the new routes are kept for good; the deleted ones may wait in a flood's backlog
    assert not any(gc.is_tracked(r) for r in (*new, *gone, *refreshed))
    store = RouteStore()
    for event in inbox.take(seconds=1e9):
        assert isinstance(event, RouteChanges | RoutesRefreshed)
        apply_routes(store, event, [])
    gc.collect()
    assert store.routes() == [*new, *refreshed] == routes(3) + routes(8)[5:]


def test_untracked_routes_are_equal_and_hashable() -> None:
    some = routes(4)
    assert untrack_routes(some) is True
    assert not any(gc.is_tracked(r) for r in some)
    assert some == routes(4) and len(set(some)) == 4


def test_no_freezing_where_new_routes_are_untracked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freezing new routes in a flood is the fallback for a Python where untracking is not
    available: on CPython it never runs (it would pin the UI's garbage alive at each freeze,
    and its full collection is a pause on the UI thread)."""
    assert pacing._freezer.needed is False
    frozen: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *a: 0)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    freezer = pacing._Freezer(needed=False)
    store = RouteStore(routes(300))
    for _ in range(10):
        freezer.added(FREEZE_AFTER, store)
    assert frozen == []
    pacing._Freezer().added(FREEZE_AFTER, RouteStore(routes(FREEZE_AFTER)))
    assert frozen == [1], "the fallback still freezes a flood"


def test_route_n_selection_in_chunks_equals_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """IPv4's route -n selection made a chunk at a time into an untracked list is exactly
    the selection made whole (chunk edges included); IPv6's (null entries per table) too."""
    mixed = [
        Route(AF_INET, 254 if i % 5 else 255, RTN_LOCAL if i % 7 == 0 else RTN_UNICAST,
              f"10.0.{i}.0", 24)
        for i in range(40)
    ]  # fmt: skip
    six = [
        Route(AF_INET6, 254 if i % 3 else 100, RTN_UNICAST, f"2001:db8:{i}::", 48) for i in range(9)
    ]
    for chunk in (1, 3, 8, 40, 100):
        monkeypatch.setattr(untrack, "SELECT_CHUNK", chunk)
        got = route_n_untracked(mixed, AF_INET, 1)
        assert got == route_n_routes(mixed, AF_INET, 1) and not gc.is_tracked(got)
        assert 0 < len(got) < len(mixed)
    assert route_n_untracked(six, AF_INET6, 1) == route_n_routes(six, AF_INET6, 1)
