"""``fibscope path`` against real traffic: each topology is built in the kernel, the path is
predicted, then one UDP datagram is sent along it.  The namespace where the prediction says
it is delivered must be where a listener receives it, and the devices the prediction crosses
must be exactly those whose packet counters moved.  Only addresses of these namespaces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netns_helpers import delete_netns, requires_netns, run_fibscope
from tests.path_lab import Lab, check, lab, uplink

pytestmark = requires_netns


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
