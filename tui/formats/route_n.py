"""net-tools ``route -n`` and ``route -n -A inet6`` text, byte for byte as net-tools 2.10.

IPv4 is derived from Route objects the way the kernel writes /proc/net/route
(fib_route_seq_show, fib_flag_trans in net/ipv4/fib_trie.c) and net-tools prints it
(rprint_fib in lib/inet_gr.c): the main table only, in dump (trie) order, without broadcast
and multicast routes; flags are only U, G, H and ``!`` (unreachable/prohibit), and reject
routes show ``-`` for Gateway, Ref and Iface.  IPv6 is printed from the rows of
/proc/net/ipv6_route (rprint_fib6 in lib/inet6_gr.c), since only that file has refcounts.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from dataclasses import replace

from tui.formats.safe_text import safe_text
from tui.model import (
    AF_INET,
    AF_INET6,
    RT_TABLE_MAIN,
    RTM_F_CLONED,
    RTN_BROADCAST,
    RTN_MULTICAST,
    RTN_PROHIBIT,
    RTN_UNREACHABLE,
    Ipv6ProcRoute,
    Route,
)

ROUTE_N_HEADER = (
    "Kernel IP routing table\n"
    "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
)
ROUTE6_N_HEADER = (
    "Kernel IPv6 routing table\n"
    "Destination                    Next Hop                   Flag Met Ref  Use If\n"
)

# <net/route.h> flags as /proc/net/ipv6_route carries them, in rprint_fib6's letter order.
RTF_UP = 0x0001
RTF_GATEWAY = 0x0002
RTF_HOST = 0x0004
RTF_MODIFIED = 0x0020
RTF_REJECT = 0x0200
RTF_DEFAULT = 0x00010000
RTF_ALLONLINK = 0x00020000
RTF_ADDRCONF = 0x00040000
RTF_NONEXTHOP = 0x00200000
RTF_EXPIRES = 0x00400000
RTF_CACHE = 0x01000000
RTF_FLOW = 0x02000000
_RTF6_LETTERS: tuple[tuple[int, str], ...] = (
    (RTF_UP, "U"), (RTF_REJECT, "!"), (RTF_GATEWAY, "G"), (RTF_HOST, "H"),
    (RTF_DEFAULT, "D"), (RTF_ADDRCONF, "A"), (RTF_CACHE, "C"), (RTF_ALLONLINK, "a"),
    (RTF_EXPIRES, "e"), (RTF_MODIFIED, "m"), (RTF_NONEXTHOP, "n"), (RTF_FLOW, "f"),
)  # fmt: skip

_MASKS = tuple(
    socket.inet_ntoa(((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF).to_bytes(4, "big")) for n in range(33)
)
NOT_LISTED_TYPES = (RTN_BROADCAST, RTN_MULTICAST)
_REJECT_TYPES = (RTN_UNREACHABLE, RTN_PROHIBIT)


def _c_int(value: int) -> int:
    """A u32 read back as a C ``int`` (net-tools scans the numbers into ``int``)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _gateway_flag(gateway: str | None) -> bool:
    """fib_flag_trans: G when the first next hop's ``nhc_gw.ipv4`` is non-zero.  That
    field is a union: for an IPv6 gateway (``via inet6``) it is its first 4 bytes."""
    if not gateway:
        return False
    if ":" in gateway:
        return socket.inet_pton(socket.AF_INET6, gateway)[:4] != b"\0\0\0\0"
    return gateway != "0.0.0.0"


def route_n_line(route: Route, links: Mapping[int, str]) -> str:
    """One IPv4 route as a ``route -n`` line (no trailing newline)."""
    nh = route.multipath[0] if route.multipath else None
    gateway = nh.gateway if nh is not None else route.gateway
    oif = nh.oif if nh is not None else route.oif
    mask = _MASKS[route.dst_len] if 0 <= route.dst_len <= 32 else "0.0.0.0"
    metric = _c_int(route.priority or 0)
    if route.type in _REJECT_TYPES:
        flags = "!H" if route.dst_len == 32 else "!"
        return f"{route.dst:<15} -               {mask:<15} {flags:<5} {metric:<6} -  {0:7} -"
    flags = "UG" if _gateway_flag(gateway) else "U"
    if route.dst_len == 32:
        flags += "H"
    gw_text = gateway if gateway and ":" not in gateway else "0.0.0.0"
    iface = safe_text(links.get(oif) or f"if{oif}") if oif else "*"
    return f"{route.dst:<15} {gw_text:<15} {mask:<15} {flags:<5} {metric:<6} {0:<2} {0:7} {iface}"


def route_n_listed(route: Route) -> bool:
    """Whether ``route -n`` lists an IPv4 route (/proc/net/route: table main, no broadcast or
    multicast, no cached clone).  The one test, for the CLI and the app alike."""
    return (
        route.family == AF_INET
        and route.table == RT_TABLE_MAIN
        and route.type not in NOT_LISTED_TYPES
        and not route.flags & RTM_F_CLONED
    )


def route_n(routes: Iterable[Route], links: Mapping[int, str]) -> str:
    """The complete stdout of ``route -n``: IPv4 main-table routes in dump order."""
    lines = [route_n_line(r, links) for r in routes if route_n_listed(r)]
    return ROUTE_N_HEADER + "".join(line + "\n" for line in lines)


def rtf6_flags_text(flags: int) -> str:
    """The Flag column of ``route -A inet6`` for RTF_* flags."""
    return "".join(letter for bit, letter in _RTF6_LETTERS if flags & bit)


def route6_n_line(row: Ipv6ProcRoute) -> str:
    """One /proc/net/ipv6_route row as a ``route -n -A inet6`` line (no trailing newline)."""
    dst = f"{row.dst}/{row.dst_len}"
    flags = rtf6_flags_text(row.flags)
    metric, refcnt, use = _c_int(row.metric), _c_int(row.refcnt), _c_int(row.use)
    dev = safe_text(row.dev[:15])
    return f"{dst:<30} {row.nexthop:<26} {flags:<4} {metric:<3} {refcnt:<1} {use:6} {dev}"


def route6_n(rows: Iterable[Ipv6ProcRoute]) -> str:
    """The complete stdout of ``route -n -A inet6`` (cache entries are left out)."""
    lines = [route6_n_line(row) for row in rows if not row.flags & RTF_CACHE]
    return ROUTE6_N_HEADER + "".join(line + "\n" for line in lines)


def route6_n_routes(routes: Iterable[Route], lo_index: int = 1) -> list[Route]:
    """The entries /proc/net/ipv6_route has (what ``route -n -A inet6`` lists), rebuilt from
    netlink routes, for views that follow netlink events: every table (local too), each
    next hop of a multipath route on its own (the kernel's siblings are separate entries),
    and, after the routes of each table whose root holds no route without ``from`` (no
    ``::/0``), the table's null entry (``::/0 ... !n -1 ... lo``: fib6_walk visits the root
    last and its leaf is then ``fib6_null_entry``).  Cached clones are left out."""
    out: list[Route] = []
    tables: dict[int, bool] = {}  # table -> it has a ::/0 of its own (in first-seen order)
    for route in routes:
        if route.family != AF_INET6 or route.flags & RTM_F_CLONED:
            continue
        has_root = tables.setdefault(route.table, False)
        if route.dst_len == 0 and not route.src_len and not has_root:
            tables[route.table] = True
        if route.multipath:
            out.extend(
                replace(route, multipath=(), gateway=nh.gateway, oif=nh.oif)
                for nh in route.multipath
            )
        else:
            out.append(route)
    if not tables:
        return out
    ordered: list[Route] = []
    by_table: dict[int, list[Route]] = {table: [] for table in tables}
    for route in out:
        by_table[route.table].append(route)
    for table, has_root in tables.items():
        ordered.extend(by_table[table])
        if not has_root:
            ordered.append(null_entry6(table, lo_index))
    return ordered


def null_entry6(table: int, lo_index: int) -> Route:
    """``fib6_null_entry`` as /proc/net/ipv6_route shows it at a table's empty root."""
    return Route(AF_INET6, table, RTN_UNREACHABLE, "::", 0, priority=0xFFFFFFFF, oif=lo_index)


def route_n_routes(routes: Iterable[Route], family: int, lo_index: int = 1) -> list[Route]:
    """What ``route -n`` (IPv4) or ``route -n -A inet6`` (IPv6) lists, in the kernel's order."""
    if family == AF_INET6:
        return route6_n_routes(routes, lo_index)
    # route_n_listed inlined: the app redraws a million rows with this (half the time)
    skipped, cloned = NOT_LISTED_TYPES, RTM_F_CLONED
    return [
        r
        for r in routes
        if r.family == AF_INET
        and r.table == RT_TABLE_MAIN
        and r.type not in skipped
        and not r.flags & cloned
    ]
