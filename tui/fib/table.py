"""The per-table prefix index, built once per state so that a lookup never scans a table.

A table becomes ``{prefix length: bucket}`` with the lengths sorted longest first: a lookup
masks the destination once per length present (at most 33 or 129, a handful in practice) and
probes one bucket each.  Routes sharing a prefix are kept in the order the kernel tries them
(``fib_trie.c``: ``fib_find_alias`` keeps each leaf's aliases by table id descending in the
merged local/main trie, then tos descending, then metric ascending; IPv6 nodes keep their
routes by metric), with dump order kept for ties as the kernel does.

A bucket is a dict of network ints when small, a ``SortedBucket`` when big: a million /24s
cost 12 MB as a sorted array and a list, against ~75 MB (int keys and dict slots) as a dict,
and a kernel dump hands each prefix length's networks over in ascending order, so the array is
filled by appending.  A bucket holds the Route itself when it is alone under its prefix
(almost always: a million one-element lists would cost ~70 MB more), a list in kernel order
when routes share the prefix.
"""

from __future__ import annotations

import socket
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from tui.fib.addr import MASKS
from tui.model import AF_INET, AF_INET6, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTM_F_CLONED, Route

Match = tuple[int, int, list[Route]]  # (prefix length, network int, routes in kernel order)
Slot = Route | list[Route]
# Below this many networks a prefix length's bucket is a dict: a probe is one hash lookup
# instead of a bisect, and the memory does not matter.
SORTED_MIN = 4096


class SortedBucket:
    """The networks of one prefix length as a sorted array of ints (IPv4, or the upper 64 bits
    of an IPv6 prefix up to /64) with their slots in a parallel list; networks that arrived
    out of order (added after the dump) or do not fit the array go to a small dict."""

    __slots__ = ("extra", "keys", "shift", "slots")

    def __init__(self, family: int, plen: int) -> None:
        self.shift = 0 if family == AF_INET else 64
        self.keys: array[int] | None = (
            array("I") if family == AF_INET else array("Q") if plen <= 64 else None
        )
        self.slots: list[Slot] = []
        self.extra: dict[int, Slot] = {}

    def add(self, net: int, route: Route) -> list[Route] | None:
        """Insert ``route`` under ``net``; returns the list when the network now holds two
        routes (the caller sorts it into kernel order once everything is in)."""
        keys = self.keys
        if keys is not None:
            key = net >> self.shift
            if not keys or key > keys[-1]:
                keys.append(key)
                self.slots.append(route)
                return None
            at = bisect_left(keys, key)
            if keys[at] == key:
                return _join(self.slots, at, route)
        slot = self.extra.get(net)
        if slot is None:
            self.extra[net] = route
            return None
        return _join(self.extra, net, route)

    def get(self, net: int) -> Slot | None:
        """The slot of ``net``, None when no route has exactly that network."""
        keys = self.keys
        if keys is not None:
            key = net >> self.shift
            at = bisect_left(keys, key)
            if at < len(keys) and keys[at] == key:
                return self.slots[at]
        return self.extra.get(net)

    def values(self) -> Iterator[Slot]:
        """Every slot (any order)."""
        yield from self.slots
        yield from self.extra.values()

    def compact(self) -> SortedBucket | dict[int, Slot]:
        """The bucket to probe: itself when big, a plain dict when small."""
        if len(self.slots) >= SORTED_MIN:
            return self
        table = {
            key << self.shift: slot for key, slot in zip(self.keys or (), self.slots, strict=True)
        }
        table.update(self.extra)
        return table


def _join(slots: list[Slot] | dict[int, Slot], at: int, route: Route) -> list[Route] | None:
    """Add ``route`` to the occupied slot ``slots[at]``; returns a newly made pair."""
    slot = slots[at]
    if isinstance(slot, list):
        slot.append(route)
        return None
    slots[at] = pair = [slot, route]
    return pair


Bucket = SortedBucket | dict[int, Slot]


def _order4(route: Route) -> tuple[int, int]:
    return (-route.tos, route.priority or 0)


def _order4_merged(route: Route) -> tuple[int, int, int]:
    return (-route.table, -route.tos, route.priority or 0)


def _order6(route: Route) -> int:
    return route.priority or 0


class TableIndex:
    """One routing table of one family (or the merged local+main trie of IPv4)."""

    __slots__ = ("_building", "_multi", "by_len", "family", "lengths", "merged", "table")

    def __init__(self, family: int, table: int, merged: bool = False) -> None:
        self.family = family
        self.table = table
        self.merged = merged
        self.by_len: dict[int, Bucket] = {}
        self.lengths: tuple[tuple[int, int, Bucket], ...] = ()
        self._building: dict[int, SortedBucket] = {}
        self._multi: list[list[Route]] = []

    def add(self, route: Route, net: int) -> None:
        """Insert a route whose masked destination is ``net`` (call ``finish`` afterwards)."""
        bucket = self._building.get(route.dst_len)
        if bucket is None:
            bucket = self._building[route.dst_len] = SortedBucket(self.family, route.dst_len)
        pair = bucket.add(net, route)
        if pair is not None:
            self._multi.append(pair)

    def finish(self) -> None:
        """Sort shared prefixes into kernel order and freeze the probe order (longest first)."""
        key: Callable[[Route], tuple[int, ...] | int] = (
            _order6 if self.family == AF_INET6 else _order4_merged if self.merged else _order4
        )
        for routes in self._multi:
            routes.sort(key=key)  # stable: dump order breaks ties, as in the kernel's lists
        self._multi = []
        for plen, bucket in self._building.items():
            self.by_len[plen] = bucket.compact()
        self._building = {}
        masks = MASKS[self.family]
        self.lengths = tuple(
            (plen, masks[plen], self.by_len[plen]) for plen in sorted(self.by_len, reverse=True)
        )

    def iter_matches(self, dst: int) -> Iterator[Match]:
        """Every prefix of the table that contains ``dst``, longest first."""
        for plen, mask, bucket in self.lengths:
            slot = bucket.get(dst & mask)
            if slot is not None:
                yield plen, dst & mask, [slot] if isinstance(slot, Route) else slot

    def at(self, plen: int, net: int) -> list[Route]:
        """The routes of exactly ``net/plen``, in kernel order."""
        bucket = self.by_len.get(plen)
        slot = bucket.get(net) if bucket is not None else None
        if slot is None:
            return []
        return [slot] if isinstance(slot, Route) else slot

    def matches(self, dst: int) -> list[Match]:
        """All matching prefixes at once (for explanations)."""
        return list(self.iter_matches(dst))

    def routes(self) -> Iterator[Route]:
        """Every route of the index (any order)."""
        for bucket in self.by_len.values():
            for slot in bucket.values():
                if isinstance(slot, Route):
                    yield slot
                else:
                    yield from slot


def build_indexes(
    routes: Iterable[Route], merge_local_main: bool
) -> dict[tuple[int, int], TableIndex]:
    """Index every FIB route (cached clones skipped) by (family, table).

    With ``merge_local_main`` (no policy rule was ever added) IPv4 main is the merged
    local+main trie the kernel then searches; local is also kept alone (``__ip_dev_find``).
    """
    tables: dict[tuple[int, int], TableIndex] = {}
    merged = TableIndex(AF_INET, RT_TABLE_MAIN, merged=True) if merge_local_main else None
    if merged is not None:
        tables[(AF_INET, RT_TABLE_MAIN)] = merged
    pton = socket.inet_pton
    af4, af6 = socket.AF_INET, socket.AF_INET6
    frombytes = int.from_bytes
    mask4, mask6 = MASKS[AF_INET], MASKS[AF_INET6]
    last_key: tuple[int, int] | None = None
    index: TableIndex | None = None
    local_key = (AF_INET, RT_TABLE_LOCAL)
    for route in routes:
        if route.flags & RTM_F_CLONED:
            continue
        family = route.family
        key = (family, route.table)
        if key != last_key:  # dumps come table by table: look the table up once per run
            index = tables.get(key)
            if index is None:
                if family != AF_INET and family != AF_INET6:
                    continue
                index = tables[key] = TableIndex(family, route.table)
            last_key = key
        assert index is not None
        plen = route.dst_len
        if plen == 0:
            net = 0
        elif family == AF_INET:
            net = frombytes(pton(af4, route.dst), "big") & mask4[plen]
        else:
            net = frombytes(pton(af6, route.dst), "big") & mask6[plen]
        index.add(route, net)
        if merged is not None and key == local_key:
            merged.add(route, net)
    for index in tables.values():
        index.finish()
    return tables
