"""One table lookup: longest prefix, the kernel's order within a prefix, and what is skipped."""

from __future__ import annotations

from tests.engine.states import Host, said, two_links
from tui.fib.table import build_indexes
from tui.model import (
    AF_INET,
    RTN_BLACKHOLE,
    RTN_PROHIBIT,
    RTN_UNREACHABLE,
    RTNH_F_DEAD,
    RTNH_F_LINKDOWN,
)


def test_longest_prefix_wins() -> None:
    host = two_links().route("10.0.0.0/8", via="10.1.0.254").route("10.64.0.0/10", via="10.2.0.254")
    trace = host.get("10.65.0.1")
    assert said(
        trace,
        "table local+main: default" if False else "10.0.0.0/8 and 10.64.0.0/10 match, 10.64.0.0/10",
    )
    assert trace.verdict.prefix == "10.64.0.0/10" and trace.verdict.gateway == "10.2.0.254"


def test_lower_metric_first() -> None:
    host = two_links().route("10.64.0.0/10", via="10.1.0.254", metric=50)
    host.route("10.64.0.0/10", via="10.2.0.254", metric=5)
    trace = host.get("10.65.0.1")
    assert said(trace, "metric 5 beats metric 50") and trace.verdict.gateway == "10.2.0.254"


def test_a_tos_route_comes_first_but_only_for_its_tos() -> None:
    host = two_links().route("8.0.0.0/8", via="10.1.0.254")
    host.route("8.0.0.0/8", via="10.2.0.254", tos=0x10)
    assert host.get("8.8.8.8", tos=0x10).verdict.gateway == "10.2.0.254"
    trace = host.get("8.8.8.8")
    assert said(trace, "it is for tos 0x10") and trace.verdict.gateway == "10.1.0.254"


def test_reject_routes_end_the_lookup_with_their_error() -> None:
    for rtype, name in (
        (RTN_BLACKHOLE, "EINVAL"),
        (RTN_UNREACHABLE, "EHOSTUNREACH"),
        (RTN_PROHIBIT, "EACCES"),
    ):
        host = two_links().route("default", via="10.1.0.254").route("8.8.0.0/16", type=rtype)
        verdict = host.get("8.8.8.8").verdict
        assert verdict.error_name == name and verdict.prefix == "8.8.0.0/16"


def test_linkdown_next_hop_skipped_with_ignore_routes_with_linkdown() -> None:
    host = two_links().link("e3", carrier=False, ignore_routes_with_linkdown=1)
    host.addr("e3", "10.3.0.1/24").route("default", via="10.1.0.254")
    host.route("8.8.0.0/16", via="10.3.0.254", dev="e3", flags=RTNH_F_LINKDOWN | RTNH_F_DEAD)
    trace = host.get("8.8.8.8")
    assert said(
        trace,
        "next hop 10.3.0.254 dev e3 of 8.8.0.0/16 skipped: linkdown and "
        "ignore_routes_with_linkdown=1",
    )
    assert said(trace, "falling back to default")
    assert trace.verdict.gateway == "10.1.0.254"


def test_linkdown_route_still_used_without_the_sysctl() -> None:
    host = two_links().link("e3", carrier=False).addr("e3", "10.3.0.1/24")
    host.route("8.8.0.0/16", via="10.3.0.254", dev="e3", flags=RTNH_F_LINKDOWN)
    assert host.get("8.8.8.8").verdict.dev == "e3"


def test_dead_next_hop_of_a_multipath_route_is_skipped() -> None:
    host = two_links()
    host.route("8.8.0.0/16", nexthops=(("10.1.0.254", "e1"), ("10.2.0.254", "e2")))
    route = host.routes[-1]
    dead = route.multipath[0].__class__(
        route.multipath[0].gateway, route.multipath[0].oif, 1, RTNH_F_DEAD
    )
    host.routes[-1] = route.__class__(
        **{
            **{f: getattr(route, f) for f in route.__slots__},
            "multipath": (dead, route.multipath[1]),
        }
    )
    trace = host.get("8.8.8.8")
    assert said(trace, "dead") and trace.verdict.gateway == "10.2.0.254" and trace.predicted


def test_oif_restricts_next_hops() -> None:
    host = two_links().route("8.8.0.0/16", via="10.1.0.254").route("default", via="10.2.0.254")
    trace = host.get("8.8.8.8", oif="e2")
    assert said(trace, "dev e1 is not the oif e2") and trace.verdict.gateway == "10.2.0.254"


def test_index_keeps_kernel_order_and_probes_longest_first() -> None:
    host = Host().link("e1").addr("e1", "10.1.0.1/24")
    host.route("8.0.0.0/8", via="10.1.0.3", metric=9).route("8.0.0.0/8", via="10.1.0.2", metric=1)
    host.route("8.0.0.0/8", via="10.1.0.4", tos=0x10, metric=20)
    tables = build_indexes(host.state().routes, merge_local_main=False)
    main = tables[(AF_INET, 254)]
    assert [plen for plen, _, _ in main.lengths] == [24, 8]
    ((_, _, routes),) = [m for m in main.matches(0x08080808)]
    assert [r.gateway for r in routes] == ["10.1.0.4", "10.1.0.2", "10.1.0.3"]


def test_sorted_bucket_answers_as_a_dict_whatever_the_order() -> None:
    """Networks appended in order, out of order, twice, and IPv6 past /64 (no array)."""
    import random

    from tui.fib.table import SORTED_MIN, SortedBucket
    from tui.model import AF_INET6, Route

    rng = random.Random(5)
    for family, plen, bits in ((AF_INET, 24, 32), (AF_INET6, 48, 128), (AF_INET6, 96, 128)):
        step = 1 << (bits - plen)
        nets = [n * step for n in range(2 * SORTED_MIN)]
        late = set(nets[1::7])
        order = [n for n in nets if n not in late] + sorted(late) + rng.sample(nets, 50)
        bucket, seen = SortedBucket(family, plen), dict[int, list[Route]]()
        for i, net in enumerate(order):
            route = Route(family, 254, 1, "x", plen, priority=i)
            bucket.add(net, route)
            seen.setdefault(net, []).append(route)
        probe = bucket.compact()
        assert isinstance(probe, SortedBucket) == (plen <= 64)
        for net, routes in seen.items():
            slot = probe.get(net)
            assert (slot if isinstance(slot, list) else [slot]) == routes
        assert probe.get(nets[-1] + step) is None and probe.get(step // 2 or 1) is None
        assert sum(len(s) if isinstance(s, list) else 1 for s in probe.values()) == len(order)
