"""Parsing /proc/net/ipv6_route, the file net-tools ``route -A inet6`` reads (pure)."""

from __future__ import annotations

import ipaddress

from tui.model import Ipv6ProcRoute


def _addr(hex32: str) -> str:
    return str(ipaddress.IPv6Address(bytes.fromhex(hex32)))


def parse_ipv6_route_proc(text: str) -> list[Ipv6ProcRoute]:
    """Rows of /proc/net/ipv6_route; malformed lines are skipped."""
    rows: list[Ipv6ProcRoute] = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 10:
            continue
        try:
            rows.append(
                Ipv6ProcRoute(
                    dst=_addr(f[0]),
                    dst_len=int(f[1], 16),
                    src=_addr(f[2]),
                    src_len=int(f[3], 16),
                    nexthop=_addr(f[4]),
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
