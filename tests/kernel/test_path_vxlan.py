"""``fibscope path`` through vxlan, against real traffic: the inner packet is sent out of a
vxlan device, the outer UDP packet is routed in the underlay (through a router namespace), is
decapsulated by the vxlan device of the same VNI and port where the remote address lives, and
the inner packet goes on from there.  The listener must receive the datagram where the path
says, and the devices whose counters moved must be exactly those the path crosses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netns_helpers import delete_netns, requires_netns, run_fibscope
from tests.path_lab import Lab, check, lab

pytestmark = requires_netns


def mac_of(topo: Lab, role: str, dev: str) -> str:
    return str(topo[role].ip_json("link", "show", "dev", dev)[0]["address"])


def build(topo: Lab) -> None:
    """a -- r -- b underlay (10.0.1.0/24, 10.0.2.0/24); vx0 (VNI 42, port 4789) between a and
    b with default forwarding entries; vx1 (VNI 43, port 8472, no learning) the flannel way:
    a permanent neighbour entry and a forwarding entry for b's vx1 MAC; a pod p behind b."""
    for role, forward in (("a", False), ("r", True), ("b", True), ("p", False)):
        topo.add(role, forward=forward)
    topo.chain(["a", "r", "b"])
    topo["a"].ip("route", "add", "default", "via", "10.0.1.2")
    topo["b"].ip("route", "add", "default", "via", "10.0.2.1")
    ends = {"a": ("10.0.1.1", "10.0.2.2", "1"), "b": ("10.0.2.2", "10.0.1.1", "2")}
    for role, (local, remote, n) in ends.items():
        ns = topo[role]
        ns.ip("link", "add", "vx0", "type", "vxlan", "id", "42", "local", local, "dstport", "4789")
        ns.ip("addr", "add", f"10.200.0.{n}/24", "dev", "vx0")
        ns.ip("link", "set", "vx0", "up")
        ns.exec("bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", remote)
        ns.ip(
            "link", "add", "vx1", "type", "vxlan", "id", "43", "local", local, "dstport", "8472",
            "nolearning",
        )  # fmt: skip
        ns.ip("addr", "add", f"10.201.0.{n}/24", "dev", "vx1")
        ns.ip("link", "set", "vx1", "up")
    for role, other, remote, n in (("a", "b", "10.0.2.2", "2"), ("b", "a", "10.0.1.1", "1")):
        mac = mac_of(topo, other, "vx1")
        topo[role].ip(
            "neigh", "add", f"10.201.0.{n}", "lladdr", mac, "dev", "vx1", "nud", "permanent"
        )
        topo[role].exec("bridge", "fdb", "add", mac, "dev", "vx1", "dst", remote)
    topo.link("b", "cali1", "p", "eth0")
    topo["p"].ip("addr", "add", "10.244.0.5/32", "dev", "eth0")
    topo["b"].ip("route", "add", "10.244.0.5/32", "dev", "cali1")
    topo["a"].ip("route", "add", "10.244.0.0/16", "via", "10.200.0.2", "dev", "vx0")


@pytest.fixture(scope="module")
def vxlan_lab() -> Iterator[Lab]:
    with lab() as topo:
        build(topo)
        yield topo


def roles(topo: Lab, doc: dict[str, object]) -> list[tuple[str, str | None]]:
    hops = doc["hops"]
    assert isinstance(hops, list)
    return [(topo.role_of(hop["netns"]), hop["iif"]) for hop in hops]


def test_default_entry_outer_packet_routed_then_decapsulated(vxlan_lab: Lab) -> None:
    doc = check(vxlan_lab, "a", "10.200.0.2", "b", end="delivered")
    assert roles(vxlan_lab, doc) == [
        ("a", None),
        ("a", None),
        ("r", "toa"),
        ("b", "tor"),
        ("b", "vx0"),
    ]
    enc = doc["hops"][0]["crossing"]
    assert enc["kind"] == "vxlan" and "VNI 42, UDP 4789" in enc["how"]
    assert "10.0.1.1 -> 10.0.2.2" in enc["how"]
    outer = doc["hops"][1]["result"]
    assert outer["dev"] == "tor" and doc["hops"][3]["crossing"]["to_dev"] == "vx0"
    assert "decapsulates VNI 42" in doc["hops"][3]["crossing"]["how"]


def test_inner_packet_goes_on_after_decapsulation(vxlan_lab: Lab) -> None:
    doc = check(vxlan_lab, "a", "10.244.0.5", "p", end="delivered")
    assert roles(vxlan_lab, doc)[-2:] == [("b", "vx0"), ("p", "eth0")]
    assert doc["hops"][-2]["result"]["dev"] == "cali1"


def test_flannel_style_static_neighbour_and_forwarding_entry(vxlan_lab: Lab) -> None:
    doc = check(vxlan_lab, "a", "10.201.0.2", "b", end="delivered")
    how = doc["hops"][0]["crossing"]["how"]
    assert "VNI 43, UDP 8472" in how and "forwarding entry for" in how
    assert doc["hops"][3]["crossing"]["answer"] == "static_entry"


def test_text_names_the_outer_packet(vxlan_lab: Lab) -> None:
    proc = run_fibscope("path", "10.200.0.2", "--netns", vxlan_lab.name("a"))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "vx0 is a vxlan (VNI 42, UDP 4789)" in text
    assert "decapsulates VNI 42" in text
    assert text.splitlines()[-2].startswith(f"delivered in {vxlan_lab.name('b')} after 5 hops")


def test_no_forwarding_entry_is_unresolved_and_nothing_arrives() -> None:
    with lab() as topo:
        build(topo)
        topo["a"].exec("bridge", "fdb", "del", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.0.2.2")
        status, doc = topo.path("10.200.0.2", "a", "--verify")
        assert status == 1 and doc["end"]["kind"] == "unresolved", doc["end"]
        assert "no forwarding entry" in doc["end"]["reason"]
        assert doc["end"]["dev"] == "vx0" and len(doc["hops"]) == 1
        seen, moved = topo.send("a", "10.200.0.2", "b", arrives=False)
        assert seen is None
        assert moved == set()  # the ARP request is dropped inside vx0: no counter moves


def test_capture_keeps_the_vxlan_settings_and_entries(tmp_path: Path) -> None:
    with lab() as topo:
        build(topo)
        capture = tmp_path / "vx.json"
        names = [a for role in ("a", "r", "b", "p") for a in ("--netns", topo.name(role))]
        proc = run_fibscope("capture", *names, "-o", str(capture))
        assert proc.returncode == 0, proc.stderr
        live = run_fibscope("path", "10.244.0.5", "--netns", topo.name("a"), "--json")
        for ns in topo.spaces.values():
            delete_netns(ns.name)
        saved = run_fibscope(
            "path", "10.244.0.5", "--netns", topo.name("a"), "--json", "--state", str(capture)
        )
        assert saved.returncode == 0, saved.stderr
        assert json.loads(saved.stdout) == json.loads(live.stdout)


def test_settings_and_entries_are_read(vxlan_lab: Lab) -> None:
    from tui.kernel.netlink.dump import read_netns
    from tui.model import Vxlan

    state = read_netns(vxlan_lab["a"].path)
    links = {link.name: link for link in state.links}
    assert links["vx0"].vxlan == Vxlan(42, 4789, "10.0.1.1", None, None, False, True)
    assert links["vx1"].vxlan == Vxlan(43, 8472, "10.0.1.1", None, None, False, False)
    assert state.fdb is not None
    got = {(e.ifindex, e.lladdr, e.dst, e.vni, e.port) for e in state.fdb}
    mac = mac_of(vxlan_lab, "b", "vx1")
    vx0 = {e for e in got if e[0] == links["vx0"].index}
    assert (links["vx0"].index, "00:00:00:00:00:00", "10.0.2.2", None, None) in vx0
    learned = vx0 - {(links["vx0"].index, "00:00:00:00:00:00", "10.0.2.2", None, None)}
    assert learned <= {(links["vx0"].index, mac_of(vxlan_lab, "b", "vx0"), "10.0.2.2", None, None)}
    assert got - vx0 == {(links["vx1"].index, mac, "10.0.2.2", None, None)}
    shown = vxlan_lab["a"].exec("bridge", "-j", "fdb", "show", "dev", "vx1")
    assert {(e["mac"], e.get("dst")) for e in json.loads(shown) if "dst" in e} == {
        (mac, "10.0.2.2")
    }
