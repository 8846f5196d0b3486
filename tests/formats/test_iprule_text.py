"""``ip rule show`` text from hand-built rules; every expected line was printed by the real
``ip`` (iproute2 6.1) for the same rule in a namespace."""

from __future__ import annotations

from tui.formats.iprule import ip_rule_show, rule_line
from tui.model import AF_INET, AF_INET6, Rule

V4, V6 = AF_INET, AF_INET6


def rule(prio: int, action: int = 1, **kw: object) -> Rule:
    """An IPv4 rule as the kernel dumps what `ip rule add ... pref PRIO` made."""
    return Rule(V4, prio, action, **kw)  # type: ignore[arg-type]


CASES: list[tuple[Rule, str]] = [
    (rule(0, table=255, protocol=2), "0:\tfrom all lookup local"),
    (rule(100, table=1000, src="10.0.0.0", src_len=8), "100:\tfrom 10.0.0.0/8 lookup 1000"),
    (
        rule(101, table=254, flags=2, src="10.1.0.0", src_len=16, dst="192.168.0.0", dst_len=16),
        "101:\tnot from 10.1.0.0/16 to 192.168.0.0/16 lookup main",
    ),
    (rule(102, table=4000000000, tos=0x10), "102:\tfrom all tos 0x10 lookup 4000000000"),
    (rule(103, table=77, fwmark=5, fwmask=0xFFFFFFFF), "103:\tfrom all fwmark 0x5 lookup 77"),
    (rule(104, table=77, fwmark=5, fwmask=0xFF), "104:\tfrom all fwmark 0x5/0xff lookup 77"),
    (rule(105, table=78, iifname="va"), "105:\tfrom all iif va lookup 78"),
    (rule(106, table=79, oifname="vb"), "106:\tfrom all oif vb lookup 79"),
    (
        rule(107, table=79, iifname="nosuch", flags=8),
        "107:\tfrom all iif nosuch [detached] lookup 79",
    ),
    (rule(108, table=77, uid_range=(1000, 2000)), "108:\tfrom all uidrange 1000-2000 lookup 77"),
    (rule(109, table=77, ip_proto=6), "109:\tfrom all ipproto tcp lookup 77"),
    (rule(110, table=77, ip_proto=253), "110:\tfrom all ipproto ipproto-253 lookup 77"),
    (
        rule(111, table=77, ip_proto=17, sport_range=(1000, 2000), dport_range=(80, 80)),
        "111:\tfrom all ipproto udp sport 1000-2000 dport 80 lookup 77",
    ),
    (
        rule(112, table=254, suppress_prefixlen=0),
        "112:\tfrom all lookup main suppress_prefixlength 0",
    ),
    (
        rule(113, table=254, suppress_ifgroup=0),
        "113:\tfrom all lookup main suppress_ifgroup default",
    ),
    (rule(114, action=2, goto=200), "114:\tfrom all goto 200"),
    (rule(115, action=2, goto=300, flags=4), "115:\tfrom all goto 300 [unresolved]"),
    (rule(116, action=6, src="1.2.3.4", src_len=32), "116:\tfrom 1.2.3.4 blackhole"),
    (rule(117, action=7, src="1.2.3.5", src_len=32), "117:\tfrom 1.2.3.5 unreachable"),
    (rule(118, action=8, src="1.2.3.6", src_len=32), "118:\tfrom 1.2.3.6 prohibit"),
    (rule(119, action=3), "119:\tfrom all nop"),
    (rule(120, table=77, realms=(3 << 16) | 4), "120:\tfrom all lookup 77 realms 3/4"),
    (rule(121, table=77, realms=5), "121:\tfrom all lookup 77 realms 5"),
    (rule(122, table=77, protocol=4), "122:\tfrom all lookup 77 proto static"),
    (rule(123, l3mdev=1), "123:\tfrom all lookup [l3mdev-table]"),
    (rule(124, table=77, dst="10.9.9.9", dst_len=32), "124:\tfrom all to 10.9.9.9 lookup 77"),
    (rule(125, table=253, protocol=2), "125:\tfrom all lookup default"),
    (rule(300, table=77, fwmark=0, fwmask=0xFF), "300:\tfrom all fwmark 0/0xff lookup 77"),
    (
        rule(301, table=77, iifname="nosuch1", oifname="nosuch2", flags=0x18),
        "301:\tfrom all iif nosuch1 [detached] oif nosuch2 [detached] lookup 77",
    ),
    (rule(304, table=77, suppress_ifgroup=5), "304:\tfrom all lookup 77 suppress_ifgroup 5"),
    (
        rule(311, table=77, fwmark=0x80000000, fwmask=0x80000000),
        "311:\tfrom all fwmark 0x80000000/0x80000000 lookup 77",
    ),
    (
        rule(312, table=77, flags=2, fwmark=1, fwmask=0xFFFFFFFF, protocol=200),
        "312:\tnot from all fwmark 0x1 lookup 77 proto 200",
    ),
    (rule(4294967295, table=77), "4294967295:\tfrom all lookup 77"),
]


def test_each_selector_and_action() -> None:
    for r, expected in CASES:
        assert rule_line(r) == expected


def test_realms_name_zero_like_iproute2() -> None:
    rules = [
        rule(50, table=77, realms=300 << 16),
        rule(120, table=77, realms=(3 << 16) | 4),
        rule(302, table=77, realms=300 << 16),
    ]
    assert ip_rule_show(rules) == (
        "50:\tfrom all lookup 77 realms 300/unknown\n"
        "120:\tfrom all lookup 77 realms 3/4\n"
        "302:\tfrom all lookup 77 realms 300/cosmos\n"
    )


def test_ipv6_rules_and_family_filter() -> None:
    rules = [
        rule(0, table=255, protocol=2),
        Rule(V6, 0, 1, table=255, protocol=2),
        Rule(V6, 100, 1, table=1000, src="2001:db8::", src_len=32),
        Rule(V6, 101, 1, table=77, dst="2001:db8::1", dst_len=128, iifname="va"),
        Rule(V6, 102, 1, table=77, flags=2, tos=0x28),
        Rule(V6, 32766, 1, table=254, protocol=2),
    ]
    assert ip_rule_show(rules, family=V6) == (
        "0:\tfrom all lookup local\n"
        "100:\tfrom 2001:db8::/32 lookup 1000\n"
        "101:\tfrom all to 2001:db8::1 iif va lookup 77\n"
        "102:\tnot from all tos AF11 lookup 77\n"
        "32766:\tfrom all lookup main\n"
    )
    assert ip_rule_show(rules) == "0:\tfrom all lookup local\n"


def test_named_tables() -> None:
    assert rule_line(rule(5, table=1000), {1000: "blue"}) == "5:\tfrom all lookup blue"
