"""Parsing /proc/net/ipv6_route, the file net-tools ``route -A inet6`` reads (pure).

Only this file carries the IPv6 route refcounts that ``route -n -A inet6`` prints.
"""

from __future__ import annotations

import socket

from tui.model import Ipv6ProcRoute


def _hex_addr6(text: str) -> str:
    return socket.inet_ntop(socket.AF_INET6, bytes.fromhex(text))


def parse_ipv6_route_proc(text: str) -> list[Ipv6ProcRoute]:
    """The rows of /proc/net/ipv6_route's text (numbers unsigned, addresses as inet_ntop
    writes them, which is what net-tools prints); malformed lines are skipped."""
    rows: list[Ipv6ProcRoute] = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 10 or len(f[0]) != 32 or len(f[2]) != 32 or len(f[4]) != 32:
            continue
        try:
            rows.append(
                Ipv6ProcRoute(
                    dst=_hex_addr6(f[0]),
                    dst_len=int(f[1], 16),
                    src=_hex_addr6(f[2]),
                    src_len=int(f[3], 16),
                    nexthop=_hex_addr6(f[4]),
                    metric=int(f[5], 16),
                    refcnt=int(f[6], 16),
                    use=int(f[7], 16),
                    flags=int(f[8], 16),
                    dev=f[9],
                )
            )
        except ValueError:
            continue
    return rows
