"""The rows a route view shows: one table's routes, filtered and sorted, formatted on demand.

Pure (no Textual): the widget asks for ``row_count`` and ``line(i)`` of the visible rows only,
so a million routes cost one index array, not a million rendered lines.
"""

from __future__ import annotations

import ipaddress
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


def _net(route: Route) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(f"{route.dst}/{route.dst_len}", strict=False)


def matches(route: Route, flt: RouteFilter, dev: str, line: str) -> bool:
    """True when ``route`` (shown as ``line``, through ``dev``) passes the filter."""
    if flt.network is not None:
        net = _net(route)
        return net.version == flt.network.version and net.subnet_of(flt.network)  # type: ignore[arg-type]
    if flt.address is not None:
        gateways = {route.gateway, *(nh.gateway for nh in route.multipath)}
        if str(flt.address) in gateways:
            return True
        net = _net(route)
        return net.version == flt.address.version and flt.address in net
    return flt.text == dev or flt.text in line


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
        """The row where ``route`` is shown, if it passes the filter."""
        for row in range(self.row_count):
            if self.route(row) == route:
                return row
        return None

    def apply(self, flt: RouteFilter | None, sort: str, reverse: bool) -> None:
        """Filter and sort (O(N) once per change, not per frame)."""
        self.filter, self.sort, self.reverse = flt, sort, reverse
        if flt is None and sort == "kernel" and not reverse:
            self._order = None
            return
        indices = range(len(self.routes))
        if flt is not None:
            line_of, dev_of, routes = self._line_of, self._dev_of, self.routes
            indices = [
                i for i in indices if matches(routes[i], flt, dev_of(routes[i]), line_of(routes[i]))
            ]  # type: ignore[assignment]
        ordered = list(indices)
        if sort != "kernel":
            key = sort_key(sort, self._dev_of)
            ordered.sort(key=lambda i: key(self.routes[i]), reverse=reverse)
        elif reverse:
            ordered.reverse()
        self._order = array("q", ordered)
