"""A namespace's routes kept equal to the kernel's through events (pure, no I/O).

Routes are keyed by what identifies a FIB entry to the kernel (family, table, prefix, tos,
metric, source prefix); ``append`` can put several entries under one key, ``replace`` swaps
them.  Insertion order is kept so a fresh dump and a long-followed store list alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui.model import Route

Key = tuple[int, int, str, int, int, int | None, str | None, int]


def route_key(route: Route) -> Key:
    """The kernel's identity of a FIB entry."""
    return (
        route.family,
        route.table,
        route.dst,
        route.dst_len,
        route.tos,
        route.priority,
        route.src,
        route.src_len,
    )


def same_entry(a: Route, b: Route) -> bool:
    """Two routes under one key are the same entry when their type and next hops agree."""
    return (
        a.type == b.type
        and a.gateway == b.gateway
        and a.oif == b.oif
        and a.multipath == b.multipath
    )


class RouteStore:
    """Routes under their keys; ``version`` grows with every change."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._entries: dict[Key, list[Route]] = {}
        self.version = 0
        for route in routes:
            self._entries.setdefault(route_key(route), []).append(route)

    def __len__(self) -> int:
        return sum(len(v) for v in self._entries.values())

    def routes(self) -> list[Route]:
        """Every route, in the order they were learnt."""
        return [r for entries in self._entries.values() for r in entries]

    def add(self, route: Route, replace: bool = False) -> bool:
        """Apply RTM_NEWROUTE; returns True when something changed."""
        key = route_key(route)
        entries = self._entries.get(key)
        if entries is None:
            self._entries[key] = [route]
        elif replace:
            if entries == [route]:
                return False
            self._entries[key] = [route]
        else:
            for i, old in enumerate(entries):
                if same_entry(old, route):
                    if old == route:
                        return False
                    entries[i] = route  # same entry, new attributes (flags such as linkdown)
                    break
            else:
                entries.append(route)
        self.version += 1
        return True

    def remove(self, route: Route) -> bool:
        """Apply RTM_DELROUTE; returns True when an entry was removed."""
        key = route_key(route)
        entries = self._entries.get(key)
        if not entries:
            return False
        for i, old in enumerate(entries):
            if same_entry(old, route):
                del entries[i]
                break
        else:
            del entries[0]
        if not entries:
            del self._entries[key]
        self.version += 1
        return True
