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

The inbox also knows whether the routes applied so far are the kernel's: not while a full
re-read runs (``Reloading`` until its ``Snapshot``), nor while a flood is caught up (the
monitor said it is ``behind``, or a slice left events queued); ``sync_text`` says which, for
the status line, so a half-applied table is never shown as if it were current; meanwhile
the rows are rebuilt less often (the events come first).  And a flood of new routes is
kept out of the collector's walks (untracked as they are queued; frozen now and then where
that is not available): full collections would otherwise walk every new route, pauses of
tens of milliseconds, many times a flood, while keys wait.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from tui.app.untrack import UNTRACKING, untrack_routes
from tui.model import Route
from tui.source.events import (
    Event,
    Problem,
    Reloading,
    RouteChanges,
    RoutesRefreshed,
    Snapshot,
    Unindexed,
)
from tui.store.routes import RouteStore

REFRESH_SECONDS = 0.1
SLICE_SECONDS = 0.02  # events applied per wake-up before keys get their turn
PACE = 4.0  # a rebuild costing c seconds is not repeated within PACE * c
MARK_LIMIT = 200  # more new routes than this in one redraw are not highlighted
RELOADING = "reloading…"
CATCHING_UP = "catching up…"
INDEXING = "indexing…"  # a big first load's rows are shown, its index is being built
BEHIND_SECONDS = 0.3  # behind this long (not a passing burst) before the status says so
BEHIND_PACE = 12.0  # ... within BEHIND_PACE * c while the inbox says it is not current
FREEZE_AFTER = 50_000  # new routes in a store this big (or bigger) are frozen for the GC
FLOOD_SECONDS = 20.0  # ... as soon as that many came within this long


class Inbox:
    """Events from another thread, taken on the UI thread in time slices."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._events: deque[Event] = deque()
        self._lock = threading.Lock()
        self._woken = False
        self._reloading = False  # a Reloading was queued, its Snapshot not yet taken
        # since when the route changes taken came from a monitor with more waiting, or
        # slices left events queued (None: caught up)
        self._behind_since: float | None = None

    def __len__(self) -> int:
        return len(self._events)

    def put(self, event: Event) -> bool:
        """Queue ``event`` (any thread); True when the UI thread must be woken.

        A re-read announced or handed over makes the route changes still queued moot (the
        table they would change is replaced): they are dropped, not applied one by one to a
        table marked reloading (a flap's backlog: seconds of the UI thread, and memory).
        The events' routes are untracked for the collector first (``untrack``): the store
        keeps the new ones for good, and a flood's backlog waits here for seconds; either
        would be walked by every full collection meanwhile."""
        if isinstance(event, RouteChanges):  # (the monitor's thread, before queueing)
            untrack_routes(route for _, _, route in event.changes)
        elif isinstance(event, RoutesRefreshed):
            untrack_routes(event.routes)
        with self._lock:
            if isinstance(event, Reloading | Snapshot) and self._events:
                moot = RouteChanges | RoutesRefreshed | Unindexed  # (its rows: the Snapshot's)
                kept = (e for e in self._events if not isinstance(e, moot))
                self._events = deque(kept)
            self._events.append(event)
            if isinstance(event, Reloading):
                self._reloading = True  # at once: what is shown stops being current now
            wake, self._woken = not self._woken, True
        return wake

    def sync_text(self) -> str:
        """What the status line says of the routes applied so far: "" when they follow the
        kernel, else that a re-read runs or a flood is being caught up."""
        if self._reloading:
            return RELOADING
        since = self._behind_since
        if since is not None and self._clock() - since >= BEHIND_SECONDS:
            return CATCHING_UP
        return ""

    def _behind(self, behind: bool) -> None:
        if not behind:
            self._behind_since = None
        elif self._behind_since is None:
            self._behind_since = self._clock()

    def put_front(self, events: list[Event]) -> None:
        """Queue ``events`` before everything else (the UI thread: held events resumed)."""
        with self._lock:
            self._events.extendleft(reversed(events))

    def take(self, seconds: float = SLICE_SECONDS) -> Iterator[Event]:
        """Events for up to ``seconds`` (UI thread); afterwards ``more`` tells if any are left."""
        with self._lock:
            self._woken = False
        deadline = self._clock() + seconds
        behind = False
        while self._events:
            event = self._events.popleft()
            if isinstance(event, RouteChanges):
                behind = event.behind
            elif isinstance(event, Reloading):
                self._reloading = True  # also when it comes back from a pause (put_front)
            elif isinstance(event, Snapshot) or (isinstance(event, Problem) and event.fatal):
                behind = False  # the new state, or no more: unless a re-read follows
                with self._lock:
                    self._reloading = any(isinstance(e, Reloading) for e in self._events)
            yield event
            if self._clock() > deadline:
                self._behind(behind or bool(self._events))
                return
        self._behind(behind)

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
            self._reloading = False
            self._behind_since = None


def apply_routes(
    store: RouteStore, event: RouteChanges | RoutesRefreshed, added: list[Route]
) -> int:
    """Apply route events to ``store``; new routes go to ``added`` (up to MARK_LIMIT, then
    none: a flood is not highlighted).  Returns how many events were applied."""
    if isinstance(event, RoutesRefreshed):
        store.refresh(event.ifindex, event.routes, event.family)
        _freezer.added(len(event.routes), store)
        return len(event.routes)
    apply = store.apply
    fresh = 0
    for new, flags, route in event.changes:
        if apply(new, flags, route) and new:
            fresh += 1
            if len(added) <= MARK_LIMIT:
                added.append(route)
    _freezer.added(fresh, store)
    return len(event.changes)


class _Freezer:
    """Freezes the collector's objects once a big store has gained half its size in new
    routes, or FREEZE_AFTER new routes in a flood (that many within FLOOD_SECONDS).

    New routes are long-lived and hold no cycles: walking them in full collections is waste
    (a million of them: a second's pause, more on a busy machine).  While a table is
    re-added in a flood, full collections come every quarter more of the unfrozen objects
    and each walks every route added since the last freeze: freezing every FREEZE_AFTER
    routes bounds that walk (tens of milliseconds, not seconds).  But whatever lives when
    objects are frozen is never looked at again: the UI's caches alive then leak once
    dropped if they hold cycles (``bench_flap.py`` counts them: a full collection after
    unfreezing at the end).  So outside floods freezing is rare (once in half a table's
    worth of churn); garbage is collected first."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, needed: bool = True) -> None:
        # Only where routes cannot be untracked as they arrive (``Inbox.put``): untracked,
        # they are never walked, and freezing would only pin the UI's garbage.
        self.needed = needed
        self.young = 0  # new routes since the last freeze
        self._clock = clock
        self._window = 0.0  # when the current flood window began
        self._recent = 0  # new routes since then

    def added(self, count: int, store: RouteStore) -> None:
        if not count or not self.needed:
            return
        now = self._clock()
        if now - self._window > FLOOD_SECONDS:
            self._window, self._recent = now, 0
        self._recent += count
        self.young += count
        if self.young >= FREEZE_AFTER:
            size = len(store)
            flood = self._recent >= FREEZE_AFTER
            if size >= FREEZE_AFTER and (flood or self.young >= size // 2):
                self.freeze()

    def freeze(self) -> None:
        """Collect, then freeze what is left.  A full collection, yet cheap: everything big
        is frozen already, but for the new routes (walked this once)."""
        self.young = self._recent = 0
        self._window = self._clock()
        gc.collect()
        gc.freeze()


_freezer = _Freezer(needed=not UNTRACKING)  # the collector is the process's: so is the count


class Pacer:
    """When to rebuild the rows: not before REFRESH_SECONDS, nor PACE times the last cost."""

    def __init__(self, inbox: Inbox | None = None) -> None:
        self.cost = 0.0
        self._next = 0.0
        self._inbox = inbox

    def due(self) -> bool:
        """May the rows be rebuilt now?"""
        return time.perf_counter() >= self._next

    def done(self, cost: float) -> None:
        """A rebuild took ``cost`` seconds (of this thread or a worker).  While a flood is
        caught up the rows wait longer: the status says so, and every rebuild (and the
        collections its list of every row brings) is time the events do not get."""
        self.cost = cost
        pace = BEHIND_PACE if self._inbox is not None and self._inbox.sync_text() else PACE
        self._next = time.perf_counter() + max(REFRESH_SECONDS, pace * cost)
