"""The rows a route view shows: one table's routes, filtered and sorted, formatted on demand.

Pure (no Textual): the widget asks for ``row_count`` and ``line(i)`` of the visible rows only,
so a million routes cost one index array, not a million rendered lines.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, eq, methodcaller, or_, truth

from tui.model import Route

SORT_KEYS = ("kernel", "destination", "gateway", "metric", "device")
CHUNK_ROWS = 65536  # a filter searches this many rows between looks at the clock
PARTIAL_SECONDS = 0.15  # a filter still searching shows what it found this often
SCREENFUL = 100  # ... and as soon as it found this many


@dataclass(frozen=True, slots=True)
class RouteFilter:
    """What ``/`` typed, classified: a prefix, an address, a device, or plain text."""

    text: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None

    @classmethod
    def parse(cls, text: str) -> RouteFilter:
        """Classify the filter text the way a network engineer means it."""
        text = text.strip()
        if "/" in text:
            try:
                return cls(text, network=ipaddress.ip_network(text, strict=False))
            except ValueError:
                pass
        try:
            return cls(text, address=ipaddress.ip_address(text))
        except ValueError:
            return cls(text)

    def describe(self) -> str:
        """How the status line names the filter."""
        if self.network is not None:
            return f"within {self.network}"
        if self.address is not None:
            return f"contains or via {self.address}"
        return f"“{self.text}”"


def _int(family: int, text: str) -> int:
    return int.from_bytes(socket.inet_pton(family, text), "big")


def prefix_predicate(flt: RouteFilter) -> Callable[[Route], bool] | None:
    """A fast test for prefix and address filters (integer arithmetic, no ipaddress objects):
    a prefix keeps the routes inside it, an address the routes containing it or via it."""
    target = flt.network if flt.network is not None else flt.address
    if target is None:
        return None
    family = socket.AF_INET if target.version == 4 else socket.AF_INET6
    bits = 32 if family == socket.AF_INET else 128
    if flt.network is not None:
        net, plen = int(flt.network.network_address), flt.network.prefixlen
        shift = bits - plen

        def inside(route: Route) -> bool:
            return (
                route.family == family
                and route.dst_len >= plen
                and _int(family, route.dst) >> shift == net >> shift
            )

        return inside
    addr, text = int(flt.address), str(flt.address)  # type: ignore[arg-type]

    def contains(route: Route) -> bool:
        if route.family != family:
            return False
        if route.gateway == text or any(nh.gateway == text for nh in route.multipath):
            return True
        shift = bits - route.dst_len
        return _int(family, route.dst) >> shift == addr >> shift

    return contains


def candidates(flt: RouteFilter, routes: Sequence[Route], rows: range) -> Iterator[int]:
    """The rows that may pass a prefix or address filter, found in C so that a million rows
    are not parsed one by one in Python (the exact test then runs on these only).

    A route inside 20.1.0.0/16 is written "20.1.…".  A route containing an address has as
    destination that address masked to the route's length, in the kernel's canonical text,
    so one string per prefix length compares with every row; a route via the address has it
    as gateway, or is multipath.
    """

    def each(field: str) -> Iterator[object]:
        return map(attrgetter(field), map(routes.__getitem__, rows))

    if flt.address is not None:
        addr, text = flt.address, str(flt.address)
        bits = addr.max_prefixlen
        family = socket.AF_INET if addr.version == 4 else socket.AF_INET6
        masked = [
            socket.inet_ntop(family, (int(addr) >> (bits - n) << (bits - n)).to_bytes(bits // 8))
            for n in range(bits + 1)
        ] + [""] * (128 - bits)  # an IPv6 length on an IPv4 filter: never equal
        contains = map(eq, each("dst"), map(masked.__getitem__, each("dst_len")))  # type: ignore[arg-type]
        via = map(eq, each("gateway"), repeat(text))
        multipath = map(truth, each("multipath"))
        return compress(rows, map(or_, map(or_, contains, via), multipath))
    network = flt.network
    if network is None or network.version != 4 or network.prefixlen < 8:
        return iter(rows)
    octets = str(network.network_address).split(".")[: min(network.prefixlen // 8, 3)]
    starts = methodcaller("startswith", ".".join(octets) + ".")
    return compress(rows, map(starts, each("dst")))


def _addr_int(text: str) -> int:
    return _int(socket.AF_INET6 if ":" in text else socket.AF_INET, text)


def sort_value(
    name: str, routes: Sequence[Route], dev_of: Callable[[Route], str]
) -> Callable[[Route], int]:
    """A key giving each route one non-negative int that orders by one of SORT_KEYS (except
    'kernel', the dump order): ints sort in C and cost a fraction of tuples at a million."""
    if name == "destination":
        return lambda r: _addr_int(r.dst) << 8 | r.dst_len
    if name == "gateway":  # routes without a gateway last; a few gateways serve many routes
        ints = {gw: _addr_int(gw) for gw in set(map(attrgetter("gateway"), routes)) if gw}
        return lambda r: ints.get(r.gateway, 1 << 128)
    if name == "metric":
        return lambda r: r.priority or 0
    if name == "device":
        rank = {dev: i for i, dev in enumerate(sorted({dev_of(r) for r in routes}))}
        return lambda r: rank[dev_of(r)]
    raise ValueError(f"unknown sort key {name}")


def sorted_rows(
    routes: Sequence[Route], rows: Iterable[int], key: Callable[[Route], int], reverse: bool
) -> array[int]:
    """``rows`` ordered by ``key`` of their routes, ties in row order either way: each row
    becomes one int (key, then row number) so that a million rows sort as plain ints."""
    bits = max(len(routes), 1).bit_length()
    top = (1 << bits) - 1
    if reverse:  # the tie-breaker counts down so that ties still come in row order
        packed = [key(routes[i]) << bits | (top - i) for i in rows]
        packed.sort(reverse=True)
        return array("q", (top - (p & top) for p in packed))
    packed = [key(routes[i]) << bits | i for i in rows]
    packed.sort()
    return array("q", (p & top for p in packed))


class RouteRows:
    """A filtered, sorted window onto a sequence of routes, formatted lazily."""

    def __init__(
        self,
        routes: Sequence[Route],
        line_of: Callable[[Route], str],
        dev_of: Callable[[Route], str],
    ) -> None:
        self.routes = routes
        self._line_of = line_of
        self._dev_of = dev_of
        self.filter: RouteFilter | None = None
        self.sort = "kernel"
        self.reverse = False
        self._order: array[int] | None = None
        self.partial = False  # only the rows found so far (a filter still searching)

    @property
    def row_count(self) -> int:
        """Rows after filtering."""
        return len(self.routes) if self._order is None else len(self._order)

    def route(self, row: int) -> Route:
        """The route shown in ``row``."""
        return self.routes[row if self._order is None else self._order[row]]

    def line(self, row: int) -> str:
        """The text of ``row``."""
        return self._line_of(self.route(row))

    def row_of(self, route: Route) -> int | None:
        """The row where ``route`` is shown, if it passes the filter (searched in C)."""
        try:
            index = self.routes.index(route)
        except ValueError:
            return None
        if self._order is None:
            return index
        try:
            return self._order.index(index)
        except ValueError:
            return None

    def apply(
        self,
        flt: RouteFilter | None,
        sort: str,
        reverse: bool,
        progress: Callable[[RouteRows], None] | None = None,
    ) -> None:
        """Filter and sort (O(N) once per change, not per frame, without a list of every
        row number: at a million rows that list alone would be 36 MB).  A long filter in
        the kernel's order hands ``progress`` the rows found so far every few tenths of a
        second, so the first screenful shows before the whole table is searched."""
        self.filter, self.sort, self.reverse = flt, sort, reverse
        self.partial = False
        if flt is None and sort == "kernel" and not reverse:
            self._order = None
            return
        routes = self.routes
        if flt is None:
            kept = array("q", range(len(routes))) if sort == "kernel" else None
        else:
            kept = self._filtered(flt, progress if sort == "kernel" and not reverse else None)
        if sort != "kernel":
            key = sort_value(sort, routes, self._dev_of)
            rows = range(len(routes)) if kept is None else kept
            self._order = sorted_rows(routes, rows, key, reverse)
        else:
            assert kept is not None
            if reverse:
                kept.reverse()
            self._order = kept

    def _filtered(
        self, flt: RouteFilter, progress: Callable[[RouteRows], None] | None
    ) -> array[int]:
        """The row numbers passing ``flt``, searched a chunk at a time."""
        routes = self.routes
        test = prefix_predicate(flt)
        text, line_of, dev_of = flt.text, self._line_of, self._dev_of
        kept: array[int] = array("q")
        shown_at, shown = time.perf_counter(), 0

        def due(since: float) -> bool:
            return time.perf_counter() - since > PARTIAL_SECONDS

        for start in range(0, len(routes), CHUNK_ROWS):
            rows = range(start, min(len(routes), start + CHUNK_ROWS))
            if test is None:
                kept.extend(
                    i for i in rows if dev_of(routes[i]) == text or text in line_of(routes[i])
                )
            else:
                kept.extend(i for i in candidates(flt, routes, rows) if test(routes[i]))
            found = len(kept)
            first = not shown and found >= SCREENFUL
            if progress is not None and found > shown and (first or due(shown_at)):
                so_far = RouteRows(routes, line_of, dev_of)
                so_far.filter, so_far._order, so_far.partial = flt, array("q", kept), True
                progress(so_far)
                shown_at, shown = time.perf_counter(), found
        return kept
