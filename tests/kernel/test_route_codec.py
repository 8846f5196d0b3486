"""The struct decoder against pyroute2's parser, on the same bytes from a real namespace.

One namespace holds a route of every kind we know (gateways, metrics, tos, proto, scope, src,
reject types, multipath with weights, onlink, linkdown, via, nexthop ids, big table ids, IPv6
pref/expires/multipath); its raw dump is decoded both ways, message by message, field by field.
``iter_routes`` is also compared with what ``ip -j route show table all`` prints.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from pyroute2.netlink.rtnl.rtmsg import rtmsg

from tests.netns_helpers import IpError, Netns, have_netns_privilege, temp_netns
from tui.kernel.netlink.const import (
    NLMSGHDR,
    RTM_NEWROUTE,
)
from tui.kernel.netlink.route_codec import (
    USER_HZ,
    decode_route,
)
from tui.kernel.netlink.route_dump import dump_request, dump_routes, iter_routes, open_route_socket
from tui.model import (
    AF_INET,
    AF_INET6,
    RTN_BLACKHOLE,
    RTN_PROHIBIT,
    RTN_THROW,
    RTN_UNREACHABLE,
    RTNH_F_LINKDOWN,
    RTNH_F_ONLINK,
    Nexthop,
    Route,
    RouteExtras,
)

RTAX_IDS = {name: i for i, (name, _kind) in enumerate(rtmsg.metrics.nla_map)}
RTA_NH_ID = 30  # pyroute2 0.9 does not know it

# (ip arguments, required): optional ones may be missing from this kernel's config.
SETUP: list[tuple[tuple[str, ...], bool]] = [
    (("link", "add", "v0", "type", "veth", "peer", "name", "v0p"), True),
    (("link", "add", "v1", "type", "veth", "peer", "name", "v1p"), True),
    (("link", "add", "v2", "type", "veth", "peer", "name", "v2p"), True),
    *((("link", "set", dev, "up"), True) for dev in ("v0", "v0p", "v1", "v2", "v2p")),
    # v1p stays down: v1 has no carrier, routes through it are linkdown.
    (("addr", "add", "10.1.0.1/24", "dev", "v0"), True),
    (("addr", "add", "10.2.0.1/24", "dev", "v1"), True),
    (("addr", "add", "10.3.0.1/24", "dev", "v2"), True),
    (("-6", "addr", "add", "2001:db8:1::1/64", "dev", "v0", "nodad"), True),
    (("-6", "addr", "add", "2001:db8:2::1/64", "dev", "v1", "nodad"), True),
    (("-6", "addr", "add", "2001:db8:3::1/64", "dev", "v2", "nodad"), True),
    (("route", "add", "default", "via", "10.1.0.254"), True),
    (
        ("route", "add", "10.10.0.0/16", "via", "10.1.0.2", "metric", "50", "proto", "static")
        + ("mtu", "lock", "1400", "advmss", "1300", "congctl", "cubic", "hoplimit", "9"),
        True,
    ),
    (("route", "add", "10.11.0.0/16", "via", "10.1.0.2", "tos", "0x10"), True),
    (("route", "add", "10.12.0.0/16", "dev", "v0", "scope", "link", "src", "10.1.0.1"), True),
    (("route", "add", "10.12.1.0/24", "dev", "v0", "proto", "99", "window", "1000"), True),
    (("route", "add", "10.13.0.0/16", "via", "10.2.0.2"), True),
    (("route", "add", "10.14.0.0/16", "via", "192.0.2.1", "dev", "v0", "onlink"), True),
    (("route", "add", "blackhole", "10.20.0.0/16"), True),
    (("route", "add", "unreachable", "10.21.0.0/16", "metric", "7"), True),
    (("route", "add", "prohibit", "10.22.0.0/16"), True),
    (("route", "add", "throw", "10.23.0.0/16"), True),
    (
        ("route", "add", "10.30.0.0/16", "nexthop", "via", "10.1.0.2", "weight", "3")
        + ("nexthop", "via", "10.3.0.2", "weight", "1", "nexthop", "via", "10.2.0.2"),
        True,
    ),
    (("route", "add", "10.31.0.0/16", "via", "inet6", "fe80::1", "dev", "v0"), True),
    (
        ("route", "add", "10.32.0.0/16", "nexthop", "via", "inet6", "fe80::1", "dev", "v0")
        + ("nexthop", "via", "10.3.0.2", "dev", "v2", "weight", "4"),
        False,
    ),
    (("nexthop", "add", "id", "7", "via", "10.1.0.2", "dev", "v0"), True),
    (("nexthop", "add", "id", "8", "via", "10.3.0.2", "dev", "v2"), True),
    (("nexthop", "add", "id", "9", "group", "7/8"), True),
    (("route", "add", "10.40.0.0/16", "nhid", "7"), True),
    (("route", "add", "10.41.0.0/16", "nhid", "9", "table", "1000"), True),
    (("route", "add", "default", "via", "10.3.0.2", "table", "1000"), True),
    (("route", "add", "10.60.0.0/16", "via", "10.3.0.2", "table", "4000000000"), True),
    (("route", "add", "blackhole", "default", "table", "4000000000"), True),
    (("route", "add", "10.61.0.0/16", "dev", "v2", "table", "200", "metric", "3"), True),
    (("-6", "route", "add", "default", "via", "fe80::1", "dev", "v0"), True),
    (("-6", "route", "add", "2001:db8:100::/48", "via", "2001:db8:1::2", "pref", "high"), True),
    (("-6", "route", "add", "2001:db8:101::/48", "via", "2001:db8:1::2", "expires", "86400"), True),
    (
        ("-6", "route", "add", "2001:db8:102::/48", "nexthop", "via", "2001:db8:1::2")
        + ("dev", "v0", "weight", "2", "nexthop", "via", "fe80::2", "dev", "v2", "weight", "5"),
        True,
    ),
    (("-6", "route", "add", "unreachable", "2001:db8:103::/48"), True),
    (("-6", "route", "add", "blackhole", "2001:db8:106::/48"), True),
    (("-6", "route", "add", "prohibit", "2001:db8:107::/48"), True),
    (("-6", "route", "add", "2001:db8:105::/48", "dev", "v0", "mtu", "1280", "pref", "low"), True),
    (("-6", "route", "add", "2001:db8:108::/48", "via", "2001:db8:2::2", "metric", "9"), True),
    (("-6", "route", "add", "2001:db8:109::/48", "via", "2001:db8:1::2", "table", "1000"), True),
    (("-6", "route", "add", "2001:db8:110::/48", "dev", "v2", "table", "4000000000"), True),
    (("nexthop", "add", "id", "10", "via", "2001:db8:1::2", "dev", "v0"), True),
    (("-6", "route", "add", "2001:db8:111::/48", "nhid", "10", "metric", "5"), True),
    (
        ("-6", "route", "add", "2001:db8:104::/48", "from", "2001:db8:1::/64")
        + ("via", "2001:db8:1::2"),
        False,  # needs CONFIG_IPV6_SUBTREES
    ),
]


@pytest.fixture(scope="module")
def rich_ns() -> Iterator[Netns]:
    """A namespace with routes of every kind (deleted afterwards, also on failure)."""
    if not have_netns_privilege():
        pytest.skip("needs root and iproute2 to create network namespaces")
    with temp_netns() as ns:
        for args, required in SETUP:
            try:
                ns.ip(*args)
            except IpError:
                if required:
                    raise
        yield ns


def raw_dump(path: str, family: int) -> list[bytes]:
    """Every RTM_NEWROUTE message of one dump, as bytes (independent of our walker)."""
    messages: list[bytes] = []
    with open_route_socket(path) as sock:
        sock.send(dump_request(family, 4242))
        while True:
            data = sock.recv(1 << 18)
            off = 0
            while off + NLMSGHDR.size <= len(data):
                length, mtype, _flags, _seq, _pid = NLMSGHDR.unpack_from(data, off)
                if mtype == 3:  # NLMSG_DONE
                    return messages
                assert mtype == RTM_NEWROUTE, f"unexpected message type {mtype}"
                messages.append(data[off : off + length])
                off += (length + 3) & ~3


def raw_attr(message: bytes, wanted: int) -> bytes | None:
    """The payload of a top-level attribute, for the few pyroute2 does not decode."""
    off = NLMSGHDR.size + 12
    while off + 4 <= len(message):
        length = int.from_bytes(message[off : off + 2], "little")
        kind = int.from_bytes(message[off + 2 : off + 4], "little") & 0x3FFF
        if kind == wanted:
            return message[off + 4 : off + length]
        off += (length + 3) & ~3
    return None


def expected_from_pyroute2(message: bytes) -> Route:
    """The Route that pyroute2's parser reads from the same bytes."""
    msg = rtmsg(message)
    msg.decode()
    family = msg["family"]

    def via_or_gateway(obj: Any) -> str | None:
        via = obj.get("via")
        found = via["addr"] if via else obj.get("gateway")
        return str(found) if found is not None else None

    multipath = tuple(
        Nexthop(via_or_gateway(nh), nh["oif"], nh["hops"] + 1, nh["flags"])
        for nh in msg.get("multipath") or ()
    )
    metrics_nla = msg.get("metrics")
    metrics = tuple(
        (RTAX_IDS[name], value) for name, value in (metrics_nla["attrs"] if metrics_nla else ())
    )  # RTAX_CC_ALGO too: the congestion control algorithm's name
    cache = msg.get("cacheinfo")
    ticks = cache["rta_expires"] if cache else 0
    nhid = raw_attr(message, RTA_NH_ID)
    return Route(
        family=family,
        table=msg.get("table"),
        type=msg["type"],
        dst=msg.get("dst") or {AF_INET: "0.0.0.0", AF_INET6: "::"}[family],
        dst_len=msg["dst_len"],
        tos=msg["tos"],
        protocol=msg["proto"],
        scope=msg["scope"],
        flags=msg["flags"],
        priority=msg.get("priority"),
        prefsrc=msg.get("prefsrc"),
        gateway=via_or_gateway(msg),
        oif=msg.get("oif"),
        src=msg.get("src"),
        src_len=msg["src_len"],
        multipath=multipath,
        nhid=int.from_bytes(nhid, "little") if nhid else None,
        metrics=metrics,
        pref=msg.get("pref"),
        expires=int(ticks / USER_HZ) if ticks else None,
        extras=RouteExtras(realms=msg.get("RTA_FLOW")) if msg.get("RTA_FLOW") else None,
    )


@pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["inet", "inet6"])
def test_decoder_matches_pyroute2_field_by_field(rich_ns: Netns, family: int) -> None:
    messages = raw_dump(rich_ns.path, family)
    assert len(messages) > 20
    for message in messages:
        ours = decode_route(message, 0, len(message))
        assert ours == expected_from_pyroute2(message), ours


def test_dump_covers_every_kind(rich_ns: Netns) -> None:
    """Guards the fixture: each feature the comparison is meant to exercise is really there."""
    routes = dump_routes(rich_ns.path)
    v4 = [r for r in routes if r.family == AF_INET]
    v6 = [r for r in routes if r.family == AF_INET6]
    assert {RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT, RTN_THROW} <= {r.type for r in v4}
    assert {RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT} <= {r.type for r in v6}
    assert {1000, 4000000000, 200} <= {r.table for r in v4}
    assert {1000, 4000000000} <= {r.table for r in v6}
    mp4 = next(r for r in v4 if r.dst == "10.30.0.0")
    assert [(n.gateway, n.weight) for n in mp4.multipath] == [
        ("10.1.0.2", 3),
        ("10.3.0.2", 1),
        ("10.2.0.2", 1),
    ]
    assert mp4.multipath[2].flags & RTNH_F_LINKDOWN
    mp6 = next(r for r in v6 if r.dst == "2001:db8:102::")
    assert [(n.gateway, n.weight) for n in mp6.multipath] == [("2001:db8:1::2", 2), ("fe80::2", 5)]
    metrics = next(r for r in v4 if r.dst == "10.10.0.0").metrics
    assert (2, 1400) in metrics and (8, 1300) in metrics and (10, 9) in metrics
    assert (1, 1 << 2) in metrics  # RTAX_LOCK of mtu
    assert next(r for r in v4 if r.dst == "10.11.0.0").tos == 0x10
    assert next(r for r in v4 if r.dst == "10.13.0.0").flags & RTNH_F_LINKDOWN
    assert next(r for r in v4 if r.dst == "10.14.0.0").flags & RTNH_F_ONLINK
    assert next(r for r in v4 if r.dst == "10.31.0.0").gateway == "fe80::1"
    assert next(r for r in v4 if r.dst == "10.40.0.0").nhid == 7
    assert next(r for r in v4 if r.dst == "10.41.0.0").nhid == 9
    assert next(r for r in v4 if r.dst == "10.12.1.0").protocol == 99
    assert next(r for r in v6 if r.dst == "2001:db8:111::").nhid == 10
    assert next(r for r in v6 if r.dst == "2001:db8:100::").pref == 1
    assert next(r for r in v6 if r.dst == "2001:db8:105::").pref == 3
    expires = next(r for r in v6 if r.dst == "2001:db8:101::").expires
    # a day to live: counting down from it, whatever the load (no bound on the test's pace)
    assert expires is not None and 86400 // 2 < expires <= 86400
    defaults = [r for r in routes if r.dst_len == 0 and r.table == 254]
    assert {r.dst for r in defaults} == {"0.0.0.0", "::"}


def test_gateways_are_interned(rich_ns: Netns) -> None:
    routes = dump_routes(rich_ns.path, AF_INET)
    gateways = [r.gateway for r in routes if r.gateway == "10.1.0.2"]
    assert len(gateways) >= 2 and all(g is gateways[0] for g in gateways)


# --- iter_routes against `ip -j route show table all` --------------------------------------

TABLE_NAMES = {"local": 255, "main": 254, "default": 253}
TYPE_NAMES = {
    "unicast": 1, "local": 2, "broadcast": 3, "anycast": 4, "multicast": 5,
    "blackhole": 6, "unreachable": 7, "prohibit": 8, "throw": 9,
}  # fmt: skip
PREF_NAMES = {"medium": 0, "high": 1, "low": 3}
FLAG_BITS = {"dead": 1, "pervasive": 2, "onlink": 4, "offload": 8, "linkdown": 16}
Key = tuple[Any, ...]


def _dst(text: str, family: int) -> tuple[str, int]:
    full = 32 if family == AF_INET else 128
    if text == "default":
        return ("0.0.0.0" if family == AF_INET else "::", 0)
    addr, _, plen = text.partition("/")
    return socket.inet_ntop(family, socket.inet_pton(family, addr)), int(plen or full)


def _flags(names: list[str]) -> int:
    return sum(FLAG_BITS[n] for n in names if n in FLAG_BITS)


def key_from_ip(obj: dict[str, Any], family: int, dev_of: dict[str, int]) -> Key:
    """The fields both sides print, from one object of ``ip -j route show``."""
    gateway = obj.get("gateway") or (obj.get("via") or {}).get("host")
    hops = tuple(
        sorted(
            (
                nh.get("gateway") or (nh.get("via") or {}).get("host"),
                dev_of.get(nh.get("dev", ""), 0),
                nh.get("weight", 1),
                _flags(nh.get("flags", [])),
            )
            for nh in obj.get("nexthops", ())
        )
    )
    table = obj.get("table", "main")
    return (
        family,
        TABLE_NAMES.get(table) or int(table),
        TYPE_NAMES[obj.get("type", "unicast")],
        _dst(obj["dst"], family),
        int(obj.get("tos", "0"), 16),
        obj.get("metric"),
        gateway,
        dev_of.get(obj["dev"]) if "dev" in obj else None,
        obj.get("prefsrc"),
        obj.get("nhid"),
        hops,
        _flags(obj.get("flags", [])),
        PREF_NAMES.get(obj["pref"]) if "pref" in obj else None,
    )


def key_from_route(r: Route) -> Key:
    """The same fields from a decoded Route (linkdown etc. as iproute2 reports them)."""
    hops = tuple(sorted((n.gateway, n.oif or 0, n.weight, n.flags) for n in r.multipath))
    return (
        r.family,
        r.table,
        r.type,
        (r.dst, r.dst_len),
        r.tos,
        r.priority,
        r.gateway,
        r.oif,
        r.prefsrc,
        r.nhid,
        hops,
        r.flags & 0xFF,
        r.pref,
    )


@pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["inet", "inet6"])
def test_iter_routes_matches_ip_route_show(rich_ns: Netns, family: int) -> None:
    dev_of = {name: index for index, name in rich_ns.link_names().items()}
    flag = "-4" if family == AF_INET else "-6"
    shown = rich_ns.ip_json(flag, "route", "show", "table", "all")
    expected = Counter(key_from_ip(obj, family, dev_of) for obj in shown)
    got = Counter(key_from_route(r) for r in iter_routes(rich_ns.path, family))
    assert got == expected
    assert sum(got.values()) == len(shown) > 20


def test_multipath_next_hops_are_shared() -> None:
    """ECMP routes over the same next hops share one tuple of them (memory at a million)."""
    with temp_netns("fsn") as ns:
        ns.veth("e1", "p1")
        ns.veth("e2", "p2")
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "e1")
        ns.ip("addr", "add", "10.2.0.1/24", "dev", "e2")
        hops = [
            "nexthop",
            "via",
            "10.1.0.2",
            "dev",
            "e1",
            "nexthop",
            "via",
            "10.2.0.2",
            "dev",
            "e2",
        ]
        for net in ("10.40.0.0/16", "10.41.0.0/16", "10.42.0.0/16"):
            ns.ip("route", "add", net, *hops)
        ns.ip("route", "add", "10.43.0.0/16", *hops[:5], "weight", "2", *hops[5:])
        routes = {r.dst: r for r in dump_routes(ns.path, AF_INET) if r.multipath}
    first, second, third, other = (routes[f"10.4{i}.0.0"] for i in range(4))
    assert first.multipath is second.multipath is third.multipath
    assert [nh.gateway for nh in first.multipath] == ["10.1.0.2", "10.2.0.2"]
    assert other.multipath is not first.multipath and other.multipath[0].weight == 2
