"""``fibscope path`` against real traffic through routers: a chain of four, policy rules by
iif and fwmark, drops (blackhole, unreachable, a loop, strict rp_filter, ip_forward off),
multipath and IPv6 with link-local gateways.  Each prediction is checked at every hop against
the kernel, then one UDP datagram is sent along it (see ``tests/path_lab.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.netns_helpers import requires_netns
from tests.path_lab import Lab, check, crossed, lab, two_uplinks

pytestmark = requires_netns


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
