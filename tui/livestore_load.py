"""Loading a route store from a dump read on the event socket, events interleaved (pure).

The monitor dumps on the very socket that carries the events, so the two arrive in the
kernel's order; this module turns that order into an exact store (see ``DumpLoader``).
"""

from __future__ import annotations

from collections.abc import Iterable

from tui.livestore import RouteStore, _ident
from tui.livestore6 import Entry
from tui.model import Route

RACE_WINDOW = 64  # events this close before a dump datagram may have raced its making
_KeyState = tuple[list[Route], list[Entry] | None]  # a key's shown routes and IPv6 entries


class DumpLoader:
    """Builds a store from a dump read on the event socket, events interleaved in order.

    The kernel makes a dump datagram when the previous one is read and queues it behind the
    events queued meanwhile: those are in it, except the last few, which may have raced the
    making (the kernel dumps without locking out changes).  So events are applied at once
    (``event``), and the routes a dump shows for a key (``dumped``) replace whatever events
    built for it, unless the events built exactly that (they may know more, such as IPv6
    entries a dump hides); then the key's events of the last ``RACE_WINDOW`` positions are
    applied again: one event applied twice changes nothing.  Two or more such events for one
    key make the result ``suspect`` (the monitor re-reads once things are quiet).  A key's
    routes come one after another; a key the dump does not show is left to its events (those
    before the dump passed it end in its absence).
    """

    def __init__(self) -> None:
        self.store = RouteStore()
        self.suspect = False
        self._last: tuple[int, int, tuple[object, ...]] | None = None
        self._held: list[Route] = []  # the dumped routes of a key that events built too
        # events since the last datagram: position, the event, its key's state before it
        self._recent: list[tuple[int, tuple[bool, int, Route], _KeyState]] = []
        self._redo: list[tuple[int, int, tuple[object, ...]]] = []
        self._pos = 0

    def event(self, pos: int, new: bool, flags: int, route: Route) -> None:
        """An event read while the dump runs, at queue position ``pos``."""
        store = self.store
        t = store._table(route)
        h = hash(_ident(route))
        before = (store._group(t, h, route), t.entries6.get(_ident(route)))
        store.apply(new, flags, route)
        self._recent.append((pos, (new, flags, route), before))

    def dumped(self, pos: int, routes: Iterable[Route]) -> None:
        """The routes of the dump datagram at queue position ``pos``, in dump order."""
        store = self.store
        last = self._last
        held = self._held
        self._pos = pos
        touched = {(r.family, r.table, _ident(r)) for _, (_, _, r), _ in self._recent}
        for route in routes:
            ident = _ident(route)
            key = (route.family, route.table, ident)
            if key == last:
                if held:
                    held.append(route)
                else:
                    store._append(route, hash(ident))
                continue
            self._settle()
            last = key
            h = hash(ident)
            t = store._table(route)
            if h in t.one or h in t.many or key in touched:  # events built this key
                held.append(route)
            else:
                t.one[h] = route
                t.count += 1
        self._last = last
        self._settle()
        if self._redo:
            keys = set(self._redo)
            late = [c for p, c, _ in self._recent if p >= pos - RACE_WINDOW]
            again = [c for c in late if (c[2].family, c[2].table, _ident(c[2])) in keys]
            for new, flags, route in again:
                store.apply(new, flags, route)
            if len(again) > len({(c[2].family, c[2].table, _ident(c[2])) for c in again}):
                self.suspect = True
            self._redo.clear()
        self._recent.clear()

    def finish(self) -> RouteStore:
        """The store, once the dump has ended."""
        self._settle()
        self._last = None
        return self.store

    def _settle(self) -> None:
        """Make the held key what the dump showed, unless the events built just that."""
        if not self._held:
            return
        shown = list(self._held)
        self._held.clear()
        first = shown[0]
        store = self.store
        t = store._table(first)
        h = hash(_ident(first))
        ident = _ident(first)
        if store._group(t, h, first) == shown:
            return  # the events built what the dump shows
        key = (first.family, first.table, ident)
        mine = [
            (c, before)
            for p, c, before in self._recent
            if p >= self._pos - RACE_WINDOW and (c[2].family, c[2].table, _ident(c[2])) == key
        ]
        for i in range(len(mine) - 1, -1, -1):
            group, entries = mine[i][1]
            if group == shown:  # the dump was made just before this event: back to then
                if entries is None:
                    t.entries6.pop(ident, None)
                else:
                    t.entries6[ident] = entries
                store._put(t, h, first, group)
                for new, flags, route in (c for c, _ in mine[i:]):
                    store.apply(new, flags, route)
                return
        t.entries6.pop(ident, None)
        store._put(t, h, first, shown)
        self._redo.append(key)
