"""The path through vxlan on made-up hosts: the outer packet and decapsulation, and every case
the engine refuses to guess (several remotes, multicast, external mode, settings not read)."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import pytest

from tests.path.made import Made
from tui import capture
from tui.fib.query import Query
from tui.model import FdbEntry, HostState, NetnsState, Vxlan
from tui.path import CaptureHost, PathResult, follow
from tui.path.text import path_lines

MAC_A, MAC_B = "02:00:00:00:0a:01", "02:00:00:00:0b:01"


def made(vni_b: int = 42) -> Made:
    """a and b joined by a veth underlay 10.0.0.0/24; vx0 on each (VNI 42, port 4789)."""
    m = Made()
    m.ns("a")
    m.ns("b")
    m.veth("a", "ub", "b", "ua")
    for name, n, mac, vni in (("a", 1, MAC_A, 42), ("b", 2, MAC_B, vni_b)):
        host = m.hosts[name]
        host.addr("ub" if name == "a" else "ua", f"10.0.0.{n}/24")
        host.link("vx0").addr("vx0", f"10.200.0.{n}/24")
        m.change(name, "vx0", kind="vxlan", address=mac, vxlan=Vxlan(vni, local=f"10.0.0.{n}"))
    return m


def with_fdb(host: HostState, entries: dict[str, list[FdbEntry] | None]) -> HostState:
    out = []
    for ns in host.namespaces:
        state = ns.state
        assert state is not None
        fdb = entries.get(ns.info.label, [])
        out.append(
            dataclasses.replace(
                ns, state=dataclasses.replace(state, fdb=None if fdb is None else tuple(fdb))
            )
        )
    return dataclasses.replace(host, namespaces=tuple(out))


def vx_index(host: HostState, ns: str) -> int:
    state = next(n.state for n in host.namespaces if n.info.label == ns)
    assert state is not None
    link = state.link_named("vx0")
    assert link is not None
    return link.index


def default(host: HostState, ns: str, dst: str, **kw: Any) -> FdbEntry:
    return FdbEntry(vx_index(host, ns), "00:00:00:00:00:00", dst, **kw)


def run(host: HostState, dst: str = "10.200.0.2") -> PathResult:
    info = next(ns.info for ns in host.namespaces if ns.info.label == "a")
    return follow(CaptureHost(host), info, Query.parse(dst))


def test_outer_packet_then_decapsulation() -> None:
    host = made().build()
    host = with_fdb(host, {"a": [default(host, "a", "10.0.0.2")]})
    result = run(host)
    assert result.end.kind == "delivered" and result.end.netns == "b"
    assert [(h.netns, h.iif, h.trace.query.dst) for h in result.hops] == [
        ("a", None, "10.200.0.2"),
        ("a", None, "10.0.0.2"),
        ("b", "ua", "10.0.0.2"),
        ("b", "vx0", "10.200.0.2"),
    ]
    outer = result.hops[1].trace.query
    assert (outer.src, outer.ipproto, outer.dport, outer.sport) == ("10.0.0.1", 17, 4789, None)
    lines = path_lines(result, {})
    assert lines[2] == (
        "   vx0 is a vxlan (VNI 42, UDP 4789); the default forwarding entry sends the frame for "
        "10.200.0.2 to 10.0.0.2: the outer packet 10.0.0.1 -> 10.0.0.2 is sent in a (its "
        "source port hashes the inner flow)"
    )
    assert (
        lines[6]
        == "   UDP 4789 is for vxlan: vx0 in b decapsulates VNI 42; b, which holds 10.200.0.2"
    )
    assert lines[-2] == "delivered in b after 4 hops"


def test_entry_port_and_vni_override_the_devices() -> None:
    host = made(vni_b=7).build()
    host = with_fdb(host, {"a": [default(host, "a", "10.0.0.2", vni=7)]})
    result = run(host)
    assert result.end.kind == "delivered"
    host = with_fdb(host, {"a": [default(host, "a", "10.0.0.2", vni=7, port=9999)]})
    result = run(host)
    assert result.end.kind == "unresolved"
    assert "no vxlan device of b takes VNI 7 on UDP port 9999" in result.end.reason


def test_several_default_remotes_are_unpredicted() -> None:
    host = made().build()
    host = with_fdb(host, {"a": [default(host, "a", "10.0.0.2"), default(host, "a", "10.0.0.9")]})
    result = run(host)
    assert result.end.kind == "unpredicted"
    assert "several remotes (10.0.0.2, 10.0.0.9)" in result.end.reason


def test_static_neighbour_uses_the_entry_for_its_mac() -> None:
    m = made()
    m.neighbour("a", "vx0", "10.200.0.2", state=0x80, lladdr=MAC_B)
    host = m.build()
    host = with_fdb(host, {"a": [FdbEntry(vx_index(host, "a"), MAC_B, "10.0.0.2")]})
    result = run(host)
    assert result.end.kind == "delivered"
    first = result.hops[0].crossing
    assert first is not None and "the forwarding entry for 02:00:00:00:0b:01" in first.how
    assert result.hops[2].crossing is not None and result.hops[2].crossing.answer == "static_entry"


def test_static_neighbour_for_a_mac_nobody_has() -> None:
    m = made()
    m.neighbour("a", "vx0", "10.200.0.2", state=0x80, lladdr="02:00:00:00:ee:ee")
    host = m.build()
    host = with_fdb(host, {"a": [default(host, "a", "10.0.0.2")]})
    result = run(host)
    assert result.end.kind == "unresolved"
    assert "02:00:00:00:ee:ee, which no device on the segment has" in result.end.reason


@pytest.mark.parametrize(
    ("change", "fdb", "kind", "words"),
    [
        ({"vxlan": None}, "default", "tunnel", "were not read"),
        ({}, None, "tunnel", "were not read"),
        ({"vxlan": Vxlan(42, external=True)}, "default", "tunnel", "external mode"),
        ({"vxlan": Vxlan(42, group="239.1.1.1")}, "none", "tunnel", "multicast group 239.1.1.1"),
        ({}, "none", "unresolved", "no forwarding entry (nor a default one)"),
        ({}, "multicast", "tunnel", "sends to multicast group 239.2.2.2"),
    ],
)
def test_what_is_not_guessed(
    change: dict[str, Any], fdb: str | None, kind: str, words: str
) -> None:
    m = made()
    if change:
        m.change("a", "vx0", **change)
    host = m.build()
    lists: dict[str, list[FdbEntry]] = {
        "default": [default(host, "a", "10.0.0.2")],
        "none": [],
        "multicast": [default(host, "a", "239.2.2.2")],
    }
    entries: dict[str, list[FdbEntry] | None] = {"a": lists[fdb] if fdb else None}
    result = run(with_fdb(host, entries))
    assert result.end.kind == kind, result.end
    assert words in result.end.reason


def test_capture_round_trip_and_hostile_fields() -> None:
    host = made().build()
    host = with_fdb(host, {"a": [default(host, "a", "10.0.0.2", vni=42, port=4789, via=1)]})
    buf = io.StringIO()
    capture.write(host, buf)
    again = capture.from_json(json.loads(buf.getvalue()))
    assert again == host
    doc = capture.to_json(host)
    state: dict[str, Any] = doc["namespaces"][0]["state"]
    for bad in (
        {"fdb": [{"ifindex": 3, "lladdr": "", "dst": "10.0.0.2"}]},
        {"fdb": [{"ifindex": 99, "lladdr": MAC_A, "dst": "10.0.0.2"}]},  # no such link
        {"fdb": [{"ifindex": 3, "lladdr": MAC_A, "dst": "not-an-address"}]},
        {"fdb": [{"ifindex": 3, "lladdr": MAC_A, "dst": "10.0.0.2", "vni": 1 << 24}]},
        {"fdb": [{"ifindex": 3, "lladdr": MAC_A, "dst": "10.0.0.2", "extra": 1}]},
        {"fdb": "x"},
    ):
        broken = {**state, **bad}
        with pytest.raises(capture.CaptureError):
            capture.from_json({**doc, "namespaces": [{**doc["namespaces"][0], "state": broken}]})
    link = next(x for x in state["links"] if x["name"] == "vx0")
    for vx in (
        {"vni": -1},
        {"vni": 1, "port": 70000},
        {"vni": 1, "local": "x"},
        {"vni": 1, "external": 1},
    ):
        links = [dict(x, vxlan=vx) if x is link else x for x in state["links"]]
        broken = {**state, "links": links}
        with pytest.raises(capture.CaptureError):
            capture.from_json({**doc, "namespaces": [{**doc["namespaces"][0], "state": broken}]})


def test_old_state_without_fdb_field_loads() -> None:
    assert NetnsState().fdb is None
