"""A full-table flap followed the way the app follows it, on real namespaces (issue 13).

Every route of a table is deleted and added back with ``ip -batch``.  The monitor's events go
through the app's ``Inbox`` and are applied in slices by a thread of their own as the app
applies them (``apply_routes``; a ``Snapshot`` brings a new store), and after every event
applied the inbox's status mark is noted.  Followed in full, the store ends equal to a fresh
dump; when the kernel drops events (a tiny receive buffer and a monitor held while the table
flaps), a re-read follows, and from the moment it is announced until its snapshot is applied
the status says "reloading…": the half-applied table is never shown as current.  Afterwards
the status says nothing of the sort and the store equals a fresh dump.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.kernel.follow import same_routes
from tests.kernel.test_monitor import build
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.patience import PATIENCE, deadline
from tui.app.pacing import RELOADING, Inbox, apply_routes
from tui.kernel.monitor import OVERRUN, Monitor
from tui.kernel.netlink.route_dump import dump_routes
from tui.model import Route
from tui.source.events import (
    Event,
    Problem,
    Reloading,
    RouteChanges,
    RoutesRefreshed,
    Snapshot,
)
from tui.store.routes import RouteStore

pytestmark = requires_netns
TABLE = 3000


class AppSide:
    """The monitor, the inbox and a UI-like thread applying events in slices.

    ``gate`` holds the monitor's thread inside ``emit`` (the socket fills up behind it);
    ``seen`` lists, for every event applied, its kind and what the status would say then;
    ``announced`` the length of ``seen`` when each Reloading was queued."""

    def __init__(self, path: str, rcvbuf: int) -> None:
        self.inbox = Inbox()
        self.store: RouteStore | None = None
        self.seen: list[tuple[str, str]] = []
        self.announced: list[int] = []
        self.problems: list[Problem] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.last = time.monotonic()
        self._stop = threading.Event()
        self.monitor = Monitor(path, self._emit, rcvbuf=rcvbuf)
        self._threads = [
            threading.Thread(target=self.monitor.run, daemon=True),
            threading.Thread(target=self._ui, daemon=True),
        ]

    def _emit(self, event: Event) -> None:
        self.gate.wait()
        with self.lock:
            self.inbox.put(event)
            if isinstance(event, Reloading):
                self.announced.append(len(self.seen))
            self.last = time.monotonic()

    def _ui(self) -> None:
        added: list[Route] = []
        while not self._stop.is_set():
            if not len(self.inbox):
                time.sleep(0.005)
                continue
            for event in self.inbox.take():
                if isinstance(event, Snapshot):
                    self.store = event.store or RouteStore(event.state.routes)
                elif isinstance(event, RouteChanges | RoutesRefreshed) and self.store:
                    apply_routes(self.store, event, added)
                    added.clear()
                elif isinstance(event, Problem):
                    self.problems.append(event)
                with self.lock:
                    self.seen.append((type(event).__name__, self.inbox.sync_text()))
                    self.last = time.monotonic()

    def wait_loaded(self) -> None:
        end = deadline()
        while self.store is None:
            assert time.monotonic() < end, f"no snapshot; problems: {self.problems}"
            time.sleep(0.02)

    def wait_quiet(self, quiet: float = 0.7) -> None:
        """Nothing emitted nor applied for ``quiet`` seconds, nothing queued, no dump due."""
        end = deadline()
        while self.monitor.busy() or len(self.inbox) or time.monotonic() - self.last < quiet:
            assert time.monotonic() < end, "never quiet"
            time.sleep(0.05)

    def routes(self) -> list[Route]:
        assert self.store is not None
        return self.store.routes()

    def assert_equal_to_kernel(self, path: str) -> None:
        """Equal to a fresh dump once quiet (looked at again for a while: carrier changes
        reach the kernel's tables through linkwatch, up to a second late, later under load:
        looked at again until the patience of a hang, tests/patience.py)."""
        end = deadline()
        while True:
            self.wait_quiet()
            diff = same_routes(self.routes(), dump_routes(path))
            if not diff or time.monotonic() > end:
                break
            time.sleep(0.3)
        assert not diff, diff

    def stop(self) -> None:
        self.gate.set()
        self.monitor.stop()
        self._stop.set()
        for thread in self._threads:
            thread.join(PATIENCE)


@contextmanager
def following(ns: Netns, rcvbuf: int = 32 << 20) -> Iterator[AppSide]:
    side = AppSide(ns.path, rcvbuf)
    for thread in side._threads:
        thread.start()
    try:
        side.wait_loaded()
        yield side
    finally:
        side.stop()


def table(ns: Netns) -> None:
    build(ns)
    ns.batch(f"route add 10.{100 + i // 250}.{i % 250}.0/24 via 10.1.0.2" for i in range(TABLE))


def flap(ns: Netns) -> None:
    """Every route of the table deleted, then added back (through the other gateway)."""
    ns.batch(f"route del 10.{100 + i // 250}.{i % 250}.0/24" for i in range(TABLE))
    ns.batch(f"route add 10.{100 + i // 250}.{i % 250}.0/24 via 10.2.0.2" for i in range(TABLE))


def test_a_table_flapped_twice_is_followed_to_the_kernels_state() -> None:
    with temp_netns("fsfl") as ns:
        table(ns)
        with following(ns) as side:
            flap(ns)
            flap(ns)
            side.assert_equal_to_kernel(ns.path)
            assert len(side.routes()) >= TABLE
            assert side.inbox.sync_text() == ""
            assert any(kind == "RouteChanges" for kind, _ in side.seen)
            assert not any(p.fatal for p in side.problems), side.problems


def test_an_overrun_during_a_flap_is_marked_reloading_until_the_new_table() -> None:
    with temp_netns("fsfl") as ns:
        table(ns)
        with following(ns, rcvbuf=4096) as side:
            side.gate.clear()  # the next emit blocks: the socket overflows behind it
            ns.ip("route", "add", "10.99.0.0/24", "via", "10.1.0.2")
            time.sleep(0.3)
            flap(ns)
            side.gate.set()
            side.assert_equal_to_kernel(ns.path)
            assert any(p.text == OVERRUN and not p.fatal for p in side.problems), side.problems
            assert side.announced, "the re-read was announced"
            with side.lock:
                seen = list(side.seen)
            for start in side.announced:
                end = next(i for i in range(start, len(seen)) if seen[i][0] == "Snapshot")
                # every event applied from the announcement until the new table: reloading…
                assert all(mark == RELOADING for _, mark in seen[start:end]), seen
                assert seen[end][1] != RELOADING or any(a > end for a in side.announced)
            assert seen[-1][1] == "" and side.inbox.sync_text() == ""
            snapshots = [i for i, (kind, _) in enumerate(seen) if kind == "Snapshot"]
            assert len(snapshots) >= 2 and snapshots[-1] > side.announced[0]
