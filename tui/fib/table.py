"""The per-table prefix index, built once per state so that a lookup never scans a table.

A table becomes ``{prefix length: {masked network int: [routes]}}`` with the lengths sorted
longest first: a lookup masks the destination once per length present (at most 33 or 129, a
handful in practice) and does one dict probe each.  Routes sharing a prefix are kept in the
order the kernel tries them (``fib_trie.c``: ``fib_find_alias`` keeps each leaf's aliases by
table id descending in the merged local/main trie, then tos descending, then metric ascending;
IPv6 nodes keep their routes by metric), with dump order kept for ties as the kernel does.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator

from tui.fib.addr import MASKS
from tui.model import AF_INET, AF_INET6, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTM_F_CLONED, Route

Match = tuple[int, int, list[Route]]  # (prefix length, network int, routes in kernel order)
# A bucket holds the Route itself when it is alone under its prefix (almost always: a million
# one-element lists would cost ~70 MB), a list in kernel order when routes share the prefix.
Slot = Route | list[Route]


def _order4(route: Route) -> tuple[int, int]:
    return (-route.tos, route.priority or 0)


def _order4_merged(route: Route) -> tuple[int, int, int]:
    return (-route.table, -route.tos, route.priority or 0)


def _order6(route: Route) -> int:
    return route.priority or 0


class TableIndex:
    """One routing table of one family (or the merged local+main trie of IPv4)."""

    __slots__ = ("_multi", "by_len", "family", "lengths", "merged", "table")

    def __init__(self, family: int, table: int, merged: bool = False) -> None:
        self.family = family
        self.table = table
        self.merged = merged
        self.by_len: dict[int, dict[int, Slot]] = {}
        self.lengths: tuple[tuple[int, int, dict[int, Slot]], ...] = ()
        self._multi: list[list[Route]] = []

    def add(self, route: Route, net: int) -> None:
        """Insert a route whose masked destination is ``net`` (call ``finish`` afterwards)."""
        bucket = self.by_len.get(route.dst_len)
        if bucket is None:
            bucket = self.by_len[route.dst_len] = {}
        slot = bucket.get(net)
        if slot is None:
            bucket[net] = route
        elif isinstance(slot, Route):
            bucket[net] = pair = [slot, route]
            self._multi.append(pair)
        else:
            slot.append(route)

    def finish(self) -> None:
        """Sort shared prefixes into kernel order and freeze the probe order (longest first)."""
        key: Callable[[Route], tuple[int, ...] | int] = (
            _order6 if self.family == AF_INET6 else _order4_merged if self.merged else _order4
        )
        for routes in self._multi:
            routes.sort(key=key)  # stable: dump order breaks ties, as in the kernel's lists
        self._multi = []
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
        slot = self.by_len.get(plen, {}).get(net)
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
    The loop is inlined: it runs a million times for a big table.
    """
    tables: dict[tuple[int, int], TableIndex] = {}
    merged = TableIndex(AF_INET, RT_TABLE_MAIN, merged=True) if merge_local_main else None
    if merged is not None:
        tables[(AF_INET, RT_TABLE_MAIN)] = merged
    pton = socket.inet_pton
    af4, af6 = socket.AF_INET, socket.AF_INET6
    frombytes = int.from_bytes
    mask4, mask6 = MASKS[AF_INET], MASKS[AF_INET6]
    cloned = RTM_F_CLONED
    last_key: tuple[int, int] | None = None
    by_len: dict[int, dict[int, Slot]] = {}
    index = merged  # rebound on the first route
    local_key = (AF_INET, RT_TABLE_LOCAL)
    for route in routes:
        if route.flags & cloned:
            continue
        family = route.family
        key = (family, route.table)
        if key != last_key:  # dumps come table by table: look the table up once per run
            found = tables.get(key)
            if found is None:
                if family != AF_INET and family != AF_INET6:
                    continue
                found = tables[key] = TableIndex(family, route.table)
            index, by_len, last_key = found, found.by_len, key
        assert index is not None
        plen = route.dst_len
        if plen == 0:
            net = 0
        elif family == AF_INET:
            net = frombytes(pton(af4, route.dst), "big") & mask4[plen]
        else:
            net = frombytes(pton(af6, route.dst), "big") & mask6[plen]
        bucket = by_len.get(plen)
        if bucket is None:
            bucket = by_len[plen] = {}
        same = bucket.get(net)
        if same is None:
            bucket[net] = route
        elif isinstance(same, list):
            same.append(route)
        else:
            pair = [same, route]
            bucket[net] = pair
            index._multi.append(pair)
        if merged is not None and key == local_key:
            merged.add(route, net)
    for index in tables.values():
        index.finish()
    return tables
