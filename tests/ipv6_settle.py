"""Wait until the kernel has finished the IPv6 work an address change leaves behind.

Adding an IPv6 address (even ``nodad``, even with duplicate address detection off) only queues
the kernel's address work: the address stays ``tentative`` and its ``local`` route in table
local (and, with forwarding on, the subnet-router ``anycast`` route of its prefix) appear when
that work runs, later and much later on a loaded machine.  A capture taken before misses them.
``wait_ipv6_settled`` waits until every address of the namespace is out of ``tentative`` and
table local holds each of those routes: what the kernel itself will show once it is done.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from tests.netns_helpers import Netns
from tests.patience import wait_until
from tui.kernel.netns import entered

# Before the links are made (new devices take ``default``): addresses leave ``tentative``
# as soon as the kernel's address work runs, without a second of DAD probing.
NO_DAD = ("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")


def _forwarding(ns: Netns, devices: list[str]) -> dict[str, bool]:
    """Each device's IPv6 forwarding setting (the kernel joins anycast by it)."""
    out: dict[str, bool] = {}
    with entered(ns.path):
        for dev in devices:
            path = os.path.join("/proc/sys/net/ipv6/conf", dev, "forwarding")
            try:
                with open(path, encoding="ascii") as fh:
                    out[dev] = fh.read().strip() == "1"
            except OSError:
                out[dev] = False
    return out


def expected_local_routes(links: list[dict[str, Any]], forwarding: dict[str, bool]) -> set[str]:
    """``type dst dev`` of the table-local routes the kernel adds for these addresses: a
    ``local`` route per address, an ``anycast`` route per prefix shorter than /127 that is
    not ``::`` when the device forwards (``addrconf_join_anycast``)."""
    want: set[str] = set()
    for link in links:
        dev = str(link["ifname"])
        for info in link.get("addr_info", []):
            if info.get("family") != "inet6":
                continue
            want.add(f"local {info['local']} {dev}")
            plen = int(info["prefixlen"])
            if forwarding.get(dev) and plen < 127:
                net = ipaddress.IPv6Network(f"{info['local']}/{plen}", strict=False)
                if int(net.network_address):
                    want.add(f"anycast {net.network_address} {dev}")
    return want


def _settled(ns: Netns) -> bool:
    links = ns.ip_json("-6", "addr", "show")
    if any(info.get("tentative") for link in links for info in link.get("addr_info", [])):
        return False
    want = expected_local_routes(links, _forwarding(ns, [str(link["ifname"]) for link in links]))
    have = {
        f"{route.get('type', 'unicast')} {route['dst']} {route.get('dev')}"
        for route in ns.ip_json("-6", "route", "show", "table", "local")
    }
    return want <= have


def wait_ipv6_settled(ns: Netns) -> None:
    """Until no address is tentative and table local has every route its addresses bring."""
    wait_until(lambda: _settled(ns), f"IPv6 addresses and table local of {ns.name} settled")
