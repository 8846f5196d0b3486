"""A next hop's gateway of another family (RTA_VIA): an IPv4 route via an IPv6 neighbour.

The kernel keeps an IPv4 next hop's gateway in a union (``fib_nh_common.nhc_gw``) with its
family beside it (``nhc_gw_family``).  Code that reads the union as IPv4 (``fib_nh_gw4``)
when the family is AF_INET6 sees the first four bytes of the IPv6 address: source selection
(``fib_info_update_nhc_saddr`` -> ``inet_select_addr(dev, fib_nh_gw4, scope)``) does exactly
that.  One home for these rules, shared by plain routes, multipath next hops and nexthop
objects.
"""

from __future__ import annotations

import socket

from tui.model import AF_INET, AF_INET6


def gateway_family(gateway: str) -> int:
    """AF_INET6 for an IPv6 gateway text, else AF_INET (canonical text from inet_ntop)."""
    return AF_INET6 if ":" in gateway else AF_INET


def gw4_union(gateway: str | None) -> int:
    """What the kernel reads as ``fib_nh_gw4``: the IPv4 gateway, or for an IPv6 gateway the
    first 32 bits of its address (the union's overlay), 0 when there is none."""
    if not gateway:
        return 0
    family = gateway_family(gateway)
    packed = socket.inet_pton(socket.AF_INET6 if family == AF_INET6 else socket.AF_INET, gateway)
    return int.from_bytes(packed[:4], "big")


def via_words(route_family: int, gateway: str) -> str:
    """``via GW`` as iproute2 prints it, ``via inet6 GW`` when the families differ."""
    family = gateway_family(gateway)
    if family == route_family:
        return f"via {gateway}"
    return f"via {'inet6' if family == AF_INET6 else 'inet'} {gateway}"
