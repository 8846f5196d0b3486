"""Attributes fibscope does not understand are kept, shown, saved, and make lookups unpredicted.

The kernel of this machine sends no route or rule attribute fibscope lacks, so the messages are
crafted: well-formed RTM_NEWROUTE / RTM_NEWRULE bytes with an attribute of an unassigned type
(42, 43), a metric beyond RTAX_MAX and one inside a multipath next hop.  They go through the
fast decoder, the fast printer, the views, a capture and the engine.  MPLS encap (no MPLS
routing here) is checked on a made-up route: modelled from iproute2's source, not verified
on a live kernel.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import struct

from tests.engine.states import Host
from tui import capture
from tui.fib import Engine, Query
from tui.formats.iproute import RouteFormatter
from tui.formats.iprule import ip_rule_show
from tui.formats.json_view import route_json
from tui.kernel.netlink.route_codec import decode_route
from tui.kernel.netlink.route_print import RoutePrinter
from tui.kernel.netlink.rule_codec import decode_rule
from tui.lwtunnel import encap_text
from tui.model import AF_INET, HostState, Namespace, NamespaceInfo, Route, RouteExtras

RTM_NEWROUTE, RTM_NEWRULE, NLMSG_DONE = 24, 32, 3
SEQ = 7


def nla(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(mtype: int, body: bytes) -> bytes:
    return struct.pack("=IHHII", 16 + len(body), mtype, 2, SEQ, 0) + body


def route_msg(dst: str, extra: bytes) -> bytes:
    """10.x.0.0/16 dev 2, table main, protocol boot, scope link, plus ``extra`` attributes."""
    head = struct.pack("=BBBBBBBBI", AF_INET, 16, 0, 0, 254, 3, 253, 1, 0)
    attrs = nla(15, struct.pack("=I", 254)) + nla(1, socket.inet_aton(dst))
    return message(RTM_NEWROUTE, head + attrs + nla(4, struct.pack("=I", 2)) + extra)


UNKNOWN_TOP = nla(42, bytes.fromhex("0a0b0c0d"))
UNKNOWN_METRIC = nla(8, nla(20, struct.pack("=I", 9)) + nla(2, struct.pack("=I", 1400)))
HOP = struct.pack("=HBBi", 8 + 8 + 8, 0, 0, 2) + nla(5, socket.inet_aton("10.0.0.7"))
HOP += nla(43, b"\x01\x02\x03")
MULTIPATH = nla(9, HOP + struct.pack("=HBBi", 8, 0, 0, 2))


def _host() -> Host:
    host = Host()
    host.link("e1")
    host.addr("e1", "10.0.0.1/24")
    return host


def test_route_attributes_are_kept_and_shown() -> None:
    plain = decode_route(route_msg("10.5.0.0", b""), 0, len(route_msg("10.5.0.0", b"")))
    assert plain.unknown == ()
    msg = route_msg("10.6.0.0", UNKNOWN_TOP + UNKNOWN_METRIC)
    route = decode_route(msg, 0, len(msg))
    assert route.unknown == ((42, "0a0b0c0d"), (8 << 16 | 20, "09000000"))
    assert route.metrics == ((2, 1400),)
    line = RouteFormatter({2: "e1"}).line(route)
    assert line == (
        "10.6.0.0/16 dev e1 scope link mtu 1400 unknown-attr 42 0x0a0b0c0d "
        "unknown-attr 8.20 0x09000000 "
    )
    hop_msg = route_msg("10.7.0.0", MULTIPATH)
    hops = decode_route(hop_msg, 0, len(hop_msg))
    assert hops.multipath[0].unknown == ((43, "010203"),)
    assert (
        RouteFormatter({2: "e1"})
        .line(hops)
        .endswith(
            "\n\tnexthop via 10.0.0.7 dev e1 weight 1 unknown-attr 43 0x010203 "
            "\n\tnexthop dev e1 weight 1 "
        )
    )
    assert route_json(route, {2: "e1"}, {})["unknown_attrs"][0] == {"type": 42, "raw": "0a0b0c0d"}


def test_fast_printer_shows_them_too() -> None:
    """The template printer of ``fibscope routes`` (live) prints what the formatter prints."""
    msgs = [route_msg(f"10.{i}.0.0", UNKNOWN_TOP) for i in range(20, 30)]
    datagram = bytearray(b"".join(msgs) + message(NLMSG_DONE, struct.pack("=i", 0)))
    formatter = RouteFormatter({2: "e1"})
    printer = RoutePrinter(lambda r: formatter.line(r) + "\n")
    text, done, _ = printer.read(datagram, len(datagram), SEQ)
    assert done
    want = "".join(formatter.line(decode_route(m, 0, len(m))) + "\n" for m in msgs)
    assert text == want
    assert text.count("unknown-attr 42 0x0a0b0c0d") == 10


def test_lookup_through_an_unknown_attribute_is_not_predicted() -> None:
    msg = route_msg("10.6.0.0", UNKNOWN_TOP)
    host = _host()
    host.routes.append(dataclasses.replace(decode_route(msg, 0, len(msg)), oif=host.index("e1")))
    engine = Engine(host.state())
    trace = engine.lookup(Query("10.6.1.1"))
    assert not trace.predicted
    assert "route 10.6.0.0/16" in (trace.reason or "") and "42" in (trace.reason or "")
    assert engine.lookup(Query("10.0.0.9")).predicted  # routes without them: unaffected


def rule_msg(extra: bytes, priority: int = 50) -> bytes:
    head = struct.pack("=BBBBBBBBI", AF_INET, 0, 0, 0, 100, 0, 0, 1, 0)
    return message(RTM_NEWRULE, head + nla(6, struct.pack("=I", priority)) + extra)


def test_rule_attributes_are_kept_shown_and_unpredicted() -> None:
    msg = rule_msg(nla(42, b"\xff\x00"))
    rule = decode_rule(msg, 0, len(msg))
    assert rule.unknown == ((42, "ff00"),) and rule.table == 100 and rule.priority == 50
    assert ip_rule_show([rule]) == "50:\tfrom all lookup 100 unknown-attr 42 0xff00\n"
    host = _host()
    host.route("default", via="10.0.0.254")
    state = dataclasses.replace(host.state(), rules=(rule, *host.state().rules))
    trace = Engine(state).lookup(Query("8.8.8.8"))
    assert not trace.predicted and "rule 50" in (trace.reason or "")
    host_state = HostState((Namespace(NamespaceInfo(1, 2), state),))
    loaded = capture.from_json(json.loads(json.dumps(capture.to_json(host_state))))
    assert loaded == host_state


def test_capture_round_trip_of_routes_with_everything() -> None:
    routes = []
    for extra in (UNKNOWN_TOP + UNKNOWN_METRIC, MULTIPATH, nla(11, struct.pack("=I", 5))):
        msg = route_msg("10.8.0.0", extra)
        routes.append(decode_route(msg, 0, len(msg)))
    mixed = RouteExtras(realms=3, encap=(2, "0c00"), unknown=routes[0].unknown)
    routes.append(dataclasses.replace(routes[0], metrics=((16, "cubic"),), extras=mixed))
    state = dataclasses.replace(_host().state(), routes=tuple(routes))
    host = HostState((Namespace(NamespaceInfo(1, 2), state),), proto_names={250: "frr"})
    assert capture.from_json(json.loads(json.dumps(capture.to_json(host)))) == host


def test_captures_of_the_previous_route_fields_still_load() -> None:
    state = _host().state()
    doc = json.loads(
        json.dumps(capture.to_json(HostState((Namespace(NamespaceInfo(1, 2), state),)), 1))
    )  # version 1: routes as rows
    old_fields = capture.ROUTE_FIELDS[: capture.ROUTE_FIELDS.index("extras")]
    doc["route_fields"] = old_fields
    del doc["proto_names"]
    for ns in doc["namespaces"]:
        ns["state"]["routes"] = [row[: len(old_fields)] for row in ns["state"]["routes"]]
    assert capture.from_json(doc).namespaces[0].state == state


def _mpls(labels: list[int], ttl: int | None) -> tuple[int, str]:
    entries = [label << 12 for label in labels]
    entries[-1] |= 0x100  # bottom of stack
    data = nla(1, struct.pack(f"!{len(entries)}I", *entries))
    if ttl is not None:
        data += nla(2, bytes([ttl]))
    return (1, data.hex())


def test_mpls_encap_modelled_from_source() -> None:
    """print_encap_mpls: `` encap mpls `` then `` 100/200 `` (format_host of the label stack)
    and ``ttl N ``; modelled, not verified on a live kernel (no MPLS routing here)."""
    assert encap_text(_mpls([100, 200], 5)) == (" encap mpls  100/200 ttl 5 ", "")
    route = Route(AF_INET, 254, 1, "10.9.0.0", 16, protocol=3, gateway="10.0.0.2", oif=2,
                  extras=RouteExtras(encap=_mpls([16], None)))  # fmt: skip
    assert (
        RouteFormatter({2: "e1"}).line(route) == "10.9.0.0/16  encap mpls  16 via 10.0.0.2 dev e1 "
    )
    host = _host()
    host.routes.append(dataclasses.replace(route, oif=host.index("e1")))
    trace = Engine(host.state()).lookup(Query("10.9.1.1"))
    assert trace.predicted and trace.verdict.gateway == "10.0.0.2"
    assert any("encap mpls 16" in step.text for step in trace.steps)


def test_unknown_encap_type_is_shown_raw() -> None:
    text, raw = encap_text((99, "0102"))
    assert (text, raw) == (" encap unknown ", "unknown-attr 22 0x0102 ")
