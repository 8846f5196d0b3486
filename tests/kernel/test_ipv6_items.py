"""Issue 9's IPv6 items, each on a namespace built for it, answered offline from a capture.

The namespace is built, captured to the versioned JSON, asked every query of this module with
``ip -6 -d -j route get`` and deleted; only then does the engine answer, from the capture.
Each test checks first that the kernel shows the case it is about (a peer's local address as
source, a source route taken or passed over, an anycast route on its device, a multipath
route bound by an oif) and then that the engine agrees with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.ipv6_settle import NO_DAD, wait_ipv6_settled
from tests.kernel.lookup_scenarios import kernel_answers, normalise_engine, normalise_kernel
from tests.netns_helpers import ip, requires_netns, temp_netns
from tui import capture
from tui.fib import Engine, Query, Trace
from tui.kernel.netlink.dump import read_netns
from tui.model import HostState, Namespace, NamespaceInfo

pytestmark = requires_netns

SETUP = (
    # item 4: addresses with a peer (IFA_LOCAL ours, IFA_ADDRESS the peer)
    "addr add 2001:db8:1::1/64 dev e1 nodad",
    "addr add 2001:db8:2::1 peer 2001:db8:2::99/128 dev e2 nodad",
    "addr add 2001:db8:3::1 peer 2001:db8:3::/64 dev e3 nodad",
    "route add 2001:db8:77::/64 dev e2",
    "route add 2001:db8:78::/64 dev e3",
    # item 5: source routes, nested sources, a shared destination, shorter prefixes
    "route add 2001:db8:600::/48 from 2001:db8:1::/64 dev e1",
    "route add 2001:db8:600::/48 from 2001:db8:1::/48 dev e3",
    "route add 2001:db8:600::/48 dev e2 metric 10",
    "route add 2001:db8::/32 dev e3",
    "route add 2001:db8:610::/48 from 2001:db8:1::/64 dev e2",
    "route add default dev e1",
    "route add default from 2001:db8:2::/64 via 2001:db8:3::fe dev e3",
    "route add fe80::/64 from 2001:db8:1::/64 dev e1",
    "route add fe80::/64 from 2001:db8:1::/56 dev e3",
    "route add 2001:db8:700::/48 from 2001:db8:1::/64 dev e2 table 100",
    "route add unreachable 2001:db8:700::/48 from 2001:db8:3::/64 table 100",
    "rule add from 2001:db8:1::/48 lookup 100 pref 100",
    # item 6: user anycast routes (their device), and forwarding makes the kernel's (lo)
    "route add anycast 2001:db8:55::/64 dev e1",
    "route add anycast 2001:db8:56::1 via 2001:db8:1::7 dev e1",
    "route add anycast 2001:db8:57::/64 dev e2 table 100",
    # multipath with oif: one sibling on e1, two on e3
    "route add 2001:db8:900::/48 nexthop via 2001:db8:1::5 dev e1 "
    "nexthop via 2001:db8:3::5 dev e3 nexthop via 2001:db8:3::6 dev e3",
)

PEER = [Query("2001:db8:77::1"), Query("2001:db8:78::1"), Query("2001:db8:2::99")]
SOURCES = ["2001:db8:1::1", "2001:db8:1:5::1", "2001:db8:2::8", "2001:db8:3::1", "::"]
SOURCE_ROUTES = [
    Query(dst, src=src)
    for dst in ("2001:db8:600::1", "2001:db8:610::1", "2001:db8:700::1", "2001:db9::1")
    for src in SOURCES
] + [
    Query("2001:db8:600::1"),
    Query("2001:db8:610::1"),
    Query("2001:db8:600::1", src="2001:db8:1::1", iif="e2"),
    Query("2001:db8:600::1", src="2001:db8:1:5::1", iif="e2"),
    Query("2001:db8:600::1", src="2001:db8:4::1", iif="e2"),
    Query("2001:db8:700::1", src="2001:db8:3::2", iif="e1"),
    # strict (link-local destination): the source node's route is not on the oif, the
    # kernel backtracks to the shorter source, then to the routes without `from`
    Query("fe80::5", src="2001:db8:1::1", oif="e1"),
    Query("fe80::5", src="2001:db8:1::1", oif="e3"),
    Query("fe80::5", src="2001:db8:1::1", oif="e2"),
    Query("fe80::5", src="2001:db8:1:9::1", oif="e1"),
]
ANYCAST = [
    Query("2001:db8:1::"),
    Query("2001:db8:55::3"),
    Query("2001:db8:56::1"),
    Query("2001:db8:57::1", src="2001:db8:1::1"),
    Query("2001:db8:1::", src="2001:db8:3::8", iif="e3"),
    Query("2001:db8:55::3", src="2001:db8:3::8", iif="e3"),
]
SIBLINGS_E1 = [Query(f"2001:db8:900::{n:x}", oif="e1") for n in range(1, 41)]
SIBLINGS_E3 = [Query(f"2001:db8:900::{n:x}", oif="e3") for n in range(1, 41)]
SIBLINGS_FROM = [Query(f"2001:db8:900::{n:x}", oif="e1", src="2001:db8:3::1") for n in range(1, 41)]
ALL = PEER + SOURCE_ROUTES + ANYCAST + SIBLINGS_E1 + SIBLINGS_E3 + SIBLINGS_FROM


@dataclass
class Asked:
    """The kernel's answers (raw and normalised) and the engine on the capture."""

    raw: dict[Query, dict[str, Any]]
    engine: Engine

    def both(self, query: Query) -> tuple[dict[str, Any], dict[str, Any], Trace]:
        """(kernel, engine, trace) for a query of this module."""
        trace = self.engine.lookup(query)
        return (
            normalise_kernel(self.raw[query], query),
            normalise_engine(trace, query),
            trace,
        )


@pytest.fixture(scope="module")
def asked() -> Iterator[Asked]:
    """Build, capture, ask the kernel, delete the namespaces; the engine reads the capture."""
    with temp_netns("fs9") as ns, temp_netns("fs9") as peer:
        ns.exec("sysctl", "-q", "-w", *NO_DAD)
        for n in (1, 2, 3):
            ns.veth(f"e{n}", f"p{n}", peer_ns=peer)
        ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
        for line in SETUP:
            ns.ip("-6", *line.split())
        wait_ipv6_settled(ns)  # the kernel adds local and anycast routes a moment later
        state = read_netns(ns.path)
        host = HostState((Namespace(NamespaceInfo(0, 0, (ns.name,)), state),))
        text = json.dumps(capture.to_json(host))
        raw = dict(zip(ALL, kernel_answers(ns, ALL), strict=True))
        names = (ns.name, peer.name)
    assert not set(ip("netns", "list").split()) & set(names)
    loaded = capture.from_json(json.loads(text)).namespaces[0].state
    assert loaded is not None
    yield Asked(raw, Engine(loaded))


def test_peer_address_source_is_the_local_one(asked: Asked) -> None:
    """Item 4: the kernel's source is IFA_LOCAL; the peer (IFA_ADDRESS) is never ours."""
    prefsrcs = set()
    for query in PEER:
        kernel, mine, trace = asked.both(query)
        assert trace.predicted, trace.reason
        assert kernel == mine, query.words()
        prefsrcs.add(kernel["prefsrc"])
    assert prefsrcs == {"2001:db8:2::1", "2001:db8:3::1"}


def test_source_routes_follow_the_fib6_subtrees(asked: Asked) -> None:
    """Item 5: source routes taken only for sources inside them, the longest source first,
    a prefix whose sources all miss passed over (its route without from too), backtracking
    to shorter sources and then the routes without from."""
    devs: dict[str, set[str]] = {}
    for query in SOURCE_ROUTES:
        kernel, mine, trace = asked.both(query)
        assert trace.predicted, f"{query.words()}: {trace.reason}"
        assert kernel == mine, f"{query.words()}: kernel {kernel}, engine {mine}"
        devs.setdefault(query.dst, set()).add(str(kernel.get("dev") or kernel.get("error")))
    # The kernel chose by source: e1 (from the /64), e3 (from the /48, or 2001:db8::/32
    # when the /48's sources all miss); its route without `from` (e2) is never taken.
    assert devs["2001:db8:600::1"] == {"e1", "e3"}
    assert len(devs["fe80::5"]) == 3


def test_source_routes_shown_as_ip_shows_them(asked: Asked) -> None:
    """The trace names the route with its source, as ``ip route`` writes it."""
    trace = asked.engine.lookup(Query("2001:db8:600::1", src="2001:db8:1::1"))
    assert any(
        "2001:db8:600::/48 from 2001:db8:1::/64 dev e1 metric 1024 chosen" in s.text
        for s in trace.steps
    )
    trace = asked.engine.lookup(Query("2001:db8:600::1"))
    assert any("passes over this prefix" in s.text for s in trace.steps)


def test_anycast_routes_answer_on_their_device(asked: Asked) -> None:
    """Item 6: the kernel's own anycast addresses answer on lo, a user's anycast route on its
    device (with its gateway)."""
    devs = set()
    for query in ANYCAST:
        kernel, mine, trace = asked.both(query)
        assert trace.predicted, trace.reason
        assert kernel == mine, f"{query.words()}: kernel {kernel}, engine {mine}"
        assert kernel["type"] == "anycast"
        devs.add(kernel["dev"])
    assert devs == {"lo", "e1", "e2"}


def test_multipath_siblings_honour_the_oif(asked: Asked) -> None:
    """A binding oif with one sibling on it: predicted and agreeing, for every flow."""
    for query in SIBLINGS_E1:
        kernel, mine, trace = asked.both(query)
        assert trace.predicted, trace.reason
        assert kernel == mine


def test_multipath_siblings_left_to_the_hash_are_not_predicted(asked: Asked) -> None:
    """Two siblings on the oif, or an oif with a source (not binding): the kernel's answers
    vary with the flow, and the engine says it cannot predict them."""
    for queries in (SIBLINGS_E3, SIBLINGS_FROM):
        gateways = {normalise_kernel(asked.raw[q], q)["gateway"] for q in queries}
        assert len(gateways) > 1, "the kernel should spread these flows"
        assert not any(asked.engine.lookup(q).predicted for q in queries)
