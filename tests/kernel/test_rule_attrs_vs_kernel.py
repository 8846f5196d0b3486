"""dscp / flow label / port-mask / tun_id rules and IPv4 routes via IPv6 gateways (RTA_VIA),
against the kernel.

The namespace holds rules iproute2 6.1 cannot create (FRA_DSCP with and without FRA_DSCP_MASK,
FRA_FLOWLABEL with masks, FRA_SPORT_MASK / FRA_DPORT_MASK: sent as raw RTM_NEWRULE by
``tests.rule_netlink``) beside legacy ``tos`` rules, a ``tun_id`` rule, and IPv4 routes whose
gateway is an IPv6 neighbour (also inside multipath).  The state is read, written to a capture
and read back; the kernel answers every generated query (``ip -d -j route get``, and
fibscope's own RTM_GETROUTE with RTA_FLOWLABEL for flow labels, which ip 6.1 cannot send);
the namespaces are deleted; then the engine answers from the capture and must agree.
"""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Iterator
from typing import Any

from tests.kernel.lookup_scenarios import TABLES, kernel_answers
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.rule_netlink import add_rule, dscp_attrs, flowlabel_attrs, port_mask_attrs
from tui import capture
from tui.fib import Engine, Query, Trace
from tui.formats.iprule import ip_rule_show, newer_selector_words
from tui.kernel.netlink.dump import read_netns
from tui.kernel.netlink.kernel_get import route_get
from tui.model import AF_INET, AF_INET6, HostState, Namespace, NamespaceInfo, NetnsState, Rule
from tui.source.kernel import RouteRequest

pytestmark = requires_netns

IPPROTO_TCP, IPPROTO_UDP = 6, 17
# (priority, table, raw attributes): every kind of the newer selectors, IPv4.
RAW_RULES4 = [
    (100, 100, dscp_attrs(34)),  # AF41
    (101, 101, dscp_attrs(0x10, 0x30)),
    (103, 103, port_mask_attrs(IPPROTO_TCP, "sport", 0x123, 0xFFF)),
    (104, 104, port_mask_attrs(IPPROTO_UDP, "dport", 0x4, 0xFF)),
    (105, 105, port_mask_attrs(IPPROTO_UDP, "sport", 5000, 0xFFFF)),
    (106, 106, dscp_attrs(0x3, 0x3)),
    (600, 110, dscp_attrs(0)),  # dscp 0 exact: every tos-less flow that got this far
]
RAW_RULES6 = [
    (100, 120, dscp_attrs(46)),  # EF
    (101, 121, dscp_attrs(0x20, 0x20)),
    (102, 122, flowlabel_attrs(0x12345)),
    (103, 123, flowlabel_attrs(0x11, 0xFF)),
    (104, 124, port_mask_attrs(IPPROTO_TCP, "dport", 0x50, 0xF0)),
]
IP_SETUP = [
    "link set e1 up",
    "link set e2 up",
    "addr add 10.1.0.1/24 dev e1",
    "addr add 10.9.0.1/16 dev e1",  # a second primary: the IPv6 gateway's first bytes pick it
    "addr add 10.2.0.1/24 dev e2",
    "addr add fd01::1/64 dev e1 nodad",
    "addr add fd02::1/64 dev e2 nodad",
    "route add default via 10.2.0.254",
    "route add 10.50.0.0/16 via inet6 fe80::1 dev e1",
    "route add 10.53.0.0/16 via inet6 a09:7::1 dev e1 onlink",
    "route add 10.52.0.0/16 nexthop via inet6 fe80::5 dev e2",
    "route add 10.54.0.0/16 table 100 via inet6 fe80::54 dev e2",
    "-6 route add default via fd02::fe",
    "rule add tos 0x10 lookup 102 pref 102",
    "rule add tun_id 7 lookup 107 pref 107",
    "-6 rule add tos 0x28 lookup 125 pref 105",
]
DESTS4 = ["8.8.8.8", "10.50.1.1", "10.52.1.1", "10.53.1.1", "10.54.1.1"]
DESTS6 = ["2001:db8::1", "fd01::99"]
LABELS = [0, 0x12345, 0x12346, 0x11, 0xABC11, 0x1211, 0xFFFFF]


def _setup(ns: Netns, peer: Netns) -> None:
    ns.veth("e1", "p1", peer_ns=peer)
    ns.veth("e2", "p2", peer_ns=peer)
    for line in IP_SETUP:
        words = line.split()
        ns.ip(*words)
    for table in [*range(100, 111), *range(120, 126)]:
        via = f"10.1.0.{table - 90}" if table < 120 else None
        if via:
            ns.ip("route", "add", "default", "via", via, "table", str(table))
        ns.ip("-6", "route", "add", "default", "via", f"fd01::{table:x}", "table", str(table))
    for prio, table, attrs in RAW_RULES4:
        add_rule(ns.path, AF_INET, prio, table, attrs)
    for prio, table, attrs in RAW_RULES6:
        add_rule(ns.path, AF_INET6, prio, table, attrs)


def _queries(rng: random.Random) -> Iterator[Query]:
    for tos in range(256):  # every ECN bit too: the kernel ignores them
        for dst in DESTS4:
            yield Query.parse(dst, tos=tos)
        yield Query.parse(
            rng.choice(DESTS4),
            tos=tos,
            ipproto="tcp",
            sport=rng.choice((0x123, 0x1123, 0x124, 80)),
            dport=22,
        )
        yield Query.parse(
            "8.8.8.8",
            tos=tos,
            ipproto="udp",
            sport=rng.choice((5000, 5001)),
            dport=rng.choice((4, 0x104, 5, 53)),
        )
        for dst in DESTS6:
            yield Query.parse(dst, tos=tos)
            yield Query.parse(dst, tos=tos, flowlabel=rng.choice(LABELS))
        yield Query.parse(
            "2001:db8::1",
            ipproto="tcp",
            sport=1000,
            dport=rng.choice((0x50, 0x150, 0x55, 0x5F, 0x60)),
        )
    for label in LABELS:
        yield Query.parse("2001:db8::1", flowlabel=label)
    for dst in DESTS4:
        yield Query.parse(dst, dscp="AF41")
        yield Query.parse(dst, tos="CS1")
        yield Query.parse(dst, oif="e1")


def _ip_answers(ns: Netns, queries: list[Query]) -> list[dict[str, Any]]:
    """``ip -n NS -d -j -force -batch`` (one run): each answer normalised, or {"error": NAME}."""
    answers: list[dict[str, Any]] = []
    for got in kernel_answers(ns, queries):
        if "error" in got:
            answers.append({"error": got["error"]})
            continue
        via = got.get("via") or {}
        table = got.get("table")
        answers.append(
            {
                "error": None,
                "type": got.get("type", "unicast"),
                "dev": got.get("dev"),
                "gateway": got.get("gateway") or via.get("host"),
                "table": TABLES[table] if table in TABLES else int(table or 0),
                "prefsrc": got.get("prefsrc"),
            }
        )
    return answers


def _own_answer(ns: Netns, q: Query, devs: dict[str, int]) -> dict[str, Any]:
    """fibscope's RTM_GETROUTE (with RTA_FLOWLABEL), normalised like the ip answers."""
    family = socket.AF_INET6 if q.family == AF_INET6 else socket.AF_INET
    answer = route_get(
        ns.path,
        RouteRequest(
            family,
            q.dst,
            oif=devs[q.oif] if q.oif else None,
            tos=q.tos,
            ipproto=q.ipproto,
            sport=q.sport,
            dport=q.dport,
            flowlabel=q.flowlabel,
        ),
    )
    got: dict[str, Any] = answer.to_json({v: k for k, v in devs.items()}, {1: "unicast"})
    if got["error"]:
        return {"error": got["error"]}
    return {k: got[k] for k in ("error", "type", "dev", "gateway", "table", "prefsrc")}


def _engine_answer(trace: Trace) -> dict[str, Any]:
    v = trace.verdict
    if v.error:
        return {"error": v.error_name}
    return {
        "error": None,
        "type": v.type,
        "dev": v.dev,
        "gateway": v.gateway,
        "table": v.table or 0,
        "prefsrc": v.prefsrc,
    }


def _round_trip(state: NetnsState) -> NetnsState:
    """The state written to a capture document (as JSON text) and read back."""
    host = HostState((Namespace(NamespaceInfo(1, 2, ("t",)), state),))
    doc = json.loads(json.dumps(capture.to_json(host)))
    loaded = capture.from_json(doc).namespaces[0].state
    assert loaded == state
    return loaded


def test_newer_rule_selectors_and_via_agree_with_kernel() -> None:
    queries = list(_queries(random.Random(5)))
    with temp_netns("fsa") as ns, temp_netns("fsa") as peer:
        _setup(ns, peer)
        state = read_netns(ns.path)
        devs = {name: index for index, name in ns.link_names().items()}
        by_ip = [q for q in queries if q.flowlabel is None]
        kernel = dict(zip(map(id, by_ip), _ip_answers(ns, by_ip), strict=True))
        for q in queries:
            if q.flowlabel is not None:
                kernel[id(q)] = _own_answer(ns, q, devs)
    engine = Engine(_round_trip(state))  # the namespaces are gone: the capture answers
    bad, unpredicted = [], 0
    for q in queries:
        trace = engine.lookup(q)
        if not trace.predicted:
            unpredicted += 1
            continue
        want, got = kernel[id(q)], _engine_answer(trace)
        if want != got:
            steps = "\n      ".join(s.text for s in trace.steps)
            bad.append(f"{q.words()}\n   kernel {want}\n   engine {got}\n      {steps}")
    assert len(queries) > 1500
    assert unpredicted == 0
    assert not bad, f"{len(bad)} of {len(queries)} disagree:\n" + "\n".join(bad[:6])
    tables = {trace.verdict.table for trace in map(engine.lookup, queries)}
    assert {100, 101, 102, 103, 104, 105, 106, 110, 120, 121, 122, 123, 124, 125} <= tables


def _as_ip61(rule: Rule, line: str) -> str:
    """Our line as iproute2 6.1 prints it: without the newer selectors, and a masked port
    as its bare number."""
    line = line.removesuffix(newer_selector_words(rule))
    for word, rng, mask in (
        ("sport", rule.sport_range, rule.sport_mask),
        ("dport", rule.dport_range, rule.dport_mask),
    ):
        if rng is not None and mask not in (None, 0xFFFF):
            line = line.replace(f" {word} {rng[0]:#x}/{mask:#x}", f" {word} {rng[0]}")
    return line


def test_rule_view_new_words_and_ip61_bytes() -> None:
    with temp_netns("fsa") as ns, temp_netns("fsa") as peer:
        _setup(ns, peer)
        state = read_netns(ns.path)
        ip_text = {
            fam: ns.ip(*(["-6"] if fam == AF_INET6 else []), "rule", "show")
            for fam in (AF_INET, AF_INET6)
        }
    for family in (AF_INET, AF_INET6):
        ours = ip_rule_show(state.rules, family=family).splitlines()
        rules = [r for r in state.rules if r.family == family]
        assert [_as_ip61(r, line) for r, line in zip(rules, ours, strict=True)] == ip_text[
            family
        ].splitlines()
    text4 = ip_rule_show(state.rules, family=AF_INET)
    text6 = ip_rule_show(state.rules, family=AF_INET6)
    # What a current iproute2 prints for these attributes (ip/iprule.c print_rule, 6.16).
    for words in (
        "100:\tfrom all lookup 100 dscp AF41",
        "101:\tfrom all lookup 101 dscp 0x10/0x30",
        "103:\tfrom all ipproto tcp sport 0x123/0xfff lookup 103",
        "104:\tfrom all ipproto udp dport 0x4/0xff lookup 104",
        "105:\tfrom all ipproto udp sport 5000 lookup 105",
        "107:\tfrom all tun_id 7 lookup 107",
        "600:\tfrom all lookup 110 dscp default",
    ):
        assert words + "\n" in text4
    for words in (
        "100:\tfrom all lookup 120 dscp EF",
        "101:\tfrom all lookup 121 dscp 0x20/0x20",
        "102:\tfrom all lookup 122 flowlabel 0x12345",
        "103:\tfrom all lookup 123 flowlabel 0x11/0xff",
    ):
        assert words + "\n" in text6
    assert not [r for r in state.rules if r.unknown]
