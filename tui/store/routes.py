"""A namespace's routes kept equal to the kernel's through events (pure, no I/O).

Routes are grouped by what identifies a FIB entry to the kernel (family, table, prefix, tos,
metric, source prefix).  Events are applied with the kernel's own rules, read from
``fib_table_insert`` / ``fib6_add_rt2node`` and checked against real namespaces
(``tests/kernel/test_monitor.py``):

* IPv4 keeps several entries ("aliases") under one key: ``NLM_F_APPEND`` adds at the end,
  a create without it (``ip route prepend``) at the front, ``NLM_F_REPLACE`` replaces the
  first.  A delete names the exact entry.
* IPv6 keeps one entry per next hop and shows gateway entries of a key as one multipath
  route, hiding what lies between its first and last sibling: ``routes6`` follows the
  entries and renders what a dump would show.
* A single event applied twice changes nothing (what ``loader`` relies on for events
  that raced a dump datagram); a replayed *sequence* may not (replace-first, prepend).
* Next hop state the kernel changes without events (linkdown, dead) is not part of an
  entry's identity: a delete or add still finds the entry.

Per (family, table) the routes live in a dict keyed by their destination text (the route's
own string, so a key costs nothing), or by their whole identity when another key already
holds that destination (10.0.0.0/8 beside 10.0.0.0/16, two metrics of a default); a list only
when one key holds several entries.  A table's rows are one C level ``list(dict.values())``
away, and a million routes cost a dict slot each.  Insertion order is kept, so a fresh dump
lists in the kernel's order and later routes follow.

Another thread may copy a table (``snapshot``, under the store's gate) while the owner
applies events (``try_write``: never waiting; its events wait in their queue meanwhile).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from itertools import islice

from tui.model import AF_INET6, Route
from tui.store import routes6
from tui.store.identity import Ident, entry_ident, same_entry, same_entry_ident, uses_link
from tui.store.routes6 import Entry

Slot = str | Ident  # where a key's entries are kept in its table: the dst text, or the identity

NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800
SNAPSHOT_CHUNK = 1 << 16  # routes copied between two chances for other threads to run


class _Table:
    """One (family, table): keys holding one entry, and the few holding several."""

    __slots__ = ("aliased", "count", "entries6", "many", "one", "version")

    def __init__(self) -> None:
        self.one: dict[Slot, Route] = {}
        self.many: dict[Slot, list[Route]] = {}
        # Every destination text some key is kept under its identity for (a superset: never
        # shrinks), so that most lookups need not build an identity tuple.
        self.aliased: set[str] = set()
        # IPv6 keys whose entries a dump would not show one for one (routes6)
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
        self._gate = threading.Lock()  # held by a batch of changes, or a copy in a thread
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

    def snapshot(
        self,
        family: int,
        table: int | None = None,
        chunk: int = SNAPSHOT_CHUNK,
        out: list[Route] | None = None,
    ) -> tuple[int, list[Route]]:
        """From another thread: (version, the routes of one table, or with None of every
        table of ``family`` as ``routes`` lists them, added to ``out``) as they were at that
        version.  Waits for a batch of changes under way; the owner's next waits for it."""
        out = [] if out is None else out
        with self._gate:
            for (fam, number), t in list(self._tables.items()):
                if fam != family or table not in (None, number):
                    continue
                values, got = iter(t.one.values()), chunk
                while got == chunk:  # copied in C; between chunks the GIL may go to the
                    before = len(out)  # owner (not to write: the gate)
                    out.extend(islice(values, chunk))
                    got = len(out) - before
                for entries in t.many.values():
                    out.extend(entries)
            return self.version, out

    def try_write(self) -> bool:
        """Take the gate for a batch of changes, without waiting: False while another
        thread copies a table (the caller keeps its events for later).  ``end_write``
        gives it back.  Only the thread owning the store changes it."""
        return self._gate.acquire(blocking=False)

    def end_write(self) -> None:
        """A batch of changes is done: a waiting copy may start."""
        self._gate.release()

    def counts(self) -> dict[tuple[int, int], int]:
        """Routes per (family, table), without walking the routes."""
        return {k: t.count for k, t in self._tables.items() if t.count}

    def find(self, route: Route) -> list[Route]:
        """The entries under ``route``'s key (only its identity fields are looked at)."""
        t = self._tables.get((route.family, route.table))
        return self._group(t, self._slot(t, route)) if t is not None else []

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

    @staticmethod
    def _slot(t: _Table, route: Route, ident: Ident | None = None) -> Slot | None:
        """Where ``route``'s key is kept in ``t`` (None: the key has no entries)."""
        dst = route.dst
        single = t.one.get(dst)
        if single is not None:
            if same_entry_ident(single, route):
                return dst
        else:
            entries = t.many.get(dst)
            if entries is not None and same_entry_ident(entries[0], route):
                return dst
        if dst not in t.aliased:
            return None
        if ident is None:
            ident = entry_ident(route)
        return ident if ident in t.one or ident in t.many else None

    @staticmethod
    def _free_slot(t: _Table, route: Route) -> Slot:
        """Where a new key goes: its destination text unless another key holds that."""
        dst = route.dst
        if dst not in t.one and dst not in t.many:
            return dst
        t.aliased.add(dst)
        return entry_ident(route)

    @staticmethod
    def _claim(t: _Table, route: Route) -> bool:
        """Make ``route`` the only entry of its key, unless the key has entries already
        (False).  The hot path of loading a dump: a million new keys."""
        one, many, dst = t.one, t.many, route.dst
        single = one.get(dst)
        if single is None and dst not in many:
            if dst in t.aliased:
                ident = entry_ident(route)
                if ident in one or ident in many:
                    return False
            one[dst] = route
        else:
            holder = single if single is not None else many[dst][0]
            if same_entry_ident(holder, route):
                return False
            ident = entry_ident(route)
            if ident in one or ident in many:
                return False
            t.aliased.add(dst)
            one[ident] = route
        t.count += 1
        return True

    def _append(self, route: Route) -> None:
        """Add an entry at the end of its key's group (loading a dump)."""
        t = self._table(route)
        if self._claim(t, route):
            return
        slot = self._slot(t, route)
        assert slot is not None
        if slot in t.one:
            t.many[slot] = [t.one.pop(slot), route]
        else:
            t.many[slot].append(route)
        t.count += 1

    @staticmethod
    def _group(t: _Table, slot: Slot | None) -> list[Route]:
        """The entries of the key kept at ``slot``, in the kernel's order (a copy)."""
        if slot is None:
            return []
        single = t.one.get(slot)
        if single is not None:
            return [single]
        return list(t.many.get(slot, ()))

    def _put(self, t: _Table, slot: Slot | None, route: Route, group: list[Route]) -> None:
        """Make ``group`` the entries of ``route``'s key (kept at ``slot``; None: new)."""
        old = self._group(t, slot)
        t.count += len(group) - len(old)
        t.version += 1
        self.version += 1
        if slot is not None and len(group) == 1 and slot in t.one:
            t.one[slot] = group[0]  # same key, one entry: keeps its place in the order
            return
        if slot is not None:
            t.one.pop(slot, None)
            t.many.pop(slot, None)
        if not group:
            return
        if slot is None:
            slot = self._free_slot(t, route)
        if len(group) == 1:
            t.one[slot] = group[0]
        else:
            t.many[slot] = group

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
        if self._claim(t, route):  # the common case: a new key
            t.version += 1
            self.version += 1
            return True
        slot = self._slot(t, route)
        if route.family == AF_INET6:
            entries = self._entries6(t, slot, route)
            if flags & NLM_F_REPLACE:
                return self._set6(t, slot, route, routes6.replace_entry(entries, route))
            return self._set6(t, slot, route, routes6.add(entries, route))
        group = self._group(t, slot)
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
        self._put(t, slot, route, group)
        return True

    def _entries6(self, t: _Table, slot: Slot | None, route: Route) -> list[Entry]:
        """The IPv6 entries of ``route``'s key: remembered, or what the shown routes say."""
        known = t.entries6.get(entry_ident(route))
        if known is not None:
            return known
        return [e for shown in self._group(t, slot) for e in routes6.split(shown)]

    def _set6(
        self, t: _Table, slot: Slot | None, route: Route, entries: list[Entry] | None
    ) -> bool:
        """Make ``entries`` the IPv6 entries of ``route``'s key; False when nothing changed."""
        ident = entry_ident(route)
        if entries is None or entries == self._entries6(t, slot, route):
            return False
        shown = routes6.render(entries)
        if [e for r in shown for e in routes6.split(r)] == entries:
            t.entries6.pop(ident, None)  # the shown routes say it all
        else:
            t.entries6[ident] = entries
        self._put(t, slot, route, shown)
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
        if route.family != AF_INET6:  # the common case first: the only entry of its key
            single = t.one.get(route.dst)
            if single is not None and same_entry_ident(single, route) and same_entry(single, route):
                del t.one[route.dst]
                t.count -= 1
                t.version += 1
                self.version += 1
                return True
        slot = self._slot(t, route)
        if route.family == AF_INET6:
            entries = self._entries6(t, slot, route)
            return self._set6(t, slot, route, routes6.remove(entries, route))
        group = self._group(t, slot)
        for i, old in enumerate(group):
            if same_entry(old, route):
                del group[i]
                self._put(t, slot, route, group)
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
                gone = [slot for slot, r in t.one.items() if r.nhid is not None]
            else:
                gone = [
                    slot
                    for slot, r in t.one.items()
                    if r.oif == ifindex or (r.multipath and uses_link(r, ifindex))
                ]
            lost = len(gone)
            for slot in gone:
                t.entries6.pop(entry_ident(t.one.pop(slot)), None)
            for slot, entries in list(t.many.items()):
                keep = [r for r in entries if not hit(r)]
                if len(keep) != len(entries):
                    lost += len(entries) - len(keep)
                    for r in entries:
                        t.entries6.pop(entry_ident(r), None)
                    del t.many[slot]
                    if len(keep) == 1:
                        t.one[slot] = keep[0]
                    elif keep:
                        t.many[slot] = keep
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
