"""A namespace's routes kept equal to the kernel's through events (pure, no I/O).

Routes are grouped by what identifies a FIB entry to the kernel (family, table, prefix, tos,
metric, source prefix).  Events are applied with the kernel's own rules, read from
``fib_table_insert`` / ``fib6_add_rt2node`` and checked against real namespaces
(``tests/kernel/test_monitor.py``):

* IPv4 keeps several entries ("aliases") under one key: ``NLM_F_APPEND`` adds at the end,
  a create without it (``ip route prepend``) at the front, ``NLM_F_REPLACE`` replaces the
  first.  A delete names the exact entry.
* IPv6 keeps one entry per next hop and shows gateway entries of a key as one multipath
  route, hiding what lies between its first and last sibling: ``livestore6`` follows the
  entries and renders what a dump would show.
* A single event applied twice changes nothing (what ``livestore_load`` relies on for events
  that raced a dump datagram); a replayed *sequence* may not (replace-first, prepend).
* Next hop state the kernel changes without events (linkdown, dead) is not part of an
  entry's identity: a delete or add still finds the entry.

Per (family, table) the routes live in a dict keyed by the *hash* of their identity (a list
only when one key holds several entries or two keys share a hash): a table's rows are one C
level ``list(dict.values())`` away, and a million routes cost an int and a dict slot each.
Insertion order is kept, so a fresh dump lists in the kernel's order and later routes follow.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui import livestore6
from tui.livestore6 import Entry
from tui.model import AF_INET6, RTNH_F_DEAD, RTNH_F_LINKDOWN, Route

Key = tuple[int, int, str, int, int, int | None, str | None, int]

NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800
# Next hop state the kernel changes without a route event (carrier, device down).
VOLATILE = RTNH_F_DEAD | RTNH_F_LINKDOWN


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


def _ident(route: Route) -> tuple[str, int, int, int | None, str | None, int]:
    """The identity within one (family, table): what the slot hash is taken of."""
    return (route.dst, route.dst_len, route.tos, route.priority, route.src, route.src_len)


def _hops(route: Route) -> list[tuple[str | None, int | None, int]]:
    """Next hops without their volatile state: (gateway, oif, weight)."""
    if route.multipath:
        return [(nh.gateway, nh.oif, nh.weight) for nh in route.multipath]
    return [(route.gateway, route.oif, 1)]


def same_entry(a: Route, b: Route) -> bool:
    """The same FIB entry, perhaps in another next hop state (linkdown, dead)."""
    if a == b:
        return True
    return (
        a.type == b.type
        and a.gateway == b.gateway
        and a.oif == b.oif
        and (a.flags & ~VOLATILE) == (b.flags & ~VOLATILE)
        and a.protocol == b.protocol
        and a.scope == b.scope
        and a.prefsrc == b.prefsrc
        and a.nhid == b.nhid
        and a.metrics == b.metrics
        and len(a.multipath) == len(b.multipath)
        and _hops(a) == _hops(b)
    )


def uses_link(route: Route, ifindex: int) -> bool:
    """True when a next hop of ``route`` goes out through ``ifindex``."""
    return route.oif == ifindex or any(nh.oif == ifindex for nh in route.multipath)


class _Table:
    """One (family, table): single entries by slot hash, and the few shared slots."""

    __slots__ = ("count", "entries6", "many", "one", "version")

    def __init__(self) -> None:
        self.one: dict[int, Route] = {}
        self.many: dict[int, list[Route]] = {}
        # IPv6 keys whose entries a dump would not show one for one (livestore6)
        self.entries6: dict[tuple[object, ...], list[Entry]] = {}
        self.count = 0
        self.version = 0

    def routes(self) -> list[Route]:
        out = list(self.one.values())
        for entries in self.many.values():
            out.extend(entries)
        return out


class RouteStore:
    """Routes under their identity; ``version`` grows with every change."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._tables: dict[tuple[int, int], _Table] = {}
        self.version = 0
        for route in routes:
            self._append(route)

    def __len__(self) -> int:
        return sum(t.count for t in self._tables.values())

    # ----- reading ------------------------------------------------------------------------
    def routes(self, family: int | None = None) -> list[Route]:
        """Every route (of ``family``), table by table, in the order they were learnt."""
        out: list[Route] = []
        for (fam, _), table in self._tables.items():
            if family is None or fam == family:
                out.extend(table.routes())
        return out

    def table_routes(self, family: int, table: int) -> list[Route]:
        """The routes of one table: a fresh list, cheap even at a million (copied in C)."""
        t = self._tables.get((family, table))
        return t.routes() if t is not None else []

    def counts(self) -> dict[tuple[int, int], int]:
        """Routes per (family, table), without walking the routes."""
        return {k: t.count for k, t in self._tables.items() if t.count}

    def find(self, route: Route) -> list[Route]:
        """The entries under ``route``'s key (only its identity fields are looked at)."""
        t = self._tables.get((route.family, route.table))
        return self._group(t, hash(_ident(route)), route) if t is not None else []

    def table_version(self, family: int, table: int) -> int:
        """Grows whenever that table changes (0 for a table never seen)."""
        t = self._tables.get((family, table))
        return t.version if t is not None else 0

    # ----- slots --------------------------------------------------------------------------
    def _table(self, route: Route) -> _Table:
        key = (route.family, route.table)
        t = self._tables.get(key)
        if t is None:
            t = self._tables[key] = _Table()
        return t

    def _append(self, route: Route, h: int | None = None) -> None:
        """Add an entry at the end of its key's group (loading a dump)."""
        t = self._table(route)
        if h is None:
            h = hash(_ident(route))
        if h in t.one:
            t.many[h] = [t.one.pop(h), route]
        elif h in t.many:
            t.many[h].append(route)
        else:
            t.one[h] = route
        t.count += 1

    def _group(self, t: _Table, h: int, route: Route) -> list[Route]:
        """The entries of ``route``'s key, in the kernel's order (a copy)."""
        single = t.one.get(h)
        if single is not None:
            return [single] if _ident(single) == _ident(route) else []
        entries = t.many.get(h)
        if entries is None:
            return []
        ident = _ident(route)
        return [r for r in entries if _ident(r) == ident]

    def _put(self, t: _Table, h: int, route: Route, group: list[Route]) -> None:
        """Make ``group`` the entries of ``route``'s key."""
        single = t.one.get(h)
        if single is not None and _ident(single) == _ident(route) and len(group) == 1:
            t.one[h] = group[0]  # same key, one entry: keeps its place in the order
            t.version += 1
            self.version += 1
            return
        ident = _ident(route)
        old = [single] if single is not None else t.many.get(h, [])
        others = [r for r in old if _ident(r) != ident]
        merged = others + group
        t.count += len(merged) - len(old)
        t.one.pop(h, None)
        t.many.pop(h, None)
        if len(merged) == 1:
            t.one[h] = merged[0]
        elif merged:
            t.many[h] = merged
        t.version += 1
        self.version += 1

    # ----- events -------------------------------------------------------------------------
    def apply(self, new: bool, flags: int, route: Route) -> bool:
        """Apply one RTM_NEWROUTE (``new``) or RTM_DELROUTE with its nlmsg flags; returns
        True when the store changed."""
        return self._add(route, flags) if new else self.remove(route)

    def add(self, route: Route, replace: bool = False) -> bool:
        """``ip route replace`` (``replace``) or ``ip route append``."""
        return self._add(route, NLM_F_REPLACE if replace else NLM_F_CREATE | NLM_F_APPEND)

    def _add(self, route: Route, flags: int) -> bool:
        t = self._table(route)
        h = hash(_ident(route))
        if h not in t.one and h not in t.many:  # the common case: a new key
            t.one[h] = route
            t.count += 1
            t.version += 1
            self.version += 1
            return True
        if route.family == AF_INET6:
            entries = self._entries6(t, h, route)
            if flags & NLM_F_REPLACE:
                return self._set6(t, h, route, livestore6.replace_entry(entries, route))
            return self._set6(t, h, route, livestore6.add(entries, route))
        group = self._group(t, h, route)
        if not group:
            group = [route]
        elif flags & NLM_F_REPLACE:
            if not self._replace(group, route):
                return False
        else:
            for i, old in enumerate(group):
                if same_entry(old, route):
                    if old == route:
                        return False  # already there (a replayed event)
                    group[i] = route  # the same entry in a newer next hop state
                    break
            else:
                if flags & NLM_F_APPEND:
                    group.append(route)
                else:
                    group.insert(0, route)  # a create without append: ip route prepend
        self._put(t, h, route, group)
        return True

    def _entries6(self, t: _Table, h: int, route: Route) -> list[Entry]:
        """The IPv6 entries of ``route``'s key: remembered, or what the shown routes say."""
        known = t.entries6.get(_ident(route))
        if known is not None:
            return known
        return [e for shown in self._group(t, h, route) for e in livestore6.split(shown)]

    def _set6(self, t: _Table, h: int, route: Route, entries: list[Entry] | None) -> bool:
        """Make ``entries`` the IPv6 entries of ``route``'s key; False when nothing changed."""
        ident = _ident(route)
        if entries is None or entries == self._entries6(t, h, route):
            return False
        shown = livestore6.render(entries)
        if [e for r in shown for e in livestore6.split(r)] == entries:
            t.entries6.pop(ident, None)  # the shown routes say it all
        else:
            t.entries6[ident] = entries
        self._put(t, h, route, shown)
        return True

    @staticmethod
    def _replace(group: list[Route], route: Route) -> bool:
        """NLM_F_REPLACE (IPv4): the first entry is replaced; the kernel sends nothing when
        an identical one exists, so that is a replayed event."""
        if any(old == route for old in group):
            return False
        group[0] = route
        return True

    def remove(self, route: Route) -> bool:
        """Apply RTM_DELROUTE; returns True when an entry (or IPv6 sibling) was removed.

        An event for an entry that is not there (already gone in a dump) changes nothing.
        """
        t = self._tables.get((route.family, route.table))
        if t is None:
            return False
        h = hash(_ident(route))
        if route.family == AF_INET6:
            entries = self._entries6(t, h, route)
            return self._set6(t, h, route, livestore6.remove(entries, route))
        group = self._group(t, h, route)
        for i, old in enumerate(group):
            if same_entry(old, route):
                del group[i]
                self._put(t, h, route, group)
                return True
        return False

    def refresh(
        self, ifindex: int | None, routes: Iterable[Route], family: int | None = None
    ) -> int:
        """Make the routes through ``ifindex`` (None: the routes using nexthop objects; with
        ``family``, of that family only) exactly ``routes``, as a targeted dump found them;
        returns how many entries changed.  O(N): the kernel's silent changes are rare."""

        def hit(r: Route) -> bool:
            return r.nhid is not None if ifindex is None else uses_link(r, ifindex)

        removed = 0
        for (fam, _), t in self._tables.items():
            if family is not None and fam != family:
                continue
            if ifindex is None:
                gone = [h for h, r in t.one.items() if r.nhid is not None]
            else:
                gone = [
                    h
                    for h, r in t.one.items()
                    if r.oif == ifindex or (r.multipath and uses_link(r, ifindex))
                ]
            lost = len(gone)
            for h in gone:
                t.entries6.pop(_ident(t.one.pop(h)), None)
            for h, entries in list(t.many.items()):
                keep = [r for r in entries if not hit(r)]
                if len(keep) != len(entries):
                    lost += len(entries) - len(keep)
                    for r in entries:
                        t.entries6.pop(_ident(r), None)
                    del t.many[h]
                    if len(keep) == 1:
                        t.one[h] = keep[0]
                    elif keep:
                        t.many[h] = keep
            if lost:
                t.count -= lost
                t.version += 1
                removed += lost
        added = 0
        for route in routes:
            self._append(route)
            self._table(route).version += 1
            added += 1
        if removed or added:
            self.version += 1
        return removed + added
