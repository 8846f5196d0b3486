"""Route lines for the app's two route views, from the byte-exact formatters."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tui.app.modes import Mode
from tui.fib.nh_resolve import first_hop_route
from tui.formats.iproute import RouteFormatter
from tui.formats.route_n import ROUTE6_N_HEADER, ROUTE_N_HEADER, route_n_line, rtf6_flags_text
from tui.formats.safe_text import safe_text
from tui.model import (
    AF_INET6,
    RTN_ANYCAST,
    RTN_BLACKHOLE,
    RTN_LOCAL,
    RTN_PROHIBIT,
    RTN_THROW,
    RTN_UNREACHABLE,
    NexthopObject,
    Route,
)

RTF_UP, RTF_GATEWAY, RTF_REJECT = 0x1, 0x2, 0x200
RTF_EXPIRES, RTF_NONEXTHOP = 0x00400000, 0x00200000
RTPROT_KERNEL = 2
_REJECT = (RTN_UNREACHABLE, RTN_PROHIBIT, RTN_BLACKHOLE, RTN_THROW)


def route6_flags(route: Route) -> int:
    """The RTF_* flags /proc/net/ipv6_route shows for a route, as far as netlink tells them:
    reject routes ``!n``, local and the kernel's own anycast routes ``Un``, a gateway ``G``,
    a lifetime ``e`` (router-advertisement flags A and D are not in netlink)."""
    if route.type in _REJECT:
        return RTF_REJECT | RTF_NONEXTHOP
    flags = RTF_UP
    if route.type == RTN_LOCAL or (route.type == RTN_ANYCAST and route.protocol == RTPROT_KERNEL):
        flags |= RTF_NONEXTHOP
    if route.gateway or (route.multipath and route.multipath[0].gateway):
        flags |= RTF_GATEWAY
    if route.expires:
        flags |= RTF_EXPIRES
    return flags


def route6_n_line_of(route: Route, devs: Mapping[int, str]) -> str:
    """An IPv6 route in ``route -n -A inet6`` columns.  The Ref count lives only in
    /proc/net/ipv6_route, not in netlink, so this view shows ``-`` there."""
    gateway = route.gateway or (route.multipath[0].gateway if route.multipath else None)
    flags = route6_flags(route)
    metric = route.priority or 0
    metric = metric - (1 << 32) if metric & 0x80000000 else metric
    oif = route.oif or (route.multipath[0].oif if route.multipath else None)
    dev = safe_text(devs.get(oif, f"if{oif}")) if oif and route.type not in _REJECT else "lo"
    dst = f"{route.dst}/{route.dst_len}"
    return f"{dst:<30} {gateway or '::':<26} {rtf6_flags_text(flags):<4} {metric:<3} - {0:6} {dev}"


def make_line_of(
    mode: Mode,
    family: int,
    devs: Mapping[int, str],
    names: Mapping[int, str],
    nexthops: Mapping[int, NexthopObject] | None = None,
) -> Callable[[Route], str]:
    """A function from a route to its one-line text in ``mode`` ('route-n' or 'ip');
    ``route -n`` shows a nexthop object's first next hop, as /proc/net/route does."""
    if mode == Mode.IP:
        formatter = RouteFormatter(devs, names, show_table=False)
        return lambda route: formatter.line(route).replace("\n\t", "  ").rstrip()
    if family == AF_INET6:
        return lambda route: route6_n_line_of(route, devs)
    if nexthops:
        objects = dict(nexthops)
        lo = next((index for index, name in devs.items() if name == "lo"), 1)
        return lambda route: route_n_line(first_hop_route(route, objects, lo), devs)
    return lambda route: route_n_line(route, devs)


def header_lines(mode: Mode, family: int) -> list[str]:
    """The column header above the rows (route -n has one; ip route has none)."""
    if mode == Mode.IP:
        return []
    header = ROUTE6_N_HEADER if family == AF_INET6 else ROUTE_N_HEADER
    return header.splitlines()[1:]
