"""Lookups through nexthop objects against the kernel, in compat mode 1 and 0, v4 and v6.

The namespace of ``tests.nexthop_helpers`` holds every kind of object and routes through each;
it is read, written to a capture and read back, and the engine answers from that capture while
the kernel answers ``ip -d -j route get``.  Every predicted answer must agree; groups with more
than one usable member must be unpredicted and name their candidates with weights.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.kernel.lookup_scenarios import kernel_answers, normalise_engine, normalise_kernel
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.nexthop_helpers import DESTS4, DESTS6, build_nexthop_ns, set_compat
from tui import capture
from tui.fib import Engine, Query
from tui.kernel.netlink.dump import read_netns
from tui.model import HostState, Namespace, NamespaceInfo, NetnsState

pytestmark = requires_netns


def _offline(state: NetnsState) -> NetnsState:
    """The state as a capture file gives it back."""
    host = HostState((Namespace(NamespaceInfo(1, 2), state),))
    back = capture.from_json(capture.to_json(host)).namespaces[0].state
    assert back is not None
    return back


def _kernel(answer: dict[str, Any], q: Query) -> dict[str, Any]:
    out = normalise_kernel(answer, q)
    via = answer.get("via")
    if isinstance(via, dict) and out.get("gateway") is None:
        out["gateway"] = via.get("host")  # RFC 5549: an IPv4 route via an IPv6 gateway
    return out


def _queries() -> list[Query]:
    out: list[Query] = []
    for dst in DESTS4:
        out.append(Query(dst))
        for oif in ("veth0", "veth1"):
            out.append(Query(dst, oif=oif))
        out += [Query(dst, src="10.0.1.1"), Query(dst, src="10.0.0.1", ipproto=6, dport=80)]
        out.append(Query(dst, src="10.0.2.2", iif="veth2"))
    for dst in DESTS6:
        out.append(Query(dst))
        out.append(Query(dst, oif="veth1"))
    return out


def _compare(ns: Netns) -> tuple[int, list[str], list[tuple[Query, str]]]:
    engine = Engine(_offline(read_netns(ns.path)))
    queries = _queries()
    compared, bad, unpredicted = 0, [], []
    for q, answer in zip(queries, kernel_answers(ns, queries), strict=True):
        trace = engine.lookup(q)
        if not trace.predicted:
            unpredicted.append((q, trace.reason or ""))
            continue
        compared += 1
        kernel, mine = _kernel(answer, q), normalise_engine(trace, q)
        if kernel != mine:
            steps = "\n      ".join(s.text for s in trace.steps)
            bad.append(f"{q}\n   kernel {kernel}\n   engine {mine}\n      {steps}")
    return compared, bad, unpredicted


@pytest.mark.parametrize("compat", [1, 0])
def test_nexthop_routes_agree_with_kernel(compat: int) -> None:
    with temp_netns("fnh") as ns:
        ns.exec("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        build_nexthop_ns(ns)
        set_compat(ns, compat)
        compared, bad, unpredicted = _compare(ns)
    assert not bad, "\n".join(bad)
    reasons = {q.dst: why for q, why in unpredicted}
    # Hash-threshold and resilient groups with several usable members, and nothing else.
    for dst in ("10.11.0.5", "10.12.0.5", "10.13.0.5", "10.21.0.5", "10.22.0.5", "10.23.0.5"):
        assert "picks one of" in reasons.get(dst, ""), (dst, reasons.get(dst))
    assert "weight 2" in reasons["10.12.0.5"] and "weight 3" in reasons["10.12.0.5"]
    assert "of 32 buckets" in reasons["10.13.0.5"]
    assert "2001:db8:11::5" in reasons
    singles = {"10.10.0.5", "10.14.0.5", "10.15.0.5", "10.17.0.5", "10.18.0.5", "10.27.0.5"}
    assert not singles & reasons.keys()
    assert compared >= 100


def test_group_with_one_usable_member_after_link_down() -> None:
    """veth1 down deletes nexthop 2 (silently): groups 10, 11 and 12 keep one member."""
    with temp_netns("fnh") as ns:
        build_nexthop_ns(ns)
        set_compat(ns, 0)
        ns.ip("link", "set", "veth1", "down")
        compared, bad, unpredicted = _compare(ns)
    assert not bad, "\n".join(bad)
    left = {q.dst for q, _ in unpredicted}
    assert not {"10.11.0.5", "10.12.0.5", "10.13.0.5"} & left
    assert compared >= 100


def test_missing_objects_are_unpredicted_not_guessed() -> None:
    """An older capture without nexthop objects: compat-0 routes say which object is missing."""
    with temp_netns("fnh") as ns:
        build_nexthop_ns(ns)
        set_compat(ns, 0)
        state = read_netns(ns.path)
    old = NetnsState(state.links, state.addresses, state.rules, state.routes, state.sysctls)
    engine = Engine(_offline(old))
    for dst in ("10.10.0.5", "10.11.0.5"):
        trace = engine.lookup(Query(dst))
        assert not trace.predicted
        assert "was not read" in (trace.reason or "")
        assert "if0" not in " ".join(s.text for s in trace.steps)
