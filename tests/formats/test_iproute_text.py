"""``ip route show`` text from hand-built routes; the expected lines were printed by the real
``ip`` (iproute2 6.1) for the same routes in a namespace (``cat -A`` checked the spaces)."""

from __future__ import annotations

from tests.garbage import cyclic_garbage
from tui.formats.iproute import TABLE_ALL, RouteFormatter, ip_route_show, metrics_text
from tui.model import AF_INET, AF_INET6, Nexthop, Route


def shown(text: str) -> str:
    """Expected output written the way ``cat -A`` shows it: ``$`` marks each line's end."""
    return text.replace("$\n", "\n")


LINKS = {1: "lo", 2: "vb", 3: "va", 4: "vd", 5: "vc"}
V4, V6 = AF_INET, AF_INET6


def r4(dst: str, dst_len: int, **kw: object) -> Route:
    """An IPv4 main-table unicast route, proto boot, as the kernel dumps `ip route add`."""
    base: dict[str, object] = {"table": 254, "type": 1, "protocol": 3}
    base.update(kw)
    return Route(V4, dst=dst, dst_len=dst_len, **base)  # type: ignore[arg-type]


def r6(dst: str, dst_len: int, **kw: object) -> Route:
    """An IPv6 main-table route as dumped: always a metric and a pref."""
    base: dict[str, object] = {"table": 254, "type": 1, "protocol": 3, "priority": 1024}
    base["pref"] = 0
    base.update(kw)
    return Route(V6, dst=dst, dst_len=dst_len, **base)  # type: ignore[arg-type]


MAIN4 = [
    r4("0.0.0.0", 0, gateway="10.1.0.254", oif=3),
    r4("10.1.0.0", 24, oif=3, protocol=2, scope=253, prefsrc="10.1.0.1"),
    r4("10.2.0.0", 16, gateway="10.1.0.2", oif=3, protocol=4, priority=5),
    r4("10.3.0.0", 16, type=6),
    r4("10.4.0.0", 16, type=7),
    r4("10.5.0.5", 32, type=8),
    r4("10.6.0.0", 16, type=9),
    r4("10.7.0.0", 16, tos=0x10, gateway="10.1.0.3", oif=3),
    r4("10.8.0.0", 16, gateway="10.1.0.3", oif=3, metrics=((1, 4), (2, 1400), (8, 1300))),
    r4("10.9.0.0", 16, multipath=(Nexthop("10.1.0.4", 3, 2), Nexthop("10.1.0.5", 3, 1))),
    r4("10.30.0.0", 24, oif=5, protocol=2, scope=253, prefsrc="10.30.0.1", flags=16),
    r4("10.31.0.0", 16, gateway="10.30.0.2", oif=5, flags=16),
    r4("10.32.0.0", 16, gateway="10.99.0.1", oif=3, flags=4),
    r4("10.40.0.0", 16, nhid=1, gateway="10.1.0.4", oif=3),
    r4("10.41.0.0", 16, nhid=3, multipath=(Nexthop("10.1.0.4", 3), Nexthop("10.1.0.5", 3))),
    r4("10.42.0.0", 16, multipath=(Nexthop("10.1.0.4", 3), Nexthop("10.30.0.2", 5, 1, 16))),
    r4("10.50.0.0", 16, gateway="fe80::1", oif=3),
]
MAIN4_TEXT = shown("""\
default via 10.1.0.254 dev va $
10.1.0.0/24 dev va proto kernel scope link src 10.1.0.1 $
10.2.0.0/16 via 10.1.0.2 dev va proto static metric 5 $
blackhole 10.3.0.0/16 $
unreachable 10.4.0.0/16 $
prohibit 10.5.0.5 $
throw 10.6.0.0/16 $
10.7.0.0/16 tos 0x10 via 10.1.0.3 dev va $
10.8.0.0/16 via 10.1.0.3 dev va mtu lock 1400 advmss 1300 $
10.9.0.0/16 $
\tnexthop via 10.1.0.4 dev va weight 2 $
\tnexthop via 10.1.0.5 dev va weight 1 $
10.30.0.0/24 dev vc proto kernel scope link src 10.30.0.1 linkdown $
10.31.0.0/16 via 10.30.0.2 dev vc linkdown $
10.32.0.0/16 via 10.99.0.1 dev va onlink $
10.40.0.0/16 nhid 1 via 10.1.0.4 dev va $
10.41.0.0/16 nhid 3 $
\tnexthop via 10.1.0.4 dev va weight 1 $
\tnexthop via 10.1.0.5 dev va weight 1 $
10.42.0.0/16 $
\tnexthop via 10.1.0.4 dev va weight 1 $
\tnexthop via 10.30.0.2 dev vc weight 1 linkdown $
10.50.0.0/16 via inet6 fe80::1 dev va $
""")

OTHER4 = [
    r4("10.11.0.0", 16, table=4000000000, oif=3, scope=253),
    r4("10.10.0.0", 16, table=1000, oif=3, scope=253),
    *MAIN4[:2],
    r4("10.1.0.1", 32, table=255, type=2, oif=3, protocol=2, scope=254, prefsrc="10.1.0.1"),
    r4("10.1.0.255", 32, table=255, type=3, oif=3, protocol=2, scope=253, prefsrc="10.1.0.1"),
]
ALL4_TEXT = shown("""\
10.11.0.0/16 dev va table 4000000000 scope link $
10.10.0.0/16 dev va table 1000 scope link $
default via 10.1.0.254 dev va $
10.1.0.0/24 dev va proto kernel scope link src 10.1.0.1 $
local 10.1.0.1 dev va table local proto kernel scope host src 10.1.0.1 $
broadcast 10.1.0.255 dev va table local proto kernel scope link src 10.1.0.1 $
""")

ROUTES6 = [
    r6("2001:db8:58::", 48, table=1000, oif=3),
    r6("2001:db8:1::", 64, oif=3, protocol=2, priority=256),
    r6("2001:db8:30::", 64, oif=5, protocol=2, priority=256, flags=16),
    r6("2001:db8:50::", 48, gateway="2001:db8:1::2", oif=3, priority=10),
    r6(
        "2001:db8:51::",
        48,
        multipath=(Nexthop("2001:db8:1::2", 3), Nexthop("2001:db8:1::3", 3, 3)),
    ),
    r6("2001:db8:52::", 48, type=6, oif=1),
    r6("2001:db8:53::", 48, type=7, oif=1),
    r6("2001:db8:56::", 48, oif=3, expires=299),
    r6("2001:db8:57::", 48, oif=3, pref=1),
    r6("2001:db8:60::1", 128, type=2, oif=3),
    r6("::1", 128, table=255, type=2, oif=1, protocol=2, priority=0),
    r6("ff00::", 8, table=255, type=5, oif=3, protocol=2, priority=256),
]
MAIN6_TEXT = shown("""\
2001:db8:1::/64 dev va proto kernel metric 256 pref medium$
2001:db8:30::/64 dev vc proto kernel metric 256 linkdown pref medium$
2001:db8:50::/48 via 2001:db8:1::2 dev va metric 10 pref medium$
2001:db8:51::/48 metric 1024 pref medium$
\tnexthop via 2001:db8:1::2 dev va weight 1 $
\tnexthop via 2001:db8:1::3 dev va weight 3 $
blackhole 2001:db8:52::/48 dev lo metric 1024 pref medium$
unreachable 2001:db8:53::/48 dev lo metric 1024 pref medium$
2001:db8:56::/48 dev va metric 1024 expires 299sec pref medium$
2001:db8:57::/48 dev va metric 1024 pref high$
""")
ALL6_EXTRA = shown("""\
local 2001:db8:60::1 dev va metric 1024 pref medium$
local ::1 dev lo table local proto kernel metric 0 pref medium$
multicast ff00::/8 dev va table local proto kernel metric 256 pref medium$
""")


def test_main_table_ipv4() -> None:
    assert ip_route_show(MAIN4, LINKS) == MAIN4_TEXT


def test_table_all_prints_table_words_and_other_tables() -> None:
    assert ip_route_show(OTHER4, LINKS, table=TABLE_ALL, family=V4) == ALL4_TEXT
    assert ip_route_show(OTHER4, LINKS, table=1000) == "10.10.0.0/16 dev va scope link \n"
    local = ip_route_show(OTHER4, LINKS, table=255)
    assert local.startswith("local 10.1.0.1 dev va proto kernel scope host src 10.1.0.1 \n")


def test_table_names_come_from_the_mapping() -> None:
    text = ip_route_show(OTHER4, LINKS, table=TABLE_ALL, table_names={1000: "blue"})
    assert "10.10.0.0/16 dev va table blue scope link \n" in text


def test_ipv6_main_hides_local_type_routes_and_all_shows_them() -> None:
    assert ip_route_show(ROUTES6, LINKS, family=V6) == MAIN6_TEXT
    every = ip_route_show(ROUTES6, LINKS, family=V6, table=TABLE_ALL)
    assert every == (
        "2001:db8:58::/48 dev va table 1000 metric 1024 pref medium\n" + MAIN6_TEXT + ALL6_EXTRA
    )


def test_default_family_is_ipv4_except_table_all() -> None:
    mixed = MAIN4[:1] + ROUTES6[1:2]
    assert ip_route_show(mixed, LINKS) == "default via 10.1.0.254 dev va \n"
    assert ip_route_show(mixed, LINKS, table=TABLE_ALL) == (
        "default via 10.1.0.254 dev va \n"
        "2001:db8:1::/64 dev va proto kernel metric 256 pref medium\n"
    )


def test_cloned_routes_are_hidden() -> None:
    assert ip_route_show([r4("10.0.0.1", 32, oif=3, flags=0x200)], LINKS) == ""


def test_metrics_words() -> None:
    # `rtt 2s rttvar 100ms ssthresh 5 cwnd 10 initcwnd 20 initrwnd 30 window 1000
    #  reordering 3 hoplimit 64 features ecn quickack 1 rto_min 300ms fastopen_no_cookie 1`
    metrics = (
        (1, 1 << 13), (3, 1000), (4, 16000), (5, 400), (6, 5), (7, 10), (9, 3), (10, 64),
        (11, 20), (12, 1), (13, 300), (14, 30), (15, 1), (17, 1),
    )  # fmt: skip
    assert metrics_text(metrics) == (
        "window 1000 rtt 2s rttvar 100ms ssthresh 5 cwnd 10 reordering 3 hoplimit 64 "
        "initcwnd 20 features ecn rto_min lock 300ms initrwnd 30 quickack 1 "
        "fastopen_no_cookie 1 "
    )
    assert metrics_text(((12, 0x5),)) == "features ecn 0x5 "
    assert metrics_text(((1, 1 << 2),)) == "mtu lock 0 "
    assert metrics_text(((4, 12),)) == "rtt 1ms "
    assert metrics_text(((4, 12004),)) == "rtt 1.5s "


def test_odd_values() -> None:
    fmt = RouteFormatter({3: "v%a"})
    assert fmt.line(r4("10.0.0.0", 8, oif=3)) == "10.0.0.0/8 dev v%a "
    assert fmt.line(r4("10.0.0.0", 8, oif=9)) == "10.0.0.0/8 dev if9 "
    assert fmt.line(r4("10.0.0.0", 8, multipath=(Nexthop(None, None),))) == (
        "10.0.0.0/8 \n\tnexthop dev * weight 1 "
    )
    assert fmt.line(r4("10.0.0.0", 8, protocol=200, scope=200)) == (
        "10.0.0.0/8 proto 200 scope site "
    )
    src_specific = r6("2001:db8::", 32, src="2001:db8:1::", src_len=48, oif=3, pref=2)
    assert fmt.line(src_specific) == "2001:db8::/32 from 2001:db8:1::/48 dev v%a metric 1024 2"


def test_many_routes_share_templates_and_keep_order() -> None:
    gateways = [f"10.0.{i}.1" for i in range(8)]
    routes = [
        r4(f"11.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", 32, gateway=gateways[i % 8], oif=3,
           protocol=186 if i % 3 else 4, priority=20 if i % 2 else None)
        for i in range(20_000)
    ]  # fmt: skip
    text = ip_route_show(routes, LINKS)
    assert text.count("\n") == 20_000
    assert text.startswith("11.0.0.0 via 10.0.0.1 dev va proto static \n")
    assert text.splitlines()[257] == "11.0.1.1 via 10.0.1.1 dev va proto bgp metric 20 "


def test_a_formatter_dropped_is_freed_without_the_collector() -> None:
    with cyclic_garbage() as kinds:
        fmt = RouteFormatter(LINKS)
        assert fmt.lines([r4("10.0.0.0", 8, oif=3)]) == ["10.0.0.0/8 dev va "]
        del fmt
    assert kinds["RouteFormatter"] == 0 and kinds["_TemplateCache"] == 0
