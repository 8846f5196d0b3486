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

from tui.model import (
    AF_INET,
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
_SKIPPED_TYPES = (RTN_BROADCAST, RTN_MULTICAST)
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
    iface = (links.get(oif) or f"if{oif}") if oif else "*"
    return f"{route.dst:<15} {gw_text:<15} {mask:<15} {flags:<5} {metric:<6} {0:<2} {0:7} {iface}"


def route_n(routes: Iterable[Route], links: Mapping[int, str]) -> str:
    """The complete stdout of ``route -n``: IPv4 main-table routes in dump order."""
    lines = [
        route_n_line(r, links)
        for r in routes
        if r.family == AF_INET
        and r.table == RT_TABLE_MAIN
        and r.type not in _SKIPPED_TYPES
        and not r.flags & RTM_F_CLONED
    ]
    return ROUTE_N_HEADER + "".join(line + "\n" for line in lines)


def rtf6_flags_text(flags: int) -> str:
    """The Flag column of ``route -A inet6`` for RTF_* flags."""
    return "".join(letter for bit, letter in _RTF6_LETTERS if flags & bit)


def route6_n_line(row: Ipv6ProcRoute) -> str:
    """One /proc/net/ipv6_route row as a ``route -n -A inet6`` line (no trailing newline)."""
    dst = f"{row.dst}/{row.dst_len}"
    flags = rtf6_flags_text(row.flags)
    metric, refcnt, use = _c_int(row.metric), _c_int(row.refcnt), _c_int(row.use)
    return f"{dst:<30} {row.nexthop:<26} {flags:<4} {metric:<3} {refcnt:<1} {use:6} {row.dev[:15]}"


def route6_n(rows: Iterable[Ipv6ProcRoute]) -> str:
    """The complete stdout of ``route -n -A inet6`` (cache entries are left out)."""
    lines = [route6_n_line(row) for row in rows if not row.flags & RTF_CACHE]
    return ROUTE6_N_HEADER + "".join(line + "\n" for line in lines)
