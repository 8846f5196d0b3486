"""IPv6 siblings with a fixed hash seed, on made-up states: what the state cannot tell is never
guessed (the kernel-built proof is tests/kernel/test_mphash6_vs_kernel.py)."""

from __future__ import annotations

from dataclasses import replace

from tests.engine.states import Host
from tui.fib import Engine, Query
from tui.model import RTNH_F_LINKDOWN, NetnsState, Nexthop, Route, Sysctls

SEED = 0x5EED1234


def siblings(flags: int = 0, neighbours: bool = True) -> NetnsState:
    host = Host().link("e1").link("e2").addr("e1", "2001:db8:1::1/64")
    host.addr("e2", "2001:db8:2::1/64")
    state = host.state()
    route = Route(
        10, 254, 1, "2001:db8:99::", 48, protocol=3, priority=1024,
        multipath=(Nexthop("2001:db8:1::2", 2), Nexthop("2001:db8:2::2", 3, flags=flags)),
    )  # fmt: skip
    sysctls = Sysctls(
        fib_multipath_hash_seed=SEED, ipv6_multipath_hash_policy=1, ipv6_multipath_hash_fields=7
    )
    return replace(
        state,
        routes=(*state.routes, route),
        sysctls=sysctls,
        neighbours=() if neighbours else None,
    )


def flows(count: int = 64) -> list[Query]:
    return [Query.parse(f"2001:db8:99::{n:x}", ipproto="udp", dport=n + 1) for n in range(count)]


def test_a_known_seed_predicts_every_sibling() -> None:
    engine = Engine(siblings())
    devs = set()
    for query in flows():
        trace = engine.lookup(query)
        assert trace.predicted, trace.reason
        devs.add(trace.verdict.dev)
    assert devs == {"e1", "e2"}


def test_a_linkdown_sibling_is_tried_both_ways() -> None:
    """IPv6 ignore_routes_with_linkdown is not captured: flows whose sibling depends on it
    are not predicted, the others are."""
    engine = Engine(siblings(flags=RTNH_F_LINKDOWN))
    traces = [engine.lookup(q) for q in flows()]
    unsure = [t for t in traces if not t.predicted]
    assert unsure and len(unsure) < len(traces)
    assert all("ignore_routes_with_linkdown" in (t.reason or "") for t in unsure)


def test_without_the_neighbour_table_a_gateway_sibling_is_not_guessed() -> None:
    """IPv6 forwarding off: a FAILED neighbour would send the flow back to rt6_select's
    sibling; with no neighbour table only flows hashed to that sibling are predicted."""
    engine = Engine(siblings(neighbours=False))
    traces = [engine.lookup(q) for q in flows()]
    assert all(t.verdict.dev == "e1" for t in traces if t.predicted)
    unsure = [t for t in traces if not t.predicted]
    assert unsure and all("not captured" in (t.reason or "") for t in unsure)


def test_without_a_seed_the_hash_is_not_predicted() -> None:
    state = siblings()
    engine = Engine(replace(state, sysctls=replace(state.sysctls, fib_multipath_hash_seed=0)))
    assert not engine.lookup(flows(1)[0]).predicted
