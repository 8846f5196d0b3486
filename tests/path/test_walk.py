"""The path engine on made-up hosts: every way a path can end, and the crossings' words."""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.path.made import Made, calico, run, small_node
from tui.fib.query import Query
from tui.fib.trace import Trace
from tui.model import NamespaceInfo, NetnsState
from tui.path import CaptureHost, PathResult, follow
from tui.path.text import path_lines
from tui.path.walk import MAX_HOPS


def text(result: PathResult) -> list[str]:
    return path_lines(result, {})


def test_calico_pod_to_pod_text() -> None:
    result = run(calico().build(), "fbkpod7", "10.244.0.9")
    assert text(result) == [
        "path 10.244.0.9 from fbkpod7",
        " 1 fbkpod7   sent: via 169.254.1.1 dev eth0 src 10.244.0.7 (default, table main)",
        "   eth0 is a veth; its peer cali7 is in host; cali7 answers 169.254.1.1 by proxy ARP",
        " 2 host      arrives on cali7 from 10.244.0.7: forwarded dev cali9 (10.244.0.9/32)",
        "   cali9 is a veth; its peer eth0 is in fbkpod9, which holds 10.244.0.9",
        " 3 fbkpod9   arrives on eth0: delivered (10.244.0.9 is on eth0)",
        "delivered in fbkpod9 after 3 hops",
        "NAT and filtering rules are not read: a Service address or a firewall can change "
        "this path",
    ]
    assert result.exit_status() == 0
    doc = result.to_json()
    assert doc["end"] == {"kind": "delivered", "netns": "fbkpod9", "dev": "eth0", "reason": ""}
    assert doc["hops"][0]["crossing"]["peer_netns"] == "host"


def test_pod_to_outside_leaves_the_host() -> None:
    result = run(calico().build(), "fbkpod7", "198.51.100.1")
    assert result.end.kind == "left_host"
    assert result.end.reason == "leaves via eth0 towards 203.0.113.1"
    assert result.exit_status() == 0
    assert text(result)[4] == (
        "   eth0 has no peer on this host: the packet leaves via eth0 towards 203.0.113.1"
    )


def test_capture_without_namespace_ids_says_so() -> None:
    result = run(calico().build(nsids=False), "fbkpod7", "10.244.0.9")
    assert result.end.kind == "unresolved"
    assert "older fibscope" in result.end.reason
    assert result.exit_status() == 1


def test_medium_id_is_not_guessed() -> None:
    made = calico()
    made.change("fbknode", "cali7", conf_medium_id=2)
    result = run(made.build(), "fbkpod7", "10.244.0.9")
    assert result.end.kind == "unpredicted"
    assert "medium_id=2" in result.end.reason


def test_peer_down_drops() -> None:
    made = calico()
    made.hosts["fbknode"].links = [
        dataclasses.replace(link, flags=0) if link.name == "cali7" else link
        for link in made.hosts["fbknode"].links
    ]
    result = run(made.build(), "fbkpod7", "10.244.0.9")
    assert result.end.kind == "dropped"
    assert "is down" in result.end.reason


def test_bridge_pod_to_pod_and_to_outside() -> None:
    host = small_node().build()
    result = run(host, "pod1", "10.88.0.4")
    assert [h.netns for h in result.hops] == ["pod1", "pod3"]
    assert result.hops[0].crossing is not None
    assert result.hops[0].crossing.how == (
        "eth0 is a veth; its peer veth1 is a port of bridge cni0 in host; eth0 in pod3 "
        "(behind port veth3), which holds 10.88.0.4"
    )
    out = run(host, "pod2", "192.0.2.77")
    assert [h.iif for h in out.hops] == [None, "cni0"]
    assert out.end.kind == "left_host"
    back = run(host, "host", "10.88.0.2")
    assert back.hops[0].crossing is not None and back.hops[0].crossing.kind == "bridge"
    assert back.end.netns == "pod1"


def test_tunnel_and_dummy_devices_end_the_path() -> None:
    made = calico()
    node = made.hosts["fbknode"]
    node.link("vx0").addr("vx0", "10.200.0.1/24").link("dm0").addr("dm0", "10.201.0.1/24")
    made.change("fbknode", "vx0", kind="vxlan")
    made.change("fbknode", "dm0", kind="dummy")
    host = made.build()
    tunnel = run(host, "fbkpod7", "10.200.0.9")
    assert tunnel.end.kind == "tunnel" and "vxlan" in tunnel.end.reason
    assert tunnel.exit_status() == 1
    assert run(host, "fbkpod7", "10.201.0.9").end.kind == "dropped"


def test_route_errors_end_dropped() -> None:
    made = calico()
    made.hosts["fbknode"].route("10.9.0.0/16", type=6)  # blackhole
    result = run(made.build(), "fbkpod7", "10.9.1.1")
    assert result.end.kind == "dropped"
    assert result.end.reason == "blackhole route 10.9.0.0/16 (EINVAL)"
    assert text(result)[3].endswith("dropped: blackhole route 10.9.0.0/16 (EINVAL)")


def test_local_send_to_own_address_is_delivered_at_once() -> None:
    result = run(calico().build(), "fbkpod7", "10.244.0.7")
    assert len(result.hops) == 1 and result.end.kind == "delivered"


def chain(length: int) -> Made:
    made = Made()
    names = [f"r{n}" for n in range(length)]
    for name in names:
        made.ns(name, forward=True)
    for n in range(length - 1):
        made.veth(names[n], "right", names[n + 1], "left")
        made.hosts[names[n]].addr("right", f"10.{n // 200}.{n % 200}.1/24")
        made.hosts[names[n + 1]].addr("left", f"10.{n // 200}.{n % 200}.2/24")
    for n in range(length - 1):
        made.hosts[names[n]].route("default", via=f"10.{n // 200}.{n % 200}.2")
    return made


def test_sixty_four_hops_at_most() -> None:
    result = run(chain(MAX_HOPS + 6).build(), "r0", "192.0.2.1")
    assert len(result.hops) == MAX_HOPS
    assert result.end.kind == "loop"
    assert "after 64 hops" in result.end.reason
    short = run(chain(10).build(), "r0", "10.0.8.2")
    assert short.end.kind == "delivered" and len(short.hops) == 10


def ecmp() -> Made:
    made = calico()
    node = made.hosts["fbknode"]
    node.link("eth1").addr("eth1", "203.0.114.10/24")
    node.route("10.50.0.0/16", nexthops=(("203.0.113.1", "eth0"), ("203.0.114.1", "eth1")))
    return made


def test_multipath_hop_is_unpredicted() -> None:
    result = run(ecmp().build(), "fbkpod7", "10.50.0.1")
    assert result.end.kind == "unpredicted"
    assert "multipath" in result.end.reason
    assert result.end.candidates == ("via 203.0.113.1 dev eth0", "via 203.0.114.1 dev eth1")
    assert result.to_json()["end"]["candidates"] == list(result.end.candidates)
    assert text(result)[-2].endswith(
        "(candidates: via 203.0.113.1 dev eth0, via 203.0.114.1 dev eth1)"
    )
    assert result.exit_status() == 1


def test_verify_follows_the_kernels_choice_of_next_hop() -> None:
    host = ecmp().build()
    asked: list[tuple[str, str | None]] = []

    def kernel(
        info: NamespaceInfo, state: NetnsState, query: Query, trace: Trace
    ) -> tuple[dict[str, Any], list[str]]:
        # A made-up host has no kernel: this stands in for its answer (eth1 chosen).
        asked.append((info.label, query.iif))
        answer = dict(trace.verdict.to_json())
        if not trace.predicted:
            answer.update(dev="eth1", gateway="203.0.114.1")
        return answer, []

    info = next(ns.info for ns in host.namespaces if ns.info.known_as("fbkpod7"))
    result = follow(CaptureHost(host), info, Query("10.50.0.1"), kernel)
    assert asked == [("fbkpod7", None), ("host", "cali7")]
    assert result.hops[1].followed_kernel
    assert result.end.kind == "left_host"
    assert result.end.reason == "leaves via eth1 towards 203.0.114.1"


def test_disagreeing_hop_exits_three() -> None:
    host = calico().build()

    def kernel(
        info: NamespaceInfo, state: NetnsState, query: Query, trace: Trace
    ) -> tuple[dict[str, Any], list[str]]:
        return {"dev": "other"}, ["dev: ours 'cali9', kernel 'other'"]

    info = next(ns.info for ns in host.namespaces if ns.info.known_as("fbkpod7"))
    result = follow(CaptureHost(host), info, Query("10.244.0.9"), kernel)
    assert result.exit_status() == 3
    assert "KERNEL DISAGREES: dev: ours 'cali9', kernel 'other'" in text(result)[1]


def test_mark_is_cleared_when_crossing_to_another_namespace() -> None:
    made = calico()
    node = made.hosts["fbknode"]
    node.route("default", via="203.0.113.99", table=100)
    node.rule(100, table=100, fwmark=7, fwmask=0xFFFFFFFF)
    result = run(made.build(), "fbkpod7", "198.51.100.1", mark=7)
    assert result.hops[1].trace.query.mark == 0
    assert result.end.reason == "leaves via eth0 towards 203.0.113.1"
    from_node = run(made.build(), "host", "198.51.100.1", mark=7)
    assert from_node.end.reason == "leaves via eth0 towards 203.0.113.99"


def test_ipv6_through_link_local_gateways() -> None:
    made = Made()
    made.ns("node", forward=True, host=True)
    made.ns("pod")
    made.ns("peer")
    made.veth("pod", "eth0", "node", "vpod")
    made.veth("node", "vpeer", "peer", "eth0")
    made.hosts["node"].ipv6_forwarding = 1
    made.hosts["pod"].addr("eth0", "fd00:1::2/64").route("::/0", via="fe80::1", dev="eth0")
    made.hosts["node"].addr("vpod", "fe80::1/64").addr("vpod", "fd00:1::1/64")
    made.hosts["node"].addr("vpeer", "fd00:2::1/64")
    made.hosts["peer"].addr("eth0", "fd00:2::2/64")
    host = made.build()
    result = run(host, "pod", "fd00:2::2")
    assert [h.netns for h in result.hops] == ["pod", "host", "peer"]
    assert result.end.kind == "delivered"
    made.change("node", "vpod", inet6_proxy_ndp=1)
    made.hosts["pod"].route("fd00:9::/64", via="fe80::9", dev="eth0")
    assert run(made.build(), "pod", "fd00:9::1").end.kind == "unresolved"  # no proxy entry
    unknown = run(made.build(nsids=False), "pod", "fd00:9::1")
    assert unknown.end.kind == "unresolved"  # an older capture: no namespace ids either
    made.neighbour("node", "vpod", "fe80::9", proxy=True)
    proxied = run(made.build(), "pod", "fd00:9::1")
    assert proxied.hops[0].crossing is not None
    assert proxied.hops[0].crossing.answer == "proxy_ndp"
    assert proxied.end.kind == "dropped" and proxied.end.netns == "host"


def test_terminal_escapes_in_names() -> None:
    made = calico()
    host = made.build()
    pod = host.namespaces[1]
    evil = dataclasses.replace(pod, info=dataclasses.replace(pod.info, names=("pod\x1b[31m",)))
    host = dataclasses.replace(host, namespaces=(host.namespaces[0], evil, *host.namespaces[2:]))
    lines = text(run(host, "pod\x1b[31m", "10.244.0.9"))
    assert all("\x1b" not in line for line in lines)
    assert "pod\\x1b[31m" in lines[0]


def test_crossings_of_each_namespace() -> None:
    from tui.path.crossings import crossings

    host = small_node().build()
    by_label = {ns.info.label: ns.info.inode for ns in host.namespaces}
    found = crossings(host.namespaces)
    assert found[by_label["host"]] == [
        "veth1 <-> pod1:eth0",
        "veth2 <-> pod2:eth0",
        "veth3 <-> pod3:eth0",
    ]
    assert found[by_label["pod2"]] == ["eth0 <-> host:veth2"]
    older = crossings(small_node().build(nsids=False).namespaces)
    assert older[by_label["pod2"]] == ["eth0 <-> ?(nsid 0)"]


def test_hostile_names_and_addresses_never_crash() -> None:
    """Names and addresses come from capture files: whatever they hold, the walk answers."""
    base = calico().build()
    node = base.namespaces[0]
    assert node.state is not None
    cases = []
    for link_name in ("a b", "x" * 40, "", "e\\x1b[2J"):
        links = tuple(
            dataclasses.replace(link, name=link_name) if link.name == "cali7" else link
            for link in node.state.links
        )
        cases.append(dataclasses.replace(node.state, links=links))
    for bad in ("not-an-address", "999.1.1.1", "::zz"):
        routes = tuple(
            dataclasses.replace(r, prefsrc=bad, gateway=bad if r.gateway else None)
            for r in node.state.routes
        )
        cases.append(dataclasses.replace(node.state, routes=routes))
    for state in cases:
        host = dataclasses.replace(
            base, namespaces=(dataclasses.replace(node, state=state), *base.namespaces[1:])
        )
        for start, dst in (("fbkpod7", "10.244.0.9"), ("host", "10.244.0.7")):
            result = run(host, start, dst)
            assert result.end.kind in ("delivered", "left_host", "dropped", "unresolved")
            assert text(result)


def test_a_pod_veth_enslaved_to_a_vrf_routes_in_the_vrf_table() -> None:
    """The node's cali devices are slaves of VRF blue (table 10, l3mdev rule): the packet
    arriving on cali7 is routed by table 10 (modelled from the kernel source, not verified
    on a live kernel: this kernel has no vrf module)."""
    made = calico()
    node = made.hosts["fbknode"]
    node.link("blue")
    blue = node.index("blue")
    made.change("fbknode", "blue", kind="vrf", vrf_table=10)
    for pod in (7, 9):
        made.change("fbknode", f"cali{pod}", master=blue)
    node.routes = [r for r in node.routes if not r.dst.startswith("10.244.")]
    for pod in (7, 9):
        node.route(f"10.244.0.{pod}/32", dev=f"cali{pod}", scope=253, table=10)
    node.route("default", via="203.0.113.1", dev="eth0", table=10)
    for priority, table, l3mdev in ((0, 255, 0), (1000, 0, 1), (32766, 254, 0), (32767, 253, 0)):
        node.rule(priority, table=table, l3mdev=l3mdev)
    result = run(made.build(), "fbkpod7", "10.244.0.9")
    assert result.end.kind == "delivered", result.end.reason
    assert result.hops[1].trace.verdict.table == 10
    assert result.hops[1].trace.predicted
