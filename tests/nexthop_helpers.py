"""A namespace holding a nexthop object of every kind, and routes through each of them.

Shared by the decoder, view, lookup and monitor tests: single IPv4/IPv6 next hops (gateway,
device only, onlink, protocols), blackholes of both families, hash-threshold groups with and
without weights (also mixed IPv4/IPv6 members: RFC 5549), resilient groups, a group of one
blackhole, fdb next hops and an fdb group; IPv4 and IPv6 routes with ``nhid``.
"""

from __future__ import annotations

from tests.netns_helpers import Netns

NEXTHOPS: tuple[str, ...] = (
    "nexthop add id 1 via 10.0.0.2 dev veth0",
    "nexthop add id 2 via 10.0.1.2 dev veth1",
    "nexthop add id 3 dev veth0",
    "nexthop add id 4 blackhole",
    "nexthop add id 5 via 192.168.99.1 dev veth1 onlink",
    "nexthop add id 6 via 10.0.0.3 dev veth0 proto static",
    "nexthop add id 7 via 10.0.0.4 dev veth0 proto bird",
    "nexthop add id 8 via 10.0.2.2 dev veth2",
    "nexthop add id 21 via 2001:db8::2 dev veth0",
    "nexthop add id 22 via 2001:db8:1::2 dev veth1",
    "-6 nexthop add id 23 blackhole",
    "-6 nexthop add id 24 dev veth0",
    "nexthop add id 25 via fe80::2 dev veth1",
    "nexthop add id 10 group 1/2",
    "nexthop add id 11 group 1,2/2,3",
    "nexthop add id 12 group 1/2 type resilient buckets 32 idle_timer 120 unbalanced_timer 0",
    "nexthop add id 13 group 1,3/2 type resilient buckets 8",
    "nexthop add id 14 group 21/22",
    "nexthop add id 15 group 4",
    "nexthop add id 16 group 1,256/8",
    "nexthop add id 17 group 2",
    "nexthop add id 18 group 1/2/6/8 type resilient buckets 16 idle_timer 5 unbalanced_timer 30",
    "nexthop add id 20 group 1/21",
    "nexthop add id 30 via 10.0.0.10 fdb",
    "nexthop add id 31 via 10.0.0.11 fdb",
    "nexthop add id 32 group 30/31 fdb",
    "-6 nexthop add id 33 via 2001:db8::10 fdb",
    "nexthop add id 1000 via 10.0.0.6 dev veth0 proto zebra",
)

ROUTES: tuple[str, ...] = (
    "route add 10.10.0.0/24 nhid 1",
    "route add 10.11.0.0/24 nhid 10",
    "route add 10.12.0.0/24 nhid 11",
    "route add 10.13.0.0/24 nhid 12",
    "route add 10.14.0.0/24 nhid 4",
    "route add 10.15.0.0/24 nhid 3",
    "route add 10.16.0.0/24 nhid 5",
    "route add 10.17.0.0/24 nhid 21",
    "route add 10.18.0.0/24 nhid 15",
    "route add 10.19.0.0/24 nhid 1 src 10.0.0.1",
    "route add 10.20.0.0/24 nhid 1 metric 100 proto static",
    "route add 10.21.0.0/24 nhid 18",
    "route add 10.22.0.0/24 nhid 20",
    "route add 10.23.0.0/24 nhid 16",
    "route add 10.24.0.0/24 nhid 1000",
    "route add 10.25.0.0/24 nhid 25",
    "route add 10.26.0.0/24 nhid 6 table 100",
    "route add 10.27.0.0/24 nhid 17",
    "route add 10.33.0.0/24 nhid 3 scope link",
    "route add default nhid 10",
    "-6 route add 2001:db8:10::/64 nhid 21",
    "-6 route add 2001:db8:11::/64 nhid 14",
    "-6 route add 2001:db8:12::/64 nhid 23",
    "-6 route add 2001:db8:13::/64 nhid 24",
    "-6 route add 2001:db8:15::/64 nhid 25",
)

# Destinations reaching every route above (and one beyond them).
DESTS4 = tuple(f"10.{n}.0.5" for n in range(10, 28)) + ("10.33.0.5", "8.8.8.8", "10.0.0.9")
DESTS6 = tuple(f"2001:db8:{n}::5" for n in (10, 11, 12, 13, 15)) + ("2001:db8::9",)


def build_nexthop_ns(ns: Netns, *, routes: bool = True) -> None:
    """Links, addresses, every kind of nexthop object and (with ``routes``) routes using
    them, in ``ns``."""
    for i in range(3):
        ns.veth(f"veth{i}", f"veth{i}p")
    ns.batch(
        [
            "addr add 10.0.0.1/24 dev veth0",
            "addr add 10.0.1.1/24 dev veth1",
            "addr add 10.0.2.1/24 dev veth2",
            "addr add 2001:db8::1/64 dev veth0 nodad",
            "addr add 2001:db8:1::1/64 dev veth1 nodad",
        ]
    )
    run_lines(ns, NEXTHOPS)
    if routes:
        run_lines(ns, ROUTES)


def run_lines(ns: Netns, lines: tuple[str, ...]) -> None:
    """Each line as ``ip -n NS WORDS`` (``ip -batch`` takes no ``-6`` per line)."""
    for line in lines:
        ns.ip(*line.split())


def set_compat(ns: Netns, mode: int) -> None:
    """``net.ipv4.nexthop_compat_mode`` (also governs IPv6 route dumps)."""
    ns.exec("sysctl", "-q", "-w", f"net.ipv4.nexthop_compat_mode={mode}")
