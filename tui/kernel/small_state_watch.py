"""What the monitor remembers of a namespace's small state (links, addresses, rules, sysctls,
nexthop objects) and which routes the kernel changed silently when it changed.

The kernel sends no route events for some route changes: routes through a link whose
up/carrier state or master changed, or that lost its last IPv4 address, are re-read; a deleted
link's IPv4 routes are gone (IPv6 sends events for its own); nexthop objects replaced or gone
move routes everywhere (``nexthop_watch``).  Comparing the small state before and after a
re-read says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.kernel.event_socket import LINK_STATE, read_small_state
from tui.kernel.nexthop_watch import routes_may_have_moved, without_buckets
from tui.model import AF_INET, NetnsState, NexthopObject


@dataclass(frozen=True, slots=True)
class SilentMoves:
    """What a change of the small state did to routes without route events."""

    nexthops: bool = False  # objects replaced or gone: every route may have moved
    removed: tuple[int, ...] = ()  # links deleted: their IPv4 routes went with them
    links: frozenset[int] = field(default_factory=frozenset)  # links to re-read the routes of


class SmallStateWatch:
    """The small state as last read, remembered to compare the next read with."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.links: dict[int, tuple[int, int | None]] = {}
        self.v4addrs: set[tuple[int, str]] = set()
        self.nexthops: tuple[NexthopObject, ...] | None = None
        self.nexthop_added = False  # an RTM_NEWNEXTHOP since the last read
        self.compat_mode = 1

    def read(self) -> NetnsState:
        """Links, addresses, rules and sysctls now (entering the namespace), remembered."""
        state, self.compat_mode = read_small_state(self.path)
        self.links = {link.index: (link.flags & LINK_STATE, link.master) for link in state.links}
        self.v4addrs = {(a.index, a.address) for a in state.addresses if a.family == AF_INET}
        self.nexthops = without_buckets(state.nexthops)
        return state

    def reread(self) -> tuple[NetnsState, SilentMoves]:
        """Read again; the state and what its changes did to routes silently."""
        old_links, old_addrs, old_nexthops = self.links, self.v4addrs, self.nexthops
        state = self.read()
        added, self.nexthop_added = self.nexthop_added, False
        # Also silent: a link going down or losing carrier deletes its nexthop objects,
        # shrinks their groups and deletes the routes through them.
        nexthops = routes_may_have_moved(
            old_nexthops, self.nexthops, added_event=added, compat_mode=self.compat_mode
        )
        removed = tuple(sorted(old_links.keys() - self.links.keys()))
        links = {i for i, now in self.links.items() if i in old_links and old_links[i] != now}
        # Its last IPv4 address gone: the kernel flushed its routes.
        links |= {index for index, _ in old_addrs - self.v4addrs if index in self.links}
        return state, SilentMoves(nexthops, removed, frozenset(links))
