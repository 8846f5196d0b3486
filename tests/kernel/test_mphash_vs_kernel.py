"""The multipath flow hash with ``fib_multipath_hash_seed`` set, against the kernel.

For each hash policy (0, 1, 2, 3 with several ``fib_multipath_hash_fields``) and family, at
least 1,000 generated flows: IPv4 end to end (the namespace captured, deleted, and the engine
answering from the capture: output path with and without a source, input path), IPv6 through
the shared hash and the kernel's sibling order (first sibling whose upper bound holds the
hash; the IPv6 engine's sibling choice belongs to its own module).  No traffic is sent.
"""

from __future__ import annotations

import ipaddress
import json
import random
from collections.abc import Iterator
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
from tui.fib.mphash import multipath_hash
from tui.fib.multipath import upper_bounds
from tui.kernel.netlink.dump import read_netns
from tui.model import HostState, Namespace, NamespaceInfo

pytestmark = requires_netns

SEED = 0x1234ABCD
WEIGHTS = (1, 2, 3, 5)
DEVS = ("e1", "e2", "e3", "e4")
ROUNDS = [(0, 7), (1, 7), (2, 7), (3, 0x37), (3, 0x3F), (3, 0x12), (3, 0x25)]
FLOWS = 1000


@pytest.fixture(scope="module")
def hashed() -> Iterator[Netns]:
    """Four links (the second hop of e1 shares a device), a 4-way IPv4 route and a 4-way IPv6
    route with weights, permanent neighbours, local source ranges, a fixed hash seed."""
    with temp_netns("fsh") as ns, temp_netns("fsh") as peer:
        for number, dev in enumerate(DEVS, start=1):
            ns.veth(dev, f"p{dev}", peer_ns=peer)
            ns.ip("addr", "add", f"10.{number}.0.1/24", "dev", dev)
            ns.ip("-6", "addr", "add", f"fd0{number}::1/64", "dev", dev, "nodad")
            mac = f"02:00:00:00:00:0{number}"
            ns.ip("neigh", "add", f"fd0{number}::2", "dev", dev, "lladdr", mac)
            ns.exec("sysctl", "-q", "-w", f"net.ipv4.conf.{dev}.forwarding=1")
        hops4 = [
            f"nexthop via 10.{n}.0.2 dev {dev} weight {w}"
            for n, dev, w in zip((1, 2, 3, 1), DEVS[:3] + ("e1",), WEIGHTS, strict=True)
        ]
        hops4[3] = f"nexthop via 10.1.0.3 dev e1 weight {WEIGHTS[3]}"
        ns.ip("route", "add", "198.51.100.0/24", *" ".join(hops4).split())
        hops6 = [
            f"nexthop via fd0{n}::2 dev e{n} weight {w}"
            for n, w in zip((1, 2, 3, 4), WEIGHTS, strict=True)
        ]
        ns.ip("-6", "route", "add", "fd99::/48", *" ".join(hops6).split())
        ns.ip("route", "add", "local", "10.99.0.0/16", "dev", "lo", "table", "local")
        ns.exec("sysctl", "-q", "-w", f"net.ipv4.fib_multipath_hash_seed={SEED}")
        yield ns


def _set_policy(ns: Netns, policy: int, fields: int) -> None:
    for family in ("ipv4", "ipv6"):
        ns.exec(
            "sysctl",
            "-q",
            "-w",
            f"net.{family}.fib_multipath_hash_policy={policy}",
            f"net.{family}.fib_multipath_hash_fields={fields}",
        )


def _flows4(rng: random.Random, count: int) -> list[Query]:
    out = []
    for _ in range(count):
        dst = f"198.51.100.{rng.randint(0, 255)}"
        kwargs: dict[str, Any] = {}
        pick = rng.random()
        if pick < 0.55:
            kwargs["src"] = f"10.99.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        elif pick < 0.8:
            kwargs["iif"] = rng.choice(DEVS)
            kwargs["src"] = f"192.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        proto = rng.random()
        if proto < 0.7:
            kwargs["ipproto"] = rng.choice(("tcp", "udp"))
            kwargs["sport"] = rng.randint(1, 65535)
            kwargs["dport"] = rng.randint(1, 65535)
        elif proto < 0.8:
            kwargs["ipproto"] = "icmp"
            if rng.random() < 0.5:  # ports asked, but an ICMP packet carries none
                kwargs["sport"] = rng.randint(1, 65535)
                kwargs["dport"] = rng.randint(1, 65535)
        out.append(Query(dst, **kwargs))
    return out


@pytest.mark.parametrize(("policy", "fields"), ROUNDS)
def test_ipv4_hash_predicts_the_kernel(hashed: Netns, policy: int, fields: int) -> None:
    """Every flow predicted, and the engine (from a capture) agrees with the kernel."""
    _set_policy(hashed, policy, fields)
    count = FLOWS if policy != 3 else FLOWS // 4 + 1
    queries = _flows4(random.Random(policy * 100 + fields), count)
    info = NamespaceInfo(0, 0, names=(hashed.name,))
    doc = json.loads(
        json.dumps(capture.to_json(HostState((Namespace(info, read_netns(hashed.path)),))))
    )
    answers = kernel_answers(hashed, queries)
    state = capture.from_json(doc).namespaces[0].state
    assert state is not None and state.sysctls.fib_multipath_hash_seed == SEED
    engine = Engine(state)
    bad, used = [], set()
    for q, answer in zip(queries, answers, strict=True):
        trace = engine.lookup(q)
        assert trace.predicted, trace.reason
        kernel = normalise_kernel(answer, q)
        used.add(kernel.get("gateway"))
        if kernel != normalise_engine(trace, q):
            bad.append(f"ip {ip_words(q)}: kernel {kernel}, engine {normalise_engine(trace, q)}")
    assert len(used) == 4, "every next hop should be taken by some flow"
    assert not bad, f"{len(bad)} of {len(queries)} disagree:\n" + "\n".join(bad[:6])


def test_ipv4_policy3_fields_together_cover_1000_flows() -> None:
    """Policy 3 is asked with four field sets of FLOWS//4+1 flows each: 1,000 or more."""
    assert sum(FLOWS // 4 + 1 for p, _ in ROUNDS if p == 3) >= 1000


@pytest.mark.parametrize(("policy", "fields"), ROUNDS)
def test_ipv6_hash_predicts_the_sibling(hashed: Netns, policy: int, fields: int) -> None:
    """The shared hash and the upper bounds give the sibling ``ip -6 route get`` reports."""
    _set_policy(hashed, policy, fields)
    rng = random.Random(policy * 1000 + fields)
    count = FLOWS if policy != 3 else FLOWS // 4 + 1
    queries = []
    for _ in range(count):
        dst = ipaddress.IPv6Address((0xFD99 << 112) | rng.getrandbits(80))
        kwargs: dict[str, Any] = {}
        if rng.random() < 0.8:
            kwargs["src"] = str(ipaddress.IPv6Address((0xFD55 << 112) | rng.getrandbits(64)))
        if rng.random() < 0.7:
            kwargs["ipproto"] = rng.choice(("tcp", "udp"))
            kwargs["sport"] = rng.randint(1, 65535)
            kwargs["dport"] = rng.randint(1, 65535)
        queries.append(Query(str(dst), **kwargs))
    answers = kernel_answers(hashed, queries)
    bounds = upper_bounds(list(WEIGHTS))
    bad = []
    for q, answer in zip(queries, answers, strict=True):
        src = ipaddress.IPv6Address(q.src).packed if q.src else bytes(16)
        value = multipath_hash(
            SEED,
            policy,
            fields,
            True,
            src,
            ipaddress.IPv6Address(q.dst).packed,
            q.ipproto or 0,
            q.sport or 0,
            q.dport or 0,
        )
        assert value is not None
        pick = next(i for i, bound in enumerate(bounds) if value <= bound)
        if answer.get("dev") != DEVS[pick]:
            bad.append(f"ip -6 {ip_words(q)}: kernel {answer.get('dev')}, hash says {DEVS[pick]}")
    assert not bad, f"{len(bad)} of {len(queries)} disagree:\n" + "\n".join(bad[:6])
