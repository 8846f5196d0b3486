"""A Monitor followed the way the app follows it, for tests against real namespaces.

``Follower`` runs ``Monitor`` in a thread and applies its events to a ``RouteStore`` exactly as
the app does (``apply_event``), records problems, and can hold the monitor's thread inside
``emit`` (``gate``) to make it slow on purpose.  ``same_routes`` compares the store with a fresh
dump route by route, as multisets (the kernel's dump order is not the order of insertion).
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from tests.patience import deadline
from tui.kernel.monitor import Monitor
from tui.kernel.netlink.route_dump import dump_routes
from tui.model import Route
from tui.source.events import Event, Problem, RouteChanges, RoutesRefreshed, Snapshot
from tui.store.routes import RouteStore


class Follower:
    """Follow one namespace into a RouteStore."""

    def __init__(self, path: str | None, *, rcvbuf: int = 32 << 20) -> None:
        self.store: RouteStore | None = None
        self.events: list[Event] = []
        self.problems: list[Problem] = []
        self.snapshots = 0
        self.applied = 0
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.monitor = Monitor(path, self._emit, rcvbuf=rcvbuf)
        self.thread = threading.Thread(target=self.monitor.run, daemon=True)

    def __enter__(self) -> Follower:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.monitor.stop()
        self.thread.join(5)

    def _emit(self, event: Event) -> None:
        self.gate.wait()
        with self.lock:
            self.events.append(event)
            if isinstance(event, Snapshot):
                self.snapshots += 1
                self.store = event.store or RouteStore(event.state.routes)
            elif isinstance(event, RouteChanges) and self.store is not None:
                for new, flags, route in event.changes:
                    self.store.apply(new, flags, route)
                self.applied += len(event.changes)
            elif isinstance(event, RoutesRefreshed) and self.store is not None:
                self.store.refresh(event.ifindex, event.routes, event.family)
            elif isinstance(event, Problem):
                self.problems.append(event)
            self.last = time.monotonic()

    def wait_loaded(self) -> None:
        """Until the first snapshot is in."""
        end = deadline()
        while self.store is None:
            assert time.monotonic() < end, f"no snapshot; problems: {self.problems}"
            assert self.thread.is_alive(), f"monitor ended: {self.problems}"
            time.sleep(0.02)

    def wait_quiet(self, quiet: float = 0.7) -> None:
        """Until nothing has been emitted for ``quiet`` seconds and no dump is running.  Only a
        hint that the kernel is done: ``assert_equal_to_kernel`` looks again on a difference."""
        end = deadline()
        while True:
            busy = self.monitor.busy()
            if not busy and time.monotonic() - self.last > quiet:
                return
            assert time.monotonic() < end, "the monitor never went quiet"
            time.sleep(0.05)

    def routes(self) -> list[Route]:
        """The followed routes now."""
        with self.lock:
            assert self.store is not None
            return self.store.routes()


def same_routes(followed: list[Route], dumped: list[Route]) -> str:
    """Empty when both hold the same routes (as multisets), else a readable difference."""
    a, b = Counter(followed), Counter(dumped)
    if a == b:
        return ""
    extra = list((a - b).elements())[:8]
    missing = list((b - a).elements())[:8]
    lines = [f"{len(followed)} followed, {len(dumped)} dumped"]
    lines += [f"  only followed: {r}" for r in extra]
    lines += [f"  only dumped:   {r}" for r in missing]
    return "\n".join(lines)


def assert_equal_to_kernel(follower: Follower, path: str | None) -> None:
    """The followed store equals a fresh dump route by route, once things are quiet.

    The kernel may still be changing after the command returned (carrier changes go through
    linkwatch, up to a second later, much later under load): a difference is looked at again
    until the patience of a hang (tests/patience.py) runs out.
    """
    end = deadline()
    while True:
        follower.wait_quiet()
        diff = same_routes(follower.routes(), dump_routes(path))
        if not diff or time.monotonic() > end:
            break
        time.sleep(0.3)
    assert not diff, diff
