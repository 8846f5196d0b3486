"""``fibscope path`` against real traffic: each topology is built in the kernel, the path is
predicted, then one UDP datagram is sent along it.  The namespace where the prediction says
it is delivered must be where a listener receives it, and the devices the prediction crosses
must be exactly those whose packet counters moved.  Only addresses of these namespaces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.netns_helpers import delete_netns, requires_netns, run_fibscope
from tests.path_lab import Lab, crossed, lab

pytestmark = requires_netns


def check(
    topo: Lab,
    start: str,
    dest: str,
    listener: str | None,
    *,
    end: str,
    src: str | None = None,
    mark: int = 0,
) -> dict[str, Any]:
    """Predict (and verify against the kernel at each hop), send, compare; the document."""
    args = [] if src is None else ["--from", src]
    if mark:
        args += ["--mark", str(mark)]
    status, doc = topo.path(dest, start, "--verify", *args)
    assert doc["end"]["kind"] == end, doc["end"]
    assert all(hop["agree"] for hop in doc["hops"]), doc["hops"]
    assert status == (0 if end in ("delivered", "left_host") else 1)
    seen, moved = topo.send(start, dest, listener, src=src, mark=mark, arrives=end == "delivered")
    if end == "delivered":
        assert listener is not None and doc["end"]["netns"] == topo.name(listener)
        assert seen == (src or doc["hops"][0]["result"]["prefsrc"])
    else:
        assert seen is None
    assert moved == crossed(doc, topo)
    return doc


def uplink(topo: Lab, back: str) -> None:
    """An outside namespace ``out`` on the node's ``up0`` (192.0.2.0/24) that routes
    ``back`` (the pods' network) to the node."""
    topo.add("out")
    topo.link("node", "up0", "out", "up0")
    topo["node"].ip("addr", "add", "192.0.2.1/24", "dev", "up0")
    topo["out"].ip("addr", "add", "192.0.2.254/24", "dev", "up0")
    topo["out"].ip("route", "add", back, "via", "192.0.2.1")


def two_uplinks(topo: Lab) -> None:
    """Two outside namespaces ``outA`` and ``outB`` on the node's ``upA`` (192.0.1.0/24) and
    ``upB`` (192.0.2.0/24), both holding 198.51.100.7 and sending everything back to the node."""
    for n, side in ((1, "A"), (2, "B")):
        role = f"out{side}"
        topo.add(role)
        topo.link("node", f"up{side}", role, "up0")
        topo["node"].ip("addr", "add", f"192.0.{n}.1/24", "dev", f"up{side}")
        topo[role].ip("addr", "add", f"192.0.{n}.254/24", "dev", "up0")
        topo[role].ip("addr", "add", "198.51.100.7/32", "dev", "lo")
        topo[role].ip("route", "add", "default", "via", f"192.0.{n}.1")


def calico(topo: Lab) -> None:
    """Pods with /32 addresses, default via 169.254.1.1 onlink, proxy_arp on the host side,
    a /32 route to each pod's veth, an uplink to an outside namespace."""
    topo.add("node", forward=True)
    for pod in (7, 9):
        role = f"p{pod}"
        topo.add(role)
        topo.link("node", f"cali{pod}", role, "eth0")
        topo[role].ip("addr", "add", f"10.244.0.{pod}/32", "dev", "eth0")
        topo[role].ip("route", "add", "169.254.1.1", "dev", "eth0", "scope", "link")
        topo[role].ip("route", "add", "default", "via", "169.254.1.1", "dev", "eth0", "onlink")
        topo.sysctl("node", f"net.ipv4.conf.cali{pod}.proxy_arp=1")
        topo["node"].ip("route", "add", f"10.244.0.{pod}/32", "dev", f"cali{pod}")
    uplink(topo, "10.244.0.0/16")
    topo["node"].ip("route", "add", "default", "via", "192.0.2.254")


@pytest.fixture(scope="module")
def calico_lab() -> Iterator[Lab]:
    with lab() as topo:
        calico(topo)
        yield topo


def test_calico_pod_to_pod(calico_lab: Lab) -> None:
    doc = check(calico_lab, "p7", "10.244.0.9", "p9", end="delivered")
    first = doc["hops"][0]["crossing"]
    assert first["answer"] == "proxy_arp" and first["to_dev"] == "cali7"
    assert [hop["iif"] for hop in doc["hops"]] == [None, "cali7", "eth0"]


def test_calico_pod_to_outside_and_back(calico_lab: Lab) -> None:
    check(calico_lab, "p7", "192.0.2.254", "out", end="delivered")
    doc = check(calico_lab, "out", "10.244.0.9", "p9", end="delivered")
    assert doc["hops"][1]["result"]["dev"] == "cali9"


def test_calico_text_output(calico_lab: Lab) -> None:
    proc = run_fibscope("path", "10.244.0.9", "--netns", calico_lab.name("p7"), "--verify")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"path 10.244.0.9 from {calico_lab.name('p7')}"
    assert "sent: via 169.254.1.1 dev eth0 src 10.244.0.7 (default, table main)" in lines[1]
    assert lines[1].endswith("kernel agrees")
    assert lines[2] == (
        f"   eth0 is a veth; its peer cali7 is in {calico_lab.name('node')}; cali7 answers "
        "169.254.1.1 by proxy ARP"
    )
    assert "arrives on cali7 from 10.244.0.7: forwarded dev cali9 (10.244.0.9/32)" in lines[3]
    assert "arrives on eth0: delivered (10.244.0.9 is on eth0)" in lines[5]
    assert lines[6] == f"delivered in {calico_lab.name('p9')} after 3 hops"
    assert lines[7].startswith("NAT and filtering rules are not read")


def test_calico_without_proxy_arp_is_unresolved() -> None:
    with lab() as topo:
        calico(topo)
        topo.sysctl("node", "net.ipv4.conf.cali7.proxy_arp=0")
        status, doc = topo.path("10.244.0.9", "p7")
        assert status == 1
        assert doc["end"]["kind"] == "unresolved"
        assert "169.254.1.1" in doc["end"]["reason"]
        seen, moved = topo.send("p7", "10.244.0.9", "p9", warm_up=False, arrives=False)
        assert seen is None
        assert moved == {("p7", "eth0"), ("node", "cali7")}  # ARP requests only


def test_state_file_gives_the_same_answer_after_the_namespaces_are_gone(tmp_path: Path) -> None:
    capture = tmp_path / "node.json"
    with lab() as topo:
        calico(topo)
        names = [topo.name(role) for role in ("node", "p7", "p9", "out")]
        netns_args = [arg for name in names for arg in ("--netns", name)]
        proc = run_fibscope("capture", *netns_args, "-o", str(capture))
        assert proc.returncode == 0, proc.stderr
        live = {dest: topo.path(dest, "p7") for dest in ("10.244.0.9", "192.0.2.254")}
        text = run_fibscope("path", "10.244.0.9", "--netns", topo.name("p7")).stdout
        start = topo.name("p7")
    for name in names:
        delete_netns(name)
    for dest, (status, doc) in live.items():
        proc = run_fibscope("path", dest, "--netns", start, "--state", str(capture), "--json")
        assert proc.returncode == status == 0, proc.stderr
        assert json.loads(proc.stdout) == doc
    offline = run_fibscope("path", "10.244.0.9", "--netns", start, "--state", str(capture))
    assert offline.stdout == text


def bridged(topo: Lab) -> None:
    """Pods on a bridge of the node (the bridge holds their gateway), an uplink."""
    topo.add("node", forward=True)
    node = topo["node"]
    node.ip("link", "add", "br0", "type", "bridge")
    node.ip("addr", "add", "10.10.0.1/24", "dev", "br0")
    node.ip("link", "set", "br0", "up")
    for pod, last in (("a", 2), ("b", 3)):
        topo.add(pod)
        topo.link("node", f"veth{pod}", pod, "eth0")
        node.ip("link", "set", f"veth{pod}", "master", "br0")
        topo[pod].ip("addr", "add", f"10.10.0.{last}/24", "dev", "eth0")
        topo[pod].ip("route", "add", "default", "via", "10.10.0.1")
    uplink(topo, "10.10.0.0/24")


@pytest.fixture(scope="module")
def bridge_lab() -> Iterator[Lab]:
    with lab() as topo:
        bridged(topo)
        yield topo


def test_bridge_pod_to_pod_is_one_l2_crossing(bridge_lab: Lab) -> None:
    doc = check(bridge_lab, "a", "10.10.0.3", "b", end="delivered")
    assert len(doc["hops"]) == 2
    crossing = doc["hops"][0]["crossing"]
    assert (crossing["peer_dev"], crossing["port"], crossing["to_dev"]) == (
        "vetha",
        "vethb",
        "eth0",
    )


def test_bridge_pod_to_outside_through_the_node(bridge_lab: Lab) -> None:
    doc = check(bridge_lab, "a", "192.0.2.254", "out", end="delivered")
    assert doc["hops"][1]["iif"] == "br0"
    assert doc["hops"][0]["crossing"]["to_dev"] == "br0"


def test_bridge_outside_to_pod(bridge_lab: Lab) -> None:
    doc = check(bridge_lab, "out", "10.10.0.2", "a", end="delivered")
    assert doc["hops"][1]["crossing"]["kind"] == "bridge"


def test_node_to_pod_through_its_bridge(bridge_lab: Lab) -> None:
    check(bridge_lab, "node", "10.10.0.3", "b", end="delivered")


@pytest.fixture(scope="module")
def chain_lab() -> Iterator[Lab]:
    """h1 - r1 - r2 - r3 - r4 - h2, static routes both ways."""
    with lab() as topo:
        roles = ["h1", "r1", "r2", "r3", "r4", "h2"]
        for role in roles:
            topo.add(role, forward=role.startswith("r"))
        topo.chain(roles)
        topo["h1"].ip("route", "add", "default", "via", "10.0.1.2")
        topo["h2"].ip("route", "add", "default", "via", "10.0.5.1")
        for n, role in enumerate(roles[1:5], 1):
            if n < 4:
                topo[role].ip("route", "add", "10.0.5.0/24", "via", f"10.0.{n + 1}.2")
            if n > 1:
                topo[role].ip("route", "add", "10.0.1.0/24", "via", f"10.0.{n}.1")
        yield topo


def test_chain_of_four_routers(chain_lab: Lab) -> None:
    doc = check(chain_lab, "h1", "10.0.5.2", "h2", end="delivered")
    assert [chain_lab.role_of(hop["netns"]) for hop in doc["hops"]] == [
        "h1",
        "r1",
        "r2",
        "r3",
        "r4",
        "h2",
    ]
    check(chain_lab, "h2", "10.0.1.1", "h1", end="delivered")


@pytest.fixture(scope="module")
def policy_lab() -> Iterator[Lab]:
    """A node with two uplinks that both hold 198.51.100.7; main goes by A, packets from the
    pod's veth (iif rule) and packets marked 7 (fwmark rule) by B."""
    with lab() as topo:
        topo.add("node", forward=True)
        topo.add("pod")
        topo.link("node", "cali1", "pod", "eth0")
        topo["pod"].ip("addr", "add", "10.244.1.5/32", "dev", "eth0")
        topo["pod"].ip("route", "add", "169.254.1.1", "dev", "eth0", "scope", "link")
        topo["pod"].ip("route", "add", "default", "via", "169.254.1.1", "dev", "eth0", "onlink")
        topo.sysctl("node", "net.ipv4.conf.cali1.proxy_arp=1")
        topo["node"].ip("route", "add", "10.244.1.5/32", "dev", "cali1")
        two_uplinks(topo)
        node = topo["node"]
        node.ip("route", "add", "default", "via", "192.0.1.254")
        node.ip("route", "add", "default", "via", "192.0.2.254", "table", "200")
        node.ip("rule", "add", "iif", "cali1", "lookup", "200", "pref", "100")
        node.ip("rule", "add", "fwmark", "7", "lookup", "200", "pref", "110")
        yield topo


def test_policy_rule_by_iif(policy_lab: Lab) -> None:
    doc = check(policy_lab, "pod", "198.51.100.7", "outB", end="delivered")
    assert doc["hops"][1]["result"]["rule"] == 100 and doc["hops"][1]["result"]["table"] == 200


def test_policy_main_table_and_rule_by_fwmark(policy_lab: Lab) -> None:
    check(policy_lab, "node", "198.51.100.7", "outA", end="delivered")
    doc = check(policy_lab, "node", "198.51.100.7", "outB", end="delivered", mark=7)
    assert doc["hops"][0]["result"]["rule"] == 110


@pytest.fixture(scope="module")
def drops_lab() -> Iterator[Lab]:
    """h1 - r1 - r2 - h2 with a blackhole, an unreachable route, a routing loop, and a
    second source on h1 that strict rp_filter on r2 refuses."""
    with lab() as topo:
        roles = ["h1", "r1", "r2", "h2"]
        for role in roles:
            topo.add(role, forward=role.startswith("r"))
        topo.chain(roles)
        topo["h1"].ip("addr", "add", "10.0.9.2/24", "dev", "tor1")
        topo["h1"].ip("route", "add", "default", "via", "10.0.1.2")
        topo["h2"].ip("route", "add", "default", "via", "10.0.3.1")
        r1, r2 = topo["r1"], topo["r2"]
        r1.ip("route", "add", "10.0.3.0/24", "via", "10.0.2.2")
        r2.ip("route", "add", "10.0.1.0/24", "via", "10.0.2.1")
        r1.ip("route", "add", "blackhole", "10.9.1.0/24")
        r1.ip("route", "add", "unreachable", "10.9.2.0/24")
        r1.ip("route", "add", "10.9.3.0/24", "via", "10.0.2.2")
        r2.ip("route", "add", "10.9.3.0/24", "via", "10.0.2.1")
        r2.ip("route", "add", "10.0.9.0/24", "via", "10.0.3.2")  # the way back is not via r1
        topo.sysctl("r2", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.tor1.rp_filter=1")
        yield topo


def test_drop_blackhole(drops_lab: Lab) -> None:
    doc = check(drops_lab, "h1", "10.9.1.1", None, end="dropped")
    assert doc["end"]["netns"] == drops_lab.name("r1")
    assert "blackhole" in doc["end"]["reason"]


def test_drop_unreachable(drops_lab: Lab) -> None:
    doc = check(drops_lab, "h1", "10.9.2.1", None, end="dropped")
    assert "unreachable" in doc["end"]["reason"]


def test_routing_loop(drops_lab: Lab) -> None:
    doc = check(drops_lab, "h1", "10.9.3.1", None, end="loop")
    assert [drops_lab.role_of(hop["netns"]) for hop in doc["hops"]] == ["h1", "r1", "r2", "r1"]


def test_strict_rp_filter(drops_lab: Lab) -> None:
    doc = check(drops_lab, "h1", "10.0.3.2", "h2", end="dropped", src="10.0.9.2")
    assert doc["end"]["netns"] == drops_lab.name("r2")
    assert "rp_filter strict" in doc["end"]["reason"]
    check(drops_lab, "h1", "10.0.3.2", "h2", end="delivered")


def test_ip_forward_off_in_the_middle() -> None:
    with lab() as topo:
        roles = ["h1", "r1", "h2"]
        for role in roles:
            topo.add(role)
        topo.chain(roles)
        topo["h1"].ip("route", "add", "default", "via", "10.0.1.2")
        topo["h2"].ip("route", "add", "default", "via", "10.0.2.1")
        doc = check(topo, "h1", "10.0.2.2", "h2", end="dropped")
        assert "forwarding is off" in doc["end"]["reason"]
        topo.sysctl("r1", "net.ipv4.ip_forward=1")
        check(topo, "h1", "10.0.2.2", "h2", end="delivered")


def test_multipath_is_unpredicted_unless_the_kernel_chooses() -> None:
    """ECMP on the node: the engine cannot pick by hash; with --verify it follows the kernel's
    choice, and the datagram goes where the kernel said."""
    with lab() as topo:
        topo.add("node", forward=True)
        topo.add("pod")
        topo.link("pod", "eth0", "node", "vpod")
        topo["pod"].ip("addr", "add", "10.1.0.2/24", "dev", "eth0")
        topo["node"].ip("addr", "add", "10.1.0.1/24", "dev", "vpod")
        topo["pod"].ip("route", "add", "default", "via", "10.1.0.1")
        two_uplinks(topo)
        topo["node"].ip(
            *[
                "route",
                "add",
                "198.51.100.0/24",
                "nexthop",
                "via",
                "192.0.1.254",
                "nexthop",
                "via",
                "192.0.2.254",
            ]
        )
        status, doc = topo.path("198.51.100.7", "pod")
        assert status == 1 and doc["end"]["kind"] == "unpredicted"
        assert "multipath" in doc["end"]["reason"]
        status, doc = topo.path("198.51.100.7", "pod", "--verify")
        assert status == 0, doc
        assert doc["hops"][1]["followed_kernel"] is True
        listener = topo.role_of(doc["end"]["netns"])
        assert listener in ("outA", "outB")
        seen, moved = topo.send("pod", "198.51.100.7", listener)
        assert seen == "10.1.0.2"
        assert moved == crossed(doc, topo)


def test_ipv6_through_a_router_with_link_local_gateways() -> None:
    """IPv6: neighbour discovery by ownership (the gateway is the router's link-local
    address); delivery proven by a listener, each hop by the kernel (device counters are
    not compared: IPv6 sends its own multicast reports around link changes)."""
    with lab() as topo:
        topo.add("h1", ipv6=True)
        topo.add("r1", ipv6=True, forward=True)
        topo.add("h2", ipv6=True)
        topo.link("h1", "eth0", "r1", "toh1")
        topo.link("r1", "toh2", "h2", "eth0")
        topo["h1"].ip("addr", "add", "fd00:1::2/64", "dev", "eth0")
        topo["r1"].ip("addr", "add", "fd00:1::1/64", "dev", "toh1")
        topo["r1"].ip("addr", "add", "fe80::1/64", "dev", "toh1")
        topo["r1"].ip("addr", "add", "fd00:2::1/64", "dev", "toh2")
        topo["h2"].ip("addr", "add", "fd00:2::2/64", "dev", "eth0")
        topo["h1"].ip("-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0")
        topo["h2"].ip("-6", "route", "add", "default", "via", "fd00:2::1")
        status, doc = topo.path("fd00:2::2", "h1", "--verify")
        assert status == 0, doc
        assert [topo.role_of(hop["netns"]) for hop in doc["hops"]] == ["h1", "r1", "h2"]
        assert all(hop["agree"] for hop in doc["hops"])
        assert doc["hops"][0]["crossing"]["how"].endswith(f"{topo.name('r1')}, which holds fe80::1")
        seen, _ = topo.send("h1", "fd00:2::2", "h2")
        assert seen == "fd00:1::2"


def test_namespaces_lists_each_veths_other_end(calico_lab: Lab, tmp_path: Path) -> None:
    """Through a capture of the lab's namespaces only (the live listing would read every
    namespace of this machine)."""
    capture = tmp_path / "lab.json"
    names = [calico_lab.name(role) for role in ("node", "p7", "p9", "out")]
    proc = run_fibscope("capture", *[a for n in names for a in ("--netns", n)], "-o", str(capture))
    assert proc.returncode == 0, proc.stderr
    proc = run_fibscope("namespaces", "--state", str(capture), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    listed = {ns["label"]: ns["crossings"] for ns in json.loads(proc.stdout)}
    node = calico_lab.name("node")
    assert listed[calico_lab.name("p7")] == [f"eth0 <-> {node}:cali7"]
    assert sorted(listed[node]) == [
        f"cali7 <-> {calico_lab.name('p7')}:eth0",
        f"cali9 <-> {calico_lab.name('p9')}:eth0",
        f"up0 <-> {calico_lab.name('out')}:up0",
    ]
    text = run_fibscope("namespaces", "--state", str(capture)).stdout
    assert f"    eth0 <-> {node}:cali7" in text


def test_proxy_and_static_neighbour_entries() -> None:
    """Without proxy_arp the node answers the pods' gateway for a proxy entry; then a pod's
    permanent entry sends the frame to the node's MAC without asking at all."""
    with lab() as topo:
        calico(topo)
        topo.sysctl("node", "net.ipv4.conf.cali7.proxy_arp=0")
        topo["node"].ip("neigh", "add", "proxy", "169.254.1.1", "dev", "cali7")
        doc = check(topo, "p7", "10.244.0.9", "p9", end="delivered")
        assert doc["hops"][0]["crossing"]["answer"] == "proxy_entry"
        topo["node"].ip("neigh", "del", "proxy", "169.254.1.1", "dev", "cali7")
        mac = topo["node"].ip_json("link", "show", "dev", "cali7")[0]["address"]
        topo["p7"].ip(
            "neigh", "replace", "169.254.1.1", "lladdr", mac, "dev", "eth0", "nud", "permanent"
        )
        doc = check(topo, "p7", "10.244.0.9", "p9", end="delivered")
        assert doc["hops"][0]["crossing"]["answer"] == "static_entry"
        topo["p7"].ip("neigh", "del", "169.254.1.1", "dev", "eth0")
        status, doc = topo.path("10.244.0.9", "p7")
        assert status == 1 and doc["end"]["kind"] == "unresolved"
