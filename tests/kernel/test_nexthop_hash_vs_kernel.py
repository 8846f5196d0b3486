"""Nexthop groups with a fixed ``fib_multipath_hash_seed``, against ``ip -d -j route get``.

Hash-threshold groups (IPv4 and IPv6, weights 1/2/3/5, two members on one device, a member
whose gateway's neighbour entry FAILED: skipped although ``fib_multipath_use_neigh`` is 0)
and resilient groups whose bucket table was read (one of them rebalanced by a replace, so its
buckets are not in member order).  The namespace is read, written to a capture and read back;
the engine answers from that while the kernel answers the same generated flows: output path
with no source, with a source that is a member device's own address (nexthop groups give it no
preference), with other local sources, with an oif; the IPv4 input path; TCP, UDP and ICMP.
Every flow must be predicted and agree.  A negative control (the engine given another seed)
shows the flows tell a right hash from a wrong one.  No traffic is sent.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.kernel.lookup_scenarios import (
    ip_words,
    kernel_answers,
    normalise_engine,
    normalise_kernel,
)
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tui import capture
from tui.fib import Engine, Query
from tui.kernel.netlink.dump import read_netns
from tui.model import HostState, Namespace, NamespaceInfo, NetnsState

pytestmark = requires_netns

SEED = 0x5EED1234
DEVS = ("e1", "e2", "e3", "e4")
FLOWS = 1000  # per family, hash-threshold groups
RES_FLOWS = 500  # per family, resilient groups
NEXTHOPS = (
    *(f"nexthop add id {n} via 10.{n}.0.2 dev e{n}" for n in (1, 2, 3, 4)),
    "nexthop add id 5 via 10.1.0.3 dev e1",
    *(f"nexthop add id {10 + n} via fd0{n}::2 dev e{n}" for n in (1, 2, 3, 4)),
    "nexthop add id 100 group 1/2,2/3,3/5,5",  # hash-threshold, IPv4
    "nexthop add id 101 group 11/12,2/13,3/14,5",  # hash-threshold, IPv6
    "nexthop add id 102 group 1/4,3/2",  # member 4's neighbour FAILED
    "nexthop add id 103 group 1/2 type resilient buckets 64 idle_timer 0 unbalanced_timer 0",
    # A replace with every bucket idle migrates at once: buckets out of member order.
    "nexthop replace id 103 group 1/2,2/3,3 type resilient buckets 64 idle_timer 0",
    "nexthop add id 104 group 11/12/13,2 type resilient buckets 32",
)
ROUTES = (
    "route add 198.51.100.0/24 nhid 100",
    "route add 198.51.101.0/24 nhid 102",
    "route add 198.51.102.0/24 nhid 103",
    "-6 route add fd99::/48 nhid 101",
    "-6 route add fd98::/48 nhid 104",
)


@pytest.fixture(scope="module")
def grouped() -> Iterator[Netns]:
    """Four links to a peer, the objects and routes above, forwarding on, a fixed seed,
    hash policy 1 (L4) for both families; neighbours PERMANENT (IPv6 too: no probing) but
    10.2.0.2 (no entry: counted good) and 10.4.0.2 (FAILED)."""
    with temp_netns("fnx") as ns, temp_netns("fnx") as peer:
        for n, dev in enumerate(DEVS, start=1):
            ns.veth(dev, f"p{dev}", peer_ns=peer)
            ns.ip("addr", "add", f"10.{n}.0.1/24", "dev", dev)
            ns.ip("-6", "addr", "add", f"fd0{n}::1/64", "dev", dev, "nodad")
            ns.ip("neigh", "add", f"fd0{n}::2", "dev", dev, "lladdr", f"02:00:00:00:06:0{n}")
            ns.exec("sysctl", "-q", "-w", f"net.ipv4.conf.{dev}.forwarding=1")
        for gw, dev in (("10.1.0.2", "e1"), ("10.1.0.3", "e1"), ("10.3.0.2", "e3")):
            ns.ip("neigh", "add", gw, "dev", dev, "lladdr", "02:00:00:00:04:01")
        ns.ip("neigh", "add", "10.4.0.2", "dev", "e4", "nud", "failed")
        ns.ip("route", "add", "local", "10.99.0.0/16", "dev", "lo", "table", "local")
        for line in (*NEXTHOPS, *ROUTES):
            ns.ip(*line.split())
        ns.exec("sysctl", "-q", "-w", f"net.ipv4.fib_multipath_hash_seed={SEED}")
        for family in ("ipv4", "ipv6"):
            ns.exec("sysctl", "-q", "-w", f"net.{family}.fib_multipath_hash_policy=1")
        yield ns


def _l4(rng: random.Random, kwargs: dict[str, Any], icmp: str) -> None:
    pick = rng.random()
    if pick < 0.7:
        kwargs["ipproto"] = rng.choice(("tcp", "udp"))
        kwargs["sport"] = rng.randint(1, 65535)
        kwargs["dport"] = rng.randint(1, 65535)
    elif pick < 0.8:
        kwargs["ipproto"] = icmp


def flows4(rng: random.Random, count: int, nets: tuple[str, ...]) -> list[Query]:
    """IPv4 flows into ``nets`` (``198.51.100``-style /24s): no source, a member device's
    address, other local sources, an oif, the input path."""
    out = []
    for _ in range(count):
        kwargs: dict[str, Any] = {}
        pick = rng.random()
        if pick < 0.2:
            kwargs["src"] = f"10.{rng.randint(1, 4)}.0.1"
        elif pick < 0.5:
            kwargs["src"] = f"10.99.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        elif pick < 0.75:
            kwargs["iif"] = rng.choice(DEVS)
            kwargs["src"] = f"192.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        elif pick < 0.8:
            kwargs["oif"] = rng.choice(DEVS[:3])
        _l4(rng, kwargs, "icmp")
        out.append(Query(f"{rng.choice(nets)}.{rng.randint(0, 255)}", **kwargs))
    return out


def flows6(rng: random.Random, count: int, prefix: int) -> list[Query]:
    """IPv6 flows into ``prefix``::/48: no source, a member device's address, other sources,
    an oif (IPv6 hashes inside a group even then)."""
    out = []
    for _ in range(count):
        dst = ipaddress.IPv6Address((prefix << 112) | rng.getrandbits(80))
        kwargs: dict[str, Any] = {}
        pick = rng.random()
        if pick < 0.2:
            kwargs["src"] = f"fd0{rng.randint(1, 4)}::1"
        elif pick < 0.6:
            kwargs["src"] = str(ipaddress.IPv6Address((0xFD55 << 112) | rng.getrandbits(64)))
        elif pick < 0.75:
            kwargs["oif"] = rng.choice(DEVS)
        _l4(rng, kwargs, "ipv6-icmp")
        out.append(Query(str(dst), **kwargs))
    return out


def capture_state(ns: Netns) -> NetnsState:
    """The namespace as a capture file gives it back (any hash seed)."""
    info = NamespaceInfo(0, 0, names=(ns.name,))
    doc = capture.to_json(HostState((Namespace(info, read_netns(ns.path)),)))
    state = capture.from_json(doc).namespaces[0].state
    assert state is not None
    return state


def _captured(ns: Netns) -> NetnsState:
    """The namespace as a capture file gives it back, with the fixed seed."""
    state = capture_state(ns)
    assert state.sysctls.fib_multipath_hash_seed == SEED
    return state


def compare(state: NetnsState, queries: list[Query], answers: list[dict[str, Any]]) -> list[str]:
    """Disagreements (every flow must be predicted)."""
    engine = Engine(state)
    bad = []
    for q, answer in zip(queries, answers, strict=True):
        trace = engine.lookup(q)
        assert trace.predicted, f"ip {ip_words(q)}: {trace.reason}"
        kernel, mine = normalise_kernel(answer, q), normalise_engine(trace, q)
        if kernel != mine:
            bad.append(f"ip {ip_words(q)}: kernel {kernel}, engine {mine}")
    return bad


def _stable(ns: Netns, state: NetnsState) -> None:
    """The objects (bucket tables included) and neighbours did not move while asking."""
    again = read_netns(ns.path)
    assert again.nexthops == state.nexthops
    assert {(n.dst, n.state) for n in again.neighbours or ()} == {
        (n.dst, n.state) for n in state.neighbours or ()
    }


def _agree(ns: Netns, queries: list[Query]) -> tuple[list[dict[str, Any]], NetnsState]:
    state = _captured(ns)
    answers = kernel_answers(ns, queries)
    _stable(ns, state)
    bad = compare(state, queries, answers)
    assert not bad, f"{len(bad)} of {len(queries)} disagree:\n" + "\n".join(bad[:6])
    return answers, state


def test_hash_threshold_groups_ipv4(grouped: Netns) -> None:
    queries = flows4(random.Random(4), FLOWS, ("198.51.100", "198.51.101"))
    answers, state = _agree(grouped, queries)
    taken = {(a.get("gateway"), a.get("dev")) for a in answers}
    assert taken >= {("10.1.0.2", "e1"), ("10.2.0.2", "e2"), ("10.3.0.2", "e3")}
    assert ("10.1.0.3", "e1") in taken  # the second member on e1
    assert ("10.4.0.2", "e4") not in taken  # FAILED: always skipped in a group
    # A member device's own address as source: legacy multipath would prefer that member.
    own = [(q.src or "", a) for q, a in zip(queries, answers, strict=True) if not q.iif]
    own = [(src, a) for src, a in own if src.startswith("10.")]
    assert sum(a.get("dev") != f"e{src.split('.')[1]}" for src, a in own) > len(own) // 3
    assert all("error" not in a for q, a in zip(queries, answers, strict=True) if q.iif)
    wrong = replace(state, sysctls=replace(state.sysctls, fib_multipath_hash_seed=SEED + 1))
    hashed = [
        (q, a) for q, a in zip(queries, answers, strict=True) if not q.oif
    ]  # an oif skips the hash on IPv4
    misses = compare(wrong, [q for q, _ in hashed], [a for _, a in hashed])
    assert len(misses) > len(hashed) // 3, f"another seed agrees too often: {len(misses)} differ"


def test_hash_threshold_groups_ipv6(grouped: Netns) -> None:
    queries = flows6(random.Random(6), FLOWS, 0xFD99)
    answers, state = _agree(grouped, queries)
    assert {a.get("dev") for a in answers} == set(DEVS)
    oifs = [(q, a) for q, a in zip(queries, answers, strict=True) if q.oif]
    assert sum(a.get("dev") != q.oif for q, a in oifs) > len(oifs) // 3  # the hash decides
    wrong = replace(state, sysctls=replace(state.sysctls, fib_multipath_hash_seed=SEED + 1))
    misses = compare(wrong, queries, answers)
    assert len(misses) > len(queries) // 3, f"another seed agrees too often: {len(misses)} differ"


def test_resilient_groups_with_buckets_read(grouped: Netns) -> None:
    rng = random.Random(8)
    queries = flows4(rng, RES_FLOWS, ("198.51.102",)) + flows6(rng, RES_FLOWS, 0xFD98)
    answers, state = _agree(grouped, queries)
    groups = {obj.id: obj for obj in state.nexthops or ()}
    table = groups[103].bucket_nhids
    assert len(table) == 64 and set(table) == {1, 2, 3}
    runs = sum(1 for a, b in itertools.pairwise(table) if a != b)
    assert runs > 2, f"buckets in member order: {table}"
    assert len(groups[104].bucket_nhids) == 32
    taken = {(a.get("gateway"), a.get("dev")) for a in answers}
    assert taken >= {(f"10.{n}.0.2", f"e{n}") for n in (1, 2, 3)}
    assert taken >= {(f"fd0{n}::2", f"e{n}") for n in (1, 2, 3)}


@pytest.mark.parametrize(("first", "nhid"), [("failed", 1), (None, 1), ("failed", 20)])
def test_equal_default_routes_through_nexthop_objects(first: str | None, nhid: int) -> None:
    """``fib_select_default`` also walks default routes that use nexthop objects (a group of
    one member too: one path): with the first gateway FAILED the second is taken, with no
    entries the first stays."""
    with temp_netns("fnx") as ns, temp_netns("fnx") as peer:
        for n in (1, 2):
            ns.veth(f"e{n}", f"pe{n}", peer_ns=peer)
            ns.ip("addr", "add", f"10.{n}.0.1/24", "dev", f"e{n}")
            ns.ip("nexthop", "add", "id", str(n), "via", f"10.{n}.0.2", "dev", f"e{n}")
        ns.ip("nexthop", "add", "id", "20", "group", "1")
        ns.ip("route", "add", "default", "nhid", str(nhid))
        ns.ip("route", "append", "default", "nhid", "2")
        if first:
            ns.ip("neigh", "add", "10.1.0.2", "dev", "e1", "nud", first)
        queries = [Query(f"203.0.113.{n}") for n in range(1, 9)]
        state = capture_state(ns)
        answers = kernel_answers(ns, queries)
    assert not compare(state, queries, answers)
    assert {a.get("dev") for a in answers} == {"e2" if first else "e1"}
