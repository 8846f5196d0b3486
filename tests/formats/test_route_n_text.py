"""net-tools ``route -n`` / ``route -n -A inet6`` text; expected outputs were printed by the
real net-tools 2.10 for the same routes in a namespace."""

from __future__ import annotations

from tests.formats.test_iproute_text import LINKS, MAIN4, OTHER4, r4
from tui.formats.route_n import route6_n, route_n, route_n_listed, route_n_routes
from tui.kernel.proc_ipv6_route import parse_ipv6_route_proc
from tui.model import Nexthop

ROUTE_N_TEXT = """\
Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         10.1.0.254      0.0.0.0         UG    0      0        0 va
10.1.0.0        0.0.0.0         255.255.255.0   U     0      0        0 va
10.2.0.0        10.1.0.2        255.255.0.0     UG    5      0        0 va
10.3.0.0        0.0.0.0         255.255.0.0     U     0      0        0 *
10.4.0.0        -               255.255.0.0     !     0      -        0 -
10.5.0.5        -               255.255.255.255 !H    0      -        0 -
10.6.0.0        0.0.0.0         255.255.0.0     U     0      0        0 *
10.7.0.0        10.1.0.3        255.255.0.0     UG    0      0        0 va
10.8.0.0        10.1.0.3        255.255.0.0     UG    0      0        0 va
10.9.0.0        10.1.0.4        255.255.0.0     UG    0      0        0 va
10.30.0.0       0.0.0.0         255.255.255.0   U     0      0        0 vc
10.31.0.0       10.30.0.2       255.255.0.0     UG    0      0        0 vc
10.32.0.0       10.99.0.1       255.255.0.0     UG    0      0        0 va
10.40.0.0       10.1.0.4        255.255.0.0     UG    0      0        0 va
10.41.0.0       10.1.0.4        255.255.0.0     UG    0      0        0 va
10.42.0.0       10.1.0.4        255.255.0.0     UG    0      0        0 va
10.50.0.0       0.0.0.0         255.255.0.0     UG    0      0        0 va
"""

# /proc/net/ipv6_route of that namespace (abridged) and what `route -n -A inet6` printed.
PROC6 = """\
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
20010db8005800000000000000000000 30 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000001       va
20010db8005000000000000000000000 30 00000000000000000000000000000000 00 20010db8000100000000000000000002 0000000a 00000004 00000000 00000003       va
20010db8005200000000000000000000 30 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000002 00000000 00200200       lo
20010db8005600000000000000000000 30 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000002 00000000 00400001       va
20010db8005700000000000000000000 30 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 08000001       va
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       lo
fe8000000000000078f8a4fffead0c37 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       vb
ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000004 00000000 00000001       vb
"""  # noqa: E501
ROUTE6_N_TEXT = """\
Kernel IPv6 routing table
Destination                    Next Hop                   Flag Met Ref  Use If
::/0                           ::                         !n   -1  1      0 lo
2001:db8:58::/48               ::                         U    1024 1      0 va
2001:db8:50::/48               2001:db8:1::2              UG   10  4      0 va
2001:db8:52::/48               ::                         !n   1024 2      0 lo
2001:db8:56::/48               ::                         Ue   1024 2      0 va
2001:db8:57::/48               ::                         U    1024 1      0 va
::1/128                        ::                         Un   0   3      0 lo
fe80::78f8:a4ff:fead:c37/128   ::                         Un   0   3      0 vb
ff00::/8                       ::                         U    256 4      0 vb
"""


def test_route_n_main_table_in_dump_order() -> None:
    assert route_n(MAIN4, LINKS) == ROUTE_N_TEXT


def test_route_n_skips_other_tables_broadcast_multicast_and_ipv6() -> None:
    extra = [
        *OTHER4,
        r4("224.0.0.0", 4, type=5, oif=3),
        r4("10.1.0.255", 32, type=3, oif=3),
    ]
    assert route_n(extra, LINKS) == (
        ROUTE_N_TEXT.split("0.0.0.0         10.1.0.254")[0]
        + "0.0.0.0         10.1.0.254      0.0.0.0         UG    0      0        0 va\n"
        + "10.1.0.0        0.0.0.0         255.255.255.0   U     0      0        0 va\n"
    )


def test_route_n_routes_lists_what_route_n_listed_says() -> None:
    """The app's redraw inlines the one test: both must pick the same routes, in order."""
    from dataclasses import replace

    from tui.model import AF_INET, RTM_F_CLONED

    mixed = [
        *MAIN4,
        *OTHER4,
        r4("224.0.0.0", 4, type=5, oif=3),
        r4("10.1.0.255", 32, type=3, oif=3),
        replace(MAIN4[0], flags=RTM_F_CLONED),
        replace(MAIN4[0], family=10, dst="2001:db8::"),
        *MAIN4,
    ]
    listed = route_n_routes(mixed, AF_INET)
    assert listed == [r for r in mixed if route_n_listed(r)]
    assert MAIN4[0] in listed and len(listed) < len(mixed) - 4


def test_route_n_details() -> None:
    host_via = r4("10.9.9.9", 32, gateway="10.1.0.1", oif=3, priority=4294967295)
    v6_gw_no_g = r4("10.0.0.0", 8, gateway="::1:2:3:4", oif=3)
    mp = r4("10.0.0.0", 8, multipath=(Nexthop(None, 2), Nexthop("10.1.0.9", 3)))
    body = route_n([host_via, v6_gw_no_g, mp], LINKS).splitlines()[2:]
    assert body == [
        "10.9.9.9        10.1.0.1        255.255.255.255 UGH   -1     0        0 va",
        "10.0.0.0        0.0.0.0         255.0.0.0       U     0      0        0 va",
        "10.0.0.0        0.0.0.0         255.0.0.0       U     0      0        0 vb",
    ]


def test_ipv6_proc_parse_and_route_n_inet6() -> None:
    rows = parse_ipv6_route_proc(PROC6 + "garbage line\n")
    assert len(rows) == 9
    assert rows[2].nexthop == "2001:db8:1::2"
    assert rows[0].metric == 0xFFFFFFFF
    assert route6_n(rows) == ROUTE6_N_TEXT


def test_route6_n_leaves_out_cache_entries() -> None:
    cached = PROC6.splitlines()[1].replace("00000001       va", "01000001       va")
    assert route6_n(parse_ipv6_route_proc(cached)) == ROUTE6_N_TEXT.split("::/0")[0]


def test_ipv4_mapped_addresses_print_like_inet_ntop() -> None:
    line = (
        "00000000000000000000ffff01020304 80 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000400 00000001 00000000 00000001       va"
    )
    assert parse_ipv6_route_proc(line)[0].dst == "::ffff:1.2.3.4"
