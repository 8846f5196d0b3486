"""The inbox says whether the routes applied so far are the kernel's (pure: no Textual, a
clock of the test's own): "reloading…" from the moment a re-read is announced until its
snapshot has been taken, "catching up…" while a flood stays behind, nothing otherwise; and
the status line carries it right after the route count."""

from __future__ import annotations

import gc
from dataclasses import replace

import pytest

from tests.app.test_status import BASE
from tui.app import pacing
from tui.app.pacing import (
    BEHIND_SECONDS,
    CATCHING_UP,
    FLOOD_SECONDS,
    RELOADING,
    Inbox,
    apply_routes,
)
from tui.app.status import status_text
from tui.model import AF_INET, RTN_UNICAST, NetnsState, Route, Sysctls
from tui.source.events import (
    Event,
    Problem,
    Reloading,
    RouteChanges,
    RoutesRefreshed,
    SmallChanged,
    Snapshot,
)
from tui.store.routes import RouteStore


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def route(i: int) -> Route:
    return Route(AF_INET, 254, RTN_UNICAST, f"10.{i >> 8}.{i & 255}.0", 24, gateway="10.254.0.2")


def changes(*routes: Route, new: bool = True, behind: bool = False) -> RouteChanges:
    return RouteChanges(tuple((new, 0x600, r) for r in routes), behind)


def snapshot(reason: str = "netlink overrun") -> Snapshot:
    return Snapshot(NetnsState((), (), (), ()), reason, RouteStore())


def take_all(inbox: Inbox) -> list[Event]:
    return list(inbox.take(seconds=1e9))


def test_reloading_from_the_announcement_until_the_snapshot_is_taken() -> None:
    inbox = Inbox(Clock())
    inbox.put(changes(route(1)))
    assert inbox.sync_text() == ""
    inbox.put(Reloading("netlink overrun"))
    # said at once, before the events queued ahead of it are applied: they are half a table
    assert inbox.sync_text() == RELOADING
    inbox.put(Problem("netlink overrun: events were lost", fatal=False))
    seen = [(type(e).__name__, inbox.sync_text()) for e in inbox.take(seconds=1e9)]
    assert seen == [("Reloading", RELOADING), ("Problem", RELOADING)]  # the change is moot
    inbox.put(snapshot())
    assert inbox.sync_text() == RELOADING, "still the old table until the snapshot is taken"
    assert [type(e).__name__ for e in take_all(inbox)] == ["Snapshot"]
    assert inbox.sync_text() == ""


def test_route_changes_queued_before_a_reread_are_dropped_the_rest_kept() -> None:
    """A re-read replaces the table: route changes still queued for the old one would only
    cost the UI thread time; other events (small state, problems) are kept, in order."""
    inbox = Inbox(Clock())
    refreshed = RoutesRefreshed(3, (route(9),), "link state changed")
    small = SmallChanged((), (), (), Sysctls(), ())
    for event in (changes(route(1)), small, refreshed, changes(route(2), behind=True)):
        inbox.put(event)
    inbox.put(Reloading("netlink overrun"))
    inbox.put(Problem("lost", fatal=False))
    inbox.put(changes(route(3)))  # after the announcement: still applied unless ...
    assert next(inbox.take(seconds=1e9)) is small  # one taken: the UI thread's slice ended
    inbox.put(snapshot())  # ... a snapshot comes first
    assert [type(e).__name__ for e in take_all(inbox)] == ["Reloading", "Problem", "Snapshot"]
    inbox.put(changes(route(4)))  # after the snapshot: about the new table
    assert [type(e).__name__ for e in take_all(inbox)] == ["RouteChanges"]


def test_a_reload_announced_behind_a_snapshot_keeps_the_mark() -> None:
    """Two re-reads in a row: taking the first one's snapshot does not say "current" while
    the second is already announced."""
    inbox = Inbox(Clock())
    inbox.put(Reloading("netlink overrun"))
    inbox.put(snapshot())
    inbox.put(Reloading("nexthop objects changed"))
    marks = [inbox.sync_text() for _ in inbox.take(seconds=1e9)]
    assert marks == [RELOADING] * 3
    inbox.put(snapshot("nexthop objects changed"))
    take_all(inbox)
    assert inbox.sync_text() == ""


def test_a_fatal_problem_ends_the_reload_mark() -> None:
    """A monitor that died mid-reload will send no snapshot: "offline" says the rest."""
    inbox = Inbox(Clock())
    inbox.put(Reloading("netlink overrun"))
    inbox.put(Problem("namespace has gone", fatal=True, gone=True))
    take_all(inbox)
    assert inbox.sync_text() == ""


def test_catching_up_once_behind_for_a_while_and_not_after() -> None:
    clock = Clock()
    inbox = Inbox(clock)
    inbox.put(changes(route(1), behind=True))
    take_all(inbox)
    assert inbox.sync_text() == "", "a passing burst is not shown"
    clock.now += BEHIND_SECONDS + 0.01
    inbox.put(changes(route(2), behind=True))
    take_all(inbox)
    assert inbox.sync_text() == CATCHING_UP
    inbox.put(changes(route(3)))  # the monitor had read everything
    take_all(inbox)
    assert inbox.sync_text() == ""


def test_a_slice_that_leaves_events_queued_is_behind() -> None:
    """The UI thread's own backlog counts too, even when the monitor kept up."""

    class Ticking(Clock):
        def __call__(self) -> float:
            self.now += 0.015  # every look at the clock: a slice of 0.02 s takes one event
            return self.now

    clock = Ticking()
    inbox = Inbox(clock)
    for i in range(100):
        inbox.put(changes(route(i)))
    taken = 0
    while len(inbox):
        taken += len(list(inbox.take()))
        if len(inbox) and clock.now > 100 + 2 * BEHIND_SECONDS:
            assert inbox.sync_text() == CATCHING_UP
    assert taken == 100
    assert inbox.sync_text() == ""


def test_events_held_by_a_pause_and_put_back_keep_the_marks() -> None:
    """Paused, the app takes events and holds them; resumed, it puts them back in front: the
    reload they announce is said again until its snapshot is taken (again)."""
    inbox = Inbox(Clock())
    inbox.put(Reloading("netlink overrun"))
    inbox.put(snapshot())
    held = take_all(inbox)
    inbox.put_front(held)
    marks = [inbox.sync_text() for _ in inbox.take(seconds=1e9)]
    assert marks == [RELOADING, ""]


def test_clear_forgets_the_marks() -> None:
    inbox = Inbox(Clock())
    inbox.put(Reloading("netlink overrun"))
    inbox.clear()
    assert inbox.sync_text() == "" and not len(inbox)


def test_status_line_says_it_right_after_the_count() -> None:
    state = replace(BASE, sync=RELOADING, notice="netlink overrun: events were lost")
    assert status_text(state).status == (
        "netns host  │  table main  │  3 routes  │  reloading…  │  netlink overrun: events "
        "were lost  │  live  │  changed 12:00:01"
    )
    assert RELOADING not in status_text(replace(state, sync="")).status


def test_apply_routes_counts_events_and_marks_only_new_routes() -> None:
    store = RouteStore([route(1)])
    added: list[Route] = []
    event = RouteChanges(((True, 0x600, route(2)), (False, 0, route(1)), (True, 0x600, route(2))))
    assert apply_routes(store, event, added) == 3
    assert added == [route(2)]
    assert store.routes() == [route(2)]


def freezer_decisions(
    monkeypatch: pytest.MonkeyPatch, size: int, batches: list[tuple[float, int]]
) -> list[int]:
    """After which batches (seconds later, new routes) a store of ``size`` routes (100 new
    routes are 'FREEZE_AFTER' here) is frozen."""
    monkeypatch.setattr(pacing, "FREEZE_AFTER", 100)
    clock = Clock()
    freezer = pacing._Freezer(clock)
    frozen: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *a: 0)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(len(seen)))
    store = RouteStore(route(i) for i in range(size))
    seen: list[int] = []
    for later, count in batches:
        clock.now += later
        seen.append(count)
        freezer.added(count, store)
    return frozen


def test_a_flood_is_frozen_every_few_routes_slow_churn_rarely(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a flood (FREEZE_AFTER new routes within FLOOD_SECONDS) a big store's new routes are
    frozen every FREEZE_AFTER; churn spread over minutes only once half the store is new."""
    flood = [(0.1, 30)] * 12  # 360 new routes in a second or so
    assert freezer_decisions(monkeypatch, 1000, flood) == [4, 8, 12]
    slow = [(FLOOD_SECONDS + 1, 60)] * 12  # 60 new routes in each window: never a flood
    assert freezer_decisions(monkeypatch, 1000, slow) == [9]  # 540 new: half the store
    assert freezer_decisions(monkeypatch, 50, flood) == [], "a small store is never frozen"
    # a flood after slow churn: frozen within the flood, not once half the store is new
    assert freezer_decisions(monkeypatch, 1000, slow[:3] + flood) == [5, 9, 13]
