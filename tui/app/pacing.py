"""Live events between the Source's thread and the UI thread (no Textual, no netlink).

The monitor may hand over thousands of route changes a second while a million routes are
shown.  Three things keep the UI answering keys:

* ``Inbox``: events queue here from the Source's thread; the UI thread is woken by one
  message at a time (not one per event) and takes them in slices of a few milliseconds, so
  key presses queued meanwhile are handled in between.
* ``apply_routes``: route events go into the ``RouteStore`` (a dict operation each); the
  rows on screen are a snapshot and stay as they are until the next redraw.
* ``Pacer``: the rows are rebuilt from the store at most every ``REFRESH_SECONDS``, and no
  more often than a few times the last rebuild's measured cost, so a costly table (a
  million rows sorted in a thread) takes a bounded share of the time.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator

from tui.model import Route
from tui.source.events import Event, RouteChanges, RoutesRefreshed
from tui.store.routes import RouteStore

REFRESH_SECONDS = 0.1
SLICE_SECONDS = 0.02  # events applied per wake-up before keys get their turn
PACE = 4.0  # a rebuild costing c seconds is not repeated within PACE * c
MARK_LIMIT = 200  # more new routes than this in one redraw are not highlighted


class Inbox:
    """Events from another thread, taken on the UI thread in time slices."""

    def __init__(self) -> None:
        self._events: deque[Event] = deque()
        self._lock = threading.Lock()
        self._woken = False

    def __len__(self) -> int:
        return len(self._events)

    def put(self, event: Event) -> bool:
        """Queue ``event`` (any thread); True when the UI thread must be woken."""
        with self._lock:
            self._events.append(event)
            wake, self._woken = not self._woken, True
        return wake

    def put_front(self, events: list[Event]) -> None:
        """Queue ``events`` before everything else (the UI thread: held events resumed)."""
        with self._lock:
            self._events.extendleft(reversed(events))

    def take(self, seconds: float = SLICE_SECONDS) -> Iterator[Event]:
        """Events for up to ``seconds`` (UI thread); afterwards ``more`` tells if any are left."""
        with self._lock:
            self._woken = False
        deadline = time.perf_counter() + seconds
        while self._events:
            yield self._events.popleft()
            if time.perf_counter() > deadline:
                return

    def more(self) -> bool:
        """Events are left after a slice: the UI thread wakes itself again; True when it must
        post the wake-up (nobody else will)."""
        with self._lock:
            if not self._events or self._woken:
                return False
            self._woken = True
            return True

    def clear(self) -> None:
        """Forget queued events (another namespace is shown)."""
        with self._lock:
            self._events.clear()


def apply_routes(
    store: RouteStore, event: RouteChanges | RoutesRefreshed, added: list[Route]
) -> int:
    """Apply route events to ``store``; new routes go to ``added`` (up to MARK_LIMIT, then
    none: a flood is not highlighted).  Returns how many events were applied."""
    if isinstance(event, RoutesRefreshed):
        store.refresh(event.ifindex, event.routes, event.family)
        return len(event.routes)
    apply = store.apply
    for new, flags, route in event.changes:
        if apply(new, flags, route) and new and len(added) <= MARK_LIMIT:
            added.append(route)
    return len(event.changes)


class Pacer:
    """When to rebuild the rows: not before REFRESH_SECONDS, nor PACE times the last cost."""

    def __init__(self) -> None:
        self.cost = 0.0
        self._next = 0.0

    def due(self) -> bool:
        """May the rows be rebuilt now?"""
        return time.perf_counter() >= self._next

    def done(self, cost: float) -> None:
        """A rebuild took ``cost`` seconds (of this thread or a worker)."""
        self.cost = cost
        self._next = time.perf_counter() + max(REFRESH_SECONDS, PACE * cost)
