"""Name tables: the words iproute2 6.1 prints (sweeps recorded from the real ``ip``)."""

from __future__ import annotations

import pytest

from tui.names import (
    RealmNamer,
    dsfield_name,
    group_name,
    ipproto_name,
    metric_name,
    parse_dsfield,
    parse_proto,
    parse_rtntype,
    parse_scope,
    parse_table,
    proto_name,
    rt_flags_text,
    rtntype_name,
    rule_action_name,
    scope_name,
    strtoul,
    table_name,
)

# `ip route show table 77` with a route of each `proto 0..255` (proto boot prints nothing).
PROTO_WORDS = {
    0: "unspec", 1: "redirect", 2: "kernel", 4: "static", 8: "gated", 9: "ra", 10: "mrt",
    11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp",
    18: "keepalived", 42: "babel", 99: "openr", 186: "bgp", 187: "isis", 188: "ospf",
    189: "rip", 192: "eigrp",
}  # fmt: skip
# `ip route show table 79` with `tos 0x04 .. 0xfc` (the ECN bits must be 0).
TOS_WORDS = (
    "0x04 0x08 0x0c 0x10 0x14 0x18 0x1c CS1 0x24 AF11 0x2c AF12 0x34 AF13 0x3c CS2 0x44 AF21 "
    "0x4c AF22 0x54 AF23 0x5c CS3 0x64 AF31 0x6c AF32 0x74 AF33 0x7c CS4 0x84 AF41 0x8c AF42 "
    "0x94 AF43 0x9c CS5 0xa4 0xa8 0xac 0xb0 0xb4 EF 0xbc CS6 0xc4 0xc8 0xcc 0xd0 0xd4 0xd8 "
    "0xdc CS7 0xe4 0xe8 0xec 0xf0 0xf4 0xf8 0xfc"
)


def test_protocols_as_ip_prints_them() -> None:
    for proto in range(256):
        assert proto_name(proto) == PROTO_WORDS.get(proto, "boot" if proto == 3 else str(proto))


def test_scopes() -> None:
    named = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
    for scope in range(256):
        assert scope_name(scope) == named.get(scope, str(scope))


def test_dsfield_sweep() -> None:
    assert " ".join(dsfield_name(t) for t in range(4, 256, 4)) == TOS_WORDS


def test_types_and_actions() -> None:
    assert [rtntype_name(t) for t in range(12)] == [
        "none", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
        "unreachable", "prohibit", "throw", "nat", "xresolve",
    ]  # fmt: skip
    assert rtntype_name(42) == "42"
    assert [rule_action_name(a) for a in (1, 2, 3, 6, 7, 8)] == [
        "lookup", "goto", "nop", "blackhole", "unreachable", "prohibit",
    ]  # fmt: skip


def test_tables() -> None:
    assert table_name(254) == "main"
    assert table_name(255) == "local"
    assert table_name(253) == "default"
    assert table_name(4000000000) == "4000000000"
    assert table_name(1000, {1000: "blue"}) == "blue"
    assert table_name(254, {254: "principal"}) == "principal"


def test_parse_table_like_rtnl_rttable_a2n() -> None:
    assert parse_table("main") == 254
    assert parse_table("local") == 255
    assert parse_table("blue", {1000: "blue"}) == 1000
    assert parse_table("4000000000") == 4000000000
    assert parse_table("0x10") == 16
    assert parse_table("010") == 8  # strtoul base 0: octal
    for bad in ("all", "4294967296", "-1", "12abc", "", "08", "0x"):
        with pytest.raises(ValueError):
            parse_table(bad)


def test_parse_others() -> None:
    assert parse_proto("bgp") == 186
    assert parse_proto("17") == 17
    assert parse_scope("link") == 253
    assert parse_dsfield("AF11") == 0x28
    assert parse_dsfield("10") == 0x10  # dsfield numbers are hex
    assert parse_rtntype("blackhole") == 6
    assert parse_rtntype("brd") == 3
    with pytest.raises(ValueError):
        parse_proto("256")
    assert strtoul(" +7") == 7


def test_ipproto_and_groups() -> None:
    assert ipproto_name(6) == "tcp"
    assert ipproto_name(17) == "udp"
    assert ipproto_name(58) == "ipv6-icmp"
    assert ipproto_name(253) == "ipproto-253"
    assert group_name(0) == "default"
    assert group_name(5) == "5"
    assert group_name(0xFFFFFFFE) == "-2"


def test_metric_names_and_flags() -> None:
    assert [metric_name(i) for i in (2, 8, 13, 16, 17)] == [
        "mtu", "advmss", "rto_min", "congctl", "fastopen_no_cookie",
    ]  # fmt: skip
    assert metric_name(40) == "metric 40"
    assert rt_flags_text(0x1 | 0x4 | 0x10) == "dead onlink linkdown "
    assert rt_flags_text(0) == ""


def test_realm_names_load_lazily_like_iproute2() -> None:
    namer = RealmNamer()
    assert namer.name(300) == "300"
    assert namer.name(0) == "unknown"  # `realms 300/unknown` before any small realm
    assert namer.name(3) == "3"
    assert namer.name(0) == "cosmos"  # rt_realms has been read now
