"""Changes to a namespace's state as a live Source reports them (pure data, no I/O).

The kernel monitor produces them, the app consumes them: neither knows the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tui.model import (
    Address,
    Ipv6ProcRoute,
    Link,
    NetnsState,
    NexthopObject,
    Route,
    Rule,
    Sysctls,
)
from tui.store.routes import RouteStore

LOADED = "loaded"  # the Snapshot that starts following (nothing to tell the user)
SETTLED = "re-read once quiet: changes had raced the last load"  # keeps the user's notice


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A complete fresh state (at start and after an overrun).

    ``store`` holds ``state.routes`` already indexed (built in the monitor's thread, since
    indexing a million routes takes a second); the sender never touches it again.
    """

    state: NetnsState
    reason: str
    store: RouteStore | None = None


class UnindexedRoutes(Protocol):
    """A first load's routes, whole but not yet indexed (read-only; see ``Unindexed``)."""

    def counts(self) -> dict[tuple[int, int], int]:
        """Routes per (family, table)."""
        ...

    def rows(
        self, family: int, table: int | None, route_n: bool, lo: int
    ) -> Sequence[Route] | None:
        """The routes of ``family`` and ``table`` (None: every table) in the kernel's order
        (the ``Snapshot``'s store lists a key holding several entries after the others), with
        ``route_n`` what route -n lists of them (``lo``: the loopback's index); None: only
        the indexed store can tell."""
        ...


@dataclass(frozen=True, slots=True)
class Unindexed:
    """A big first load, read whole but not yet indexed: what the screen can show of it
    (rows in the kernel's order) while its ``Snapshot`` is being built; lookups, filters
    and sorts wait for that.  Nothing else comes between the two."""

    state: NetnsState
    routes: UnindexedRoutes


@dataclass(frozen=True, slots=True)
class RouteChanges:
    """Route events in kernel order since the last batch: (is RTM_NEWROUTE, nlmsg flags,
    route); the flags tell replace, append and prepend apart (``RouteStore.apply``)."""

    changes: tuple[tuple[bool, int, Route], ...]
    # The monitor still had events waiting when it handed these over (the kernel is ahead:
    # a flood such as a full-table flap is being caught up).
    behind: bool = False


@dataclass(frozen=True, slots=True)
class RoutesRefreshed:
    """Part of the routes as the kernel has them now, re-read because the kernel changed them
    without route events: IPv4 routes vanish when their device goes down, is deleted or loses
    its last address; next hops turn linkdown or dead; routes follow their nexthop objects.

    ``ifindex``: the routes through that link (empty when the link has gone); None: every
    route that uses a nexthop object (``nhid``).  ``family``: only that family's routes
    (a deleted link's IPv4 routes go silently, IPv6 sends events for its own).
    """

    ifindex: int | None
    routes: tuple[Route, ...]
    reason: str
    family: int | None = None


@dataclass(frozen=True, slots=True)
class SmallChanged:
    """Links, addresses, rules, sysctls or nexthop objects changed: their new values."""

    links: tuple[Link, ...]
    addresses: tuple[Address, ...]
    rules: tuple[Rule, ...]
    sysctls: Sysctls
    ipv6_proc_routes: tuple[Ipv6ProcRoute, ...]
    nexthops: tuple[NexthopObject, ...] | None = None  # None: not read


@dataclass(frozen=True, slots=True)
class Reloading:
    """A full re-read has begun (events were lost, nexthop objects changed, a load raced
    changes): until its ``Snapshot`` the routes followed so far are not the kernel's."""

    reason: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the user must hear about; ``fatal`` ends the following, ``gone`` says the
    namespace itself no longer exists (its rows must go)."""

    text: str
    fatal: bool
    gone: bool = False


Event = Snapshot | Unindexed | RouteChanges | RoutesRefreshed | SmallChanged | Reloading | Problem
