"""A first load's dump shown before it is indexed: its datagrams kept as the kernel sent them.

Decoding a million route messages into ``Route`` objects and indexing them takes seconds of
the one interpreter lock; the screen needs thirty rows.  So while nothing races the first
load's dump (no event read in between), its datagrams are kept raw (``DumpStash``): a
datagram whose messages are all route messages of one length, family, table, type and flags
(nearly all of a big table's, told apart by a few byte lanes compared in C) is kept whole and
decoded a message at a time when a row is drawn (``LazyRoutes``); any other one is decoded at
once.  When the dump ends, ``DumpRoutes`` offers the rows in the kernel's order (the store's
too, except that it lists a key holding several entries after the others), and then the
very same datagrams go through the loader, in the same order, as if they had just been read:
the store is the one an immediate decode would have built.  The first event read while the
dump runs ends the stash the same way, at that point.
"""

from __future__ import annotations

import mmap
import sys
import threading
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import overload

from tui.formats.route_n import NOT_LISTED_TYPES, route_n_routes
from tui.kernel.netlink.const import NLMSGHDR_LEN, RTM_NEWROUTE
from tui.kernel.netlink.route_codec import collect_routes, decode_route
from tui.model import AF_INET, AF_INET6, RT_TABLE_MAIN, RTM_F_CLONED, Route
from tui.store.loader import DumpLoader

_ORDER = sys.byteorder  # netlink headers are in the host's order
RT_TABLE_COMPAT = 252  # rtm_table of a table id over 255: the id is in RTA_TABLE only
ARENA_BYTES = 4 << 20  # datagrams are kept in anonymous maps this big (``DumpStash``)
UNINDEXED_ROUTES = 100_000  # a first load this big is shown before it is indexed
SMALL_FAMILY = 100_000  # a family's rows made of all its routes (IPv6 route -n) up to this
_SAME_FIELDS = (
    (0, 4),  # nlmsg_len
    (4, 2),  # nlmsg_type
    (8, 4),  # nlmsg_seq
    (16, 1),  # rtm_family
    (20, 1),  # rtm_table
    (23, 1),  # rtm_type
    (24, 4),  # rtm_flags
)


Raw = bytes | memoryview  # a datagram kept (in an anonymous map: ``DumpStash``)


class RawRun:
    """``messages`` route messages of ``length`` bytes, one after the other from offset 0 of
    ``data``, sharing family, table, type and flags.  Once the loader has decoded them, their
    ``routes`` (the store's very objects) replace ``data``, which is let go: the raw bytes of
    a million routes (60 MB) are not held beside them while the rest is indexed."""

    __slots__ = ("data", "family", "flags", "length", "messages", "routes", "table", "type")

    def __init__(self, data: Raw, length: int, family: int, table: int, rtype: int, flags: int):
        self.data: Raw | None = data
        self.length = length
        self.messages = len(data) // length
        self.family = family
        self.table = table
        self.type = rtype
        self.flags = flags
        self.routes: list[Route] | None = None

    def route(self, i: int) -> Route:
        """The ``i``-th route (any thread: ``data`` is read before ``routes``, and the loader
        sets ``routes`` before it lets ``data`` go)."""
        data, routes = self.data, self.routes
        if routes is not None:
            return routes[i]
        assert data is not None
        return decode_route(data, i * self.length, self.length)

    def decoded(self, routes: list[Route]) -> None:
        """The loader has decoded the run into ``routes``."""
        self.routes = routes
        self.data = None


Part = RawRun | list[Route]


def raw_run(data: Raw, seq: int) -> RawRun | None:
    """The datagram as a run of same-shaped route messages of ``seq``, or None (decode it)."""
    n = len(data)
    if n < NLMSGHDR_LEN + 12:
        return None
    length = int.from_bytes(data[:4], _ORDER)
    if length < NLMSGHDR_LEN + 12 or length % 4 or n % length:
        return None
    count = n // length
    for offset, size in _SAME_FIELDS:
        for at in range(offset, offset + size):
            lane = bytes(data[at::length])
            if lane.count(lane[0]) != count:
                return None
    head = memoryview(data)
    mtype = int.from_bytes(head[4:6], _ORDER)
    if mtype != RTM_NEWROUTE or int.from_bytes(head[8:12], _ORDER) != seq:
        return None
    family, table, rtype = data[16], data[20], data[23]
    if table == RT_TABLE_COMPAT or family not in (AF_INET, AF_INET6):
        return None
    return RawRun(data, length, family, table, rtype, int.from_bytes(head[24:28], _ORDER))


class LazyRoutes(Sequence[Route]):
    """Routes in dump order, a raw run's decoded only when asked for (a row being drawn)."""

    def __init__(self, parts: list[Part]) -> None:
        self._parts = parts
        sizes = [p.messages if isinstance(p, RawRun) else len(p) for p in parts]
        self._starts = [0, *accumulate(sizes)]

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, index: int) -> Route: ...
    @overload
    def __getitem__(self, index: slice) -> list[Route]: ...
    def __getitem__(self, index: int | slice) -> Route | list[Route]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("route index out of range")
        at = bisect_right(self._starts, index) - 1
        part, i = self._parts[at], index - self._starts[at]
        return part.route(i) if isinstance(part, RawRun) else part[i]

    def __iter__(self) -> Iterator[Route]:
        for part in self._parts:
            if isinstance(part, RawRun):
                yield from map(part.route, range(part.messages))
            else:
                yield from part


def _listed(run: RawRun) -> bool:
    """Whether route -n (IPv4) lists the routes of ``run`` (``route_n_routes``' test)."""
    return (
        run.family == AF_INET
        and run.table == RT_TABLE_MAIN
        and run.type not in NOT_LISTED_TYPES
        and not run.flags & RTM_F_CLONED
    )


class DumpRoutes:
    """The routes of a first load's dump, in its order, before any index exists (read-only:
    what ``tui.source.events.Unindexed`` hands the app)."""

    def __init__(self, parts: list[Part]) -> None:
        self._parts = parts

    def counts(self) -> dict[tuple[int, int], int]:
        """Routes per (family, table), as the store will count them."""
        out: Counter[tuple[int, int]] = Counter()
        for part in self._parts:
            if isinstance(part, RawRun):
                out[part.family, part.table] += part.messages
            else:
                out.update((r.family, r.table) for r in part)
        return dict(out)

    def rows(
        self, family: int, table: int | None, route_n: bool, lo: int
    ) -> Sequence[Route] | None:
        """The routes of ``family`` and ``table`` (None: every table) in the kernel's order;
        with ``route_n`` what route -n lists of them (``current_routes``).  None: only the
        indexed store can tell (IPv6 route -n of a big family: its next hops are split)."""
        parts = self._parts_of(family, table)
        if route_n and family == AF_INET6:
            whole = LazyRoutes(parts)
            if len(whole) > SMALL_FAMILY:
                return None
            return route_n_routes(list(whole), family, lo)
        if route_n:
            parts = [
                p if isinstance(p, RawRun) else route_n_routes(p, family, lo)
                for p in parts
                if not isinstance(p, RawRun) or _listed(p)
            ]
        return LazyRoutes(parts)

    def _parts_of(self, family: int, table: int | None) -> list[Part]:
        """The parts holding the routes of ``family`` and ``table`` (raw runs kept raw)."""
        out: list[Part] = []
        for part in self._parts:
            if isinstance(part, RawRun):
                if part.family == family and table in (None, part.table):
                    out.append(part)
                continue
            mine = [r for r in part if r.family == family and table in (None, r.table)]
            if mine:
                out.append(mine)
        return out


class DumpStash:
    """A first load's datagrams, kept until the dump ends or an event comes between.

    They are copied into anonymous maps of ``ARENA_BYTES`` (``mmap``): a map is given back to
    the system once the loader has decoded every run in it, where 60 MB of datagrams freed
    from the heap would have stayed in the process beside the store (+30 MB at its peak)."""

    def __init__(self) -> None:
        # (queue position, sequence number, raw run or the routes decoded at once)
        self._kept: list[tuple[int, int, Part]] = []
        self.routes = 0
        self._arena: mmap.mmap | None = None
        self._used = 0

    def _copy(self, buf: bytearray, n: int) -> memoryview:
        """``buf[:n]`` copied into the current map (a new one when it is full)."""
        if self._arena is None or self._used + n > len(self._arena):
            self._arena, self._used = mmap.mmap(-1, max(ARENA_BYTES, n)), 0
        at = self._used
        self._arena[at : at + n] = memoryview(buf)[:n]
        self._used = at + n
        return memoryview(self._arena)[at : at + n]

    def take(self, buf: bytearray, n: int, pos: int, seq: int) -> bool:
        """Keep the dump datagram ``buf[:n]`` read at ``pos``; True when it ends the dump
        (``collect_routes``' errors are raised as when decoding at once)."""
        data = self._copy(buf, n)
        run = raw_run(data, seq)
        if run is not None:
            self._kept.append((pos, seq, run))
            self.routes += run.messages
            return False
        routes: list[Route] = []
        done, _ = collect_routes(data, n, seq, routes)
        self._kept.append((pos, seq, routes))
        self.routes += len(routes)
        return done

    def worth_showing(self) -> bool:
        """Whether indexing the routes kept takes long enough to show them first."""
        return self.routes >= UNINDEXED_ROUTES

    def look(self) -> DumpRoutes:
        """The routes kept so far, to show before they are indexed."""
        return DumpRoutes([part for _, _, part in self._kept])

    def replay(self, loader: DumpLoader, stop: threading.Event | None = None) -> bool:
        """Hand every kept datagram to ``loader`` in order, as reading them would have; False
        when ``stop`` was set meanwhile (the rest is dropped: nobody waits for the store)."""
        kept, self._kept = self._kept, []
        self._arena = None  # each map goes once its runs are decoded
        for pos, seq, part in kept:
            if stop is not None and stop.is_set():
                return False
            if isinstance(part, RawRun):
                assert part.data is not None
                routes: list[Route] = []
                collect_routes(part.data, len(part.data), seq, routes)
                loader.dumped(pos, routes)
                part.decoded(routes)
            else:
                loader.dumped(pos, part)
        return True
