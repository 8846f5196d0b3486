"""The routes the kernel adds by itself for addresses, for tests that build states by hand
(the engine's ``Host`` builder and the made-up capture files)."""

from __future__ import annotations

import ipaddress

from tui.model import (
    AF_INET,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RTN_BROADCAST,
    RTN_LOCAL,
    RTN_UNICAST,
    Route,
)

KERNEL = 2  # RTPROT_KERNEL


def _local(kind: int, dst: str, plen: int, prefsrc: str, oif: int) -> Route:
    scope = RT_SCOPE_HOST if kind == RTN_LOCAL else RT_SCOPE_LINK
    return Route(
        AF_INET, 255, kind, dst, plen, protocol=KERNEL, scope=scope, prefsrc=prefsrc, oif=oif
    )


def loopback_routes(broadcast: bool = True) -> list[Route]:
    """Table local's entries for ``lo``'s 127.0.0.1/8."""
    routes = [
        _local(RTN_LOCAL, "127.0.0.0", 8, "127.0.0.1", 1),
        _local(RTN_LOCAL, "127.0.0.1", 32, "127.0.0.1", 1),
    ]
    if broadcast:
        routes.append(_local(RTN_BROADCAST, "127.255.255.255", 32, "127.0.0.1", 1))
    return routes


def address_routes(addr: str, plen: int, index: int, secondary: bool = False) -> list[Route]:
    """Table local's entries for an IPv4 address: the address, and the subnet's broadcast
    unless the address is a secondary one."""
    routes = [_local(RTN_LOCAL, addr, 32, addr, index)]
    if not secondary:
        net = ipaddress.ip_network(f"{addr}/{plen}", strict=False)
        routes.append(_local(RTN_BROADCAST, str(net.broadcast_address), 32, addr, index))
    return routes


def connected(addr: str, plen: int, index: int, flags: int = 0) -> Route:
    """Table main's route to an IPv4 address's subnet."""
    net = ipaddress.ip_network(f"{addr}/{plen}", strict=False)
    return Route(
        AF_INET,
        254,
        RTN_UNICAST,
        str(net.network_address),
        plen,
        protocol=KERNEL,
        scope=RT_SCOPE_LINK,
        prefsrc=addr,
        oif=index,
        flags=flags,
    )
