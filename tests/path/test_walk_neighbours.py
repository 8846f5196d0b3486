"""How a path crosses a segment to the owner of its next hop, on made-up hosts: ARP answered
by proxy_arp (the device's or conf.all's), arp_ignore, several owners never guessed, proxy and
static neighbour entries, and older captures without a neighbour table."""

from __future__ import annotations

import dataclasses

from tests.path.made import calico, run, small_node


def test_without_proxy_arp_nobody_answers() -> None:
    made = calico()
    made.change("fbknode", "cali7", conf_proxy_arp=0)
    result = run(made.build(), "fbkpod7", "10.244.0.9")
    assert result.end.kind == "unresolved"
    assert "nobody on the segment owns 169.254.1.1" in result.end.reason


def test_proxy_arp_from_conf_all_counts() -> None:
    made = calico()
    made.change("fbknode", "cali7", conf_proxy_arp=0)
    made.hosts["fbknode"].conf_all = dataclasses.replace(
        made.hosts["fbknode"].conf_all, proxy_arp=1
    )
    assert run(made.build(), "fbkpod7", "10.244.0.9").end.kind == "delivered"


def test_two_owners_on_a_bridge_are_not_guessed() -> None:
    made = small_node()
    made.hosts["pod3"].addr("eth0", "10.88.0.3/32", secondary=True)
    result = run(made.build(), "pod1", "10.88.0.3")
    assert result.end.kind == "unpredicted"
    assert "several devices answer ARP for 10.88.0.3" in result.end.reason


def test_arp_ignore() -> None:
    made = calico()
    made.hosts["fbkpod9"].link("lo2").addr("lo2", "10.244.9.9/32")
    made.hosts["fbknode"].route("10.244.9.9/32", dev="cali9", scope=253)
    assert run(made.build(), "fbkpod7", "10.244.9.9").end.kind == "delivered"
    made.change("fbkpod9", "eth0", conf_arp_ignore=1)
    result = run(made.build(), "fbkpod7", "10.244.9.9")
    assert result.end.kind == "unresolved"
    made.change("fbkpod9", "eth0", conf_arp_ignore=2)
    result = run(made.build(), "fbkpod7", "10.244.9.9")
    assert result.end.kind == "unpredicted" and "arp_ignore=2" in result.end.reason


def test_proxy_neighbour_entry_answers_arp() -> None:
    made = calico()
    made.change("fbknode", "cali7", conf_proxy_arp=0)
    made.neighbour("fbknode", "cali7", "169.254.1.1", proxy=True)
    result = run(made.build(), "fbkpod7", "10.244.0.9")
    assert result.end.kind == "delivered"
    assert result.hops[0].crossing is not None
    assert result.hops[0].crossing.how.endswith(
        "cali7 answers 169.254.1.1 for its proxy neighbour entry"
    )


def test_static_neighbour_entry_sends_to_its_address() -> None:
    made = calico()
    made.change("fbknode", "cali7", conf_proxy_arp=0, address="ee:ee:ee:ee:ee:07")
    made.neighbour("fbkpod7", "eth0", "169.254.1.1", state=0x80, lladdr="ee:ee:ee:ee:ee:07")
    result = run(made.build(), "fbkpod7", "10.244.0.9")
    assert result.end.kind == "delivered"
    crossing = result.hops[0].crossing
    assert crossing is not None and crossing.answer == "static_entry"
    assert crossing.how.endswith(
        "cali7 in host has ee:ee:ee:ee:ee:07, the static neighbour entry for 169.254.1.1"
    )
    made.neighbours.clear()
    made.neighbour("fbkpod7", "eth0", "169.254.1.1", state=0x80, lladdr="ee:ee:ee:ee:ee:99")
    lost = run(made.build(), "fbkpod7", "10.244.0.9")
    assert lost.end.kind == "unresolved" and "ee:ee:ee:ee:ee:99" in lost.end.reason


def test_older_capture_without_neighbour_table_says_a_static_entry_may_exist() -> None:
    made = calico()
    made.change("fbknode", "cali7", conf_proxy_arp=0)
    host = made.build()
    pod = next(ns for ns in host.namespaces if ns.info.label == "fbkpod7")
    assert pod.state is not None
    older = dataclasses.replace(pod, state=dataclasses.replace(pod.state, neighbours=None))
    host = dataclasses.replace(
        host, namespaces=tuple(older if ns is pod else ns for ns in host.namespaces)
    )
    result = run(host, "fbkpod7", "10.244.0.9")
    assert result.end.kind == "unresolved"
    assert "a static entry may exist" in result.end.reason
