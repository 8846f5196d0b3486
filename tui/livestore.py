"""A namespace's routes kept equal to the kernel's through events (pure, no I/O).

Routes are keyed by what identifies a FIB entry to the kernel (family, table, prefix, tos,
metric, source prefix); ``append`` can put several entries under one key, ``replace`` swaps
them.  Insertion order is kept so a fresh dump and a long-followed store list alike.

Memory matters at a million routes: the index maps the *hash* of a route's identity to the
route itself (a list only when two entries share a hash), so it costs an int and a dict slot
per route instead of a tuple and a list.
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
    """Routes under their identity; ``version`` grows with every change."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._slots: dict[int, Route | list[Route]] = {}
        self._count = 0
        self.version = 0
        for route in routes:
            self._insert(route)

    def __len__(self) -> int:
        return self._count

    def routes(self) -> list[Route]:
        """Every route, in the order they were learnt."""
        out: list[Route] = []
        append, extend = out.append, out.extend
        for slot in self._slots.values():
            if isinstance(slot, Route):
                append(slot)
            else:
                extend(slot)
        return out

    def _insert(self, route: Route) -> None:
        h = hash(route_key(route))
        slot = self._slots.get(h)
        if slot is None:
            self._slots[h] = route
        elif isinstance(slot, Route):
            self._slots[h] = [slot, route]
        else:
            slot.append(route)
        self._count += 1

    def _entries(self, route: Route) -> tuple[int, list[Route]]:
        """The hash and the routes under ``route``'s identity (a copy of the slot's list)."""
        h = hash(route_key(route))
        slot = self._slots.get(h)
        if slot is None:
            return h, []
        key = route_key(route)
        candidates = [slot] if isinstance(slot, Route) else slot
        return h, [r for r in candidates if route_key(r) == key]

    def _set(self, h: int, key: Key, entries: list[Route]) -> None:
        """Replace the routes of identity ``key`` in slot ``h`` by ``entries``."""
        slot = self._slots.get(h)
        others = (
            []
            if slot is None
            else [r for r in ([slot] if isinstance(slot, Route) else slot) if route_key(r) != key]
        )
        merged = others + entries
        self._count += len(merged) - (
            0 if slot is None else (1 if isinstance(slot, Route) else len(slot))
        )
        if not merged:
            self._slots.pop(h, None)
        else:
            self._slots[h] = merged[0] if len(merged) == 1 else merged

    def add(self, route: Route, replace: bool = False) -> bool:
        """Apply RTM_NEWROUTE; returns True when something changed."""
        h, entries = self._entries(route)
        if not entries:
            self._insert(route)
        elif replace:
            if entries == [route]:
                return False
            self._set(h, route_key(route), [route])
        else:
            for i, old in enumerate(entries):
                if same_entry(old, route):
                    if old == route:
                        return False
                    entries[i] = route  # same entry, new attributes (flags such as linkdown)
                    break
            else:
                entries.append(route)
            self._set(h, route_key(route), entries)
        self.version += 1
        return True

    def remove(self, route: Route) -> bool:
        """Apply RTM_DELROUTE; returns True when an entry was removed."""
        h, entries = self._entries(route)
        if not entries:
            return False
        for i, old in enumerate(entries):
            if same_entry(old, route):
                del entries[i]
                break
        else:
            del entries[0]
        self._set(h, route_key(route), entries)
        self.version += 1
        return True
