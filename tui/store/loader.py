"""Loading a route store from a dump read on the event socket, events interleaved (pure).

The monitor dumps on the very socket that carries the events, so the two arrive in the
kernel's order; this module turns that order into an exact store (see ``DumpLoader``).
"""

from __future__ import annotations

from collections.abc import Iterable

from tui.model import AF_INET6, Route
from tui.store.identity import entry_ident, same_entry, same_entry_ident
from tui.store.routes import RouteStore
from tui.store.routes6 import Entry

RACE_WINDOW = 64  # events this close before a dump datagram may have raced its making
Change = tuple[bool, int, Route]
KeyId = tuple[int, int, tuple[object, ...]]
_KeyState = tuple[list[Route], list[Entry] | None]  # a key's shown routes and IPv6 entries


def _key(route: Route) -> KeyId:
    return (route.family, route.table, entry_ident(route))


def _visible(change: Change, shown: list[Route]) -> bool:
    """Does ``shown`` (a key's routes in a dump) bear the mark of this event?"""
    new, _, route = change
    hops = {(nh.gateway, nh.oif) for r in shown for nh in r.nexthops()}
    if route.multipath:
        told = {(nh.gateway, nh.oif) for nh in route.multipath}
        return told <= hops if new else not told & hops
    present = any(same_entry(r, route) for r in shown) or (
        route.family == AF_INET6 and (route.gateway, route.oif) in hops and route.gateway
    )
    return bool(present) == new


class DumpLoader:
    """Builds a store from a dump read on the event socket, events interleaved in order.

    The kernel makes a dump datagram when the previous one is read and queues it behind the
    events queued meanwhile: those are in it, except the last few, which may have raced the
    making (the kernel dumps without locking out changes).  So events are applied at once
    (``event``), and the routes a dump shows for a key (``dumped``) replace whatever events
    built for it, unless the events built exactly that (they may know more, such as IPv6
    entries a dump hides).  Then the key's events of the last ``RACE_WINDOW`` positions that
    the dump does not show are applied again:

    * if the key's state before one of them is what the dump shows, it goes back to that
      state and the events from there on are applied (exact);
    * else the events after the last one the dump bears the mark of are applied again (one
      event applied twice changes nothing; several may: the load is then ``suspect`` and the
      monitor re-reads once things are quiet).

    A key's routes come one after another, perhaps over two datagrams; a key the dump does
    not show is left to its events (those before the dump passed it end in its absence).
    """

    def __init__(self) -> None:
        self.store = RouteStore()
        self.suspect = False
        self.raced = False  # events came in while the dump ran
        self._last: Route | None = None  # the last dumped route: its key is being loaded
        self._held: list[Route] = []  # the dumped routes of a key that events built too
        self._held_at = 0  # the position of the datagram where the held key began
        # recent events: position, the event, its key's state before it
        self._recent: list[tuple[int, Change, _KeyState]] = []

    def event(self, pos: int, new: bool, flags: int, route: Route) -> None:
        """An event read while the dump runs, at queue position ``pos``."""
        self.raced = True
        store = self.store
        t = store._table(route)
        before = (store._group(t, store._slot(t, route)), t.entries6.get(entry_ident(route)))
        store.apply(new, flags, route)
        self._recent.append((pos, (new, flags, route), before))

    def dumped(self, pos: int, routes: Iterable[Route]) -> None:
        """The routes of the dump datagram at queue position ``pos``, in dump order."""
        store = self.store
        last = self._last
        held = self._held
        near = [c[2] for p, c, _ in self._recent if p >= pos - RACE_WINDOW]
        # Events near the datagram matter only to its routes of their keys: when none of
        # their destination texts is in it (a flood elsewhere in the table), it is claimed
        # in bulk all the same (the loop below would claim each route as the bulk does).
        if (
            not held
            and isinstance(routes, list)
            and (not near or {r.dst for r in near}.isdisjoint([r.dst for r in routes]))
            and self._bulk(routes)
        ):
            self._last = routes[-1] if routes else last
            self._recent = [e for e in self._recent if e[0] >= pos - RACE_WINDOW]
            return
        touched = {_key(r) for r in near}
        t, family, table = None, -1, -1
        for route in routes:
            if (
                last is not None
                and route.family == last.family
                and route.table == last.table
                and same_entry_ident(route, last)
            ):  # another entry of the key being loaded
                if held:
                    held.append(route)
                else:
                    store._append(route)
                continue
            if held:
                self._settle()
            last = route
            if t is None or route.family != family or route.table != table:
                t, family, table = store._table(route), route.family, route.table
            if (touched and _key(route) in touched) or not store._claim(t, route):
                held.append(route)  # events built this key
                self._held_at = pos
        self._last = last
        keep = min(pos, self._held_at if held else pos) - RACE_WINDOW
        self._recent = [e for e in self._recent if e[0] >= keep]

    def _bulk(self, routes: list[Route]) -> bool:
        """The common datagram, claimed at C speed: one (family, table), every destination
        new to it and to the datagram, no event near.  Exactly what the route by route loop
        below does then (each route becomes its own key under its destination text); False
        when the datagram is not such (nothing is changed then)."""
        if not routes:
            return True
        first = routes[0]
        if len({r.table for r in routes}) != 1 or len({r.family for r in routes}) != 1:
            return False
        t = self.store._table(first)
        one, dsts = t.one, [r.dst for r in routes]
        if (
            (one and not one.keys().isdisjoint(dsts))  # walks the datagram, not the table
            or (t.many and not t.many.keys().isdisjoint(dsts))
            or (t.aliased and not t.aliased.isdisjoint(dsts))
        ):
            return False
        before = len(one)
        one.update(zip(dsts, routes, strict=True))
        if len(one) - before != len(dsts):  # a text twice in the datagram: undo (all were new)
            for dst in dsts:
                one.pop(dst, None)
            return False
        t.count += len(dsts)
        return True

    def merged6(self) -> bool:
        """Whether the store holds IPv6 ECMP routes.  A dump shows a key's siblings merged
        into one route and hides what differs between them (each one's protocol, say): events
        applied after it may meet a guess (a re-read under churn is then re-read once quiet)."""
        return any(r.multipath for r in self.store.routes(AF_INET6))

    def finish(self) -> RouteStore:
        """The store, once the dump has ended."""
        self._settle()
        self._last = None
        return self.store

    def _settle(self) -> None:
        """Make the held key what the dump showed, then what raced the dump (see above)."""
        if not self._held:
            return
        shown = list(self._held)
        self._held.clear()
        first = shown[0]
        store = self.store
        t = store._table(first)
        ident = entry_ident(first)
        slot = store._slot(t, first, ident)
        if store._group(t, slot) == shown:
            return  # the events built what the dump shows
        key = _key(first)
        since = self._held_at - RACE_WINDOW
        mine = [(c, b) for p, c, b in self._recent if p >= since and _key(c[2]) == key]
        for i in range(len(mine) - 1, -1, -1):
            group, entries = mine[i][1]
            if group == shown:  # the dump was made just before this event: back to then
                if entries is None:
                    t.entries6.pop(ident, None)
                else:
                    t.entries6[ident] = entries
                store._put(t, slot, first, group)
                for change, _ in mine[i:]:
                    store.apply(*change)
                return
        t.entries6.pop(ident, None)
        store._put(t, slot, first, shown)
        changes = [c for c, _ in mine]
        cut = next((i for i in range(len(changes) - 1, -1, -1) if _visible(changes[i], shown)), -1)
        again = changes[cut + 1 :]
        for change in again:
            store.apply(*change)
        if len(changes) > 1:  # a guess between several events: re-read once quiet
            self.suspect = True
