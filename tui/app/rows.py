"""The rows a route view shows: one table's routes, filtered and sorted, formatted on demand.

Pure (no Textual): the widget asks for ``row_count`` and ``line(i)`` of the visible rows only,
so a million routes cost one index array, not a million rendered lines.
"""

from __future__ import annotations

import ipaddress
import socket
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui.model import Route

SORT_KEYS = ("kernel", "destination", "gateway", "metric", "device")


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


def sort_key(name: str, dev_of: Callable[[Route], str]) -> Callable[[Route], tuple[object, ...]]:
    """A key function for one of SORT_KEYS (except 'kernel', the dump order)."""
    if name == "destination":
        return lambda r: (int(ipaddress.ip_address(r.dst)), r.dst_len)
    if name == "gateway":
        return lambda r: (
            r.gateway is None,
            int(ipaddress.ip_address(r.gateway)) if r.gateway else 0,
        )
    if name == "metric":
        return lambda r: (r.priority or 0,)
    if name == "device":
        return lambda r: (dev_of(r),)
    raise ValueError(f"unknown sort key {name}")


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

    def apply(self, flt: RouteFilter | None, sort: str, reverse: bool) -> None:
        """Filter and sort (O(N) once per change, not per frame)."""
        self.filter, self.sort, self.reverse = flt, sort, reverse
        if flt is None and sort == "kernel" and not reverse:
            self._order = None
            return
        routes = self.routes
        ordered: list[int] = list(range(len(routes)))
        if flt is not None:
            test = prefix_predicate(flt)
            if test is None:
                text, line_of, dev_of = flt.text, self._line_of, self._dev_of
                ordered = [
                    i for i in ordered if dev_of(routes[i]) == text or text in line_of(routes[i])
                ]
            else:
                ordered = [i for i in ordered if test(routes[i])]
        if sort != "kernel":
            key = sort_key(sort, self._dev_of)
            ordered.sort(key=lambda i: key(self.routes[i]), reverse=reverse)
        elif reverse:
            ordered.reverse()
        self._order = array("q", ordered)
