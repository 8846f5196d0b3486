"""Routes through nexthop objects on hand-built states: what the kernel test cannot build.

Resilient groups whose buckets all point at one member, objects carrying attributes fibscope
does not decode, a member that was not read, and the source address a next hop caches when a
site-scope address makes the creation-time and route-scope choices differ.
"""

from __future__ import annotations

from dataclasses import replace

from tests.engine.states import Host, two_links
from tui.fib import Engine, Query, Trace
from tui.model import (
    AF_INET,
    NEXTHOP_GRP_TYPE_RES,
    NUD_FAILED,
    Neighbour,
    NexthopGroupMember,
    NexthopObject,
    ResilientGroup,
    Route,
)

LINK = 253


def _single(nhid: int, gw: str, oif: int) -> NexthopObject:
    return NexthopObject(nhid, AF_INET, LINK, gateway=gw, oif=oif)


def _host(*objects: NexthopObject, nhid: int = 10, host: Host | None = None) -> Engine:
    host = host or two_links()
    e1, e2 = host.index("e1"), host.index("e2")
    base = (_single(1, "10.1.0.2", e1), _single(2, "10.2.0.2", e2))
    state = host.state()
    route = Route(AF_INET, 254, 1, "10.50.0.0", 16, protocol=3, nhid=nhid)
    return Engine(replace(state, routes=(*state.routes, route), nexthops=base + objects))


def _get(engine: Engine, dst: str = "10.50.0.9", **query: object) -> Trace:
    return engine.lookup(Query.parse(dst, **query))


def test_resilient_group_with_every_bucket_on_one_member_is_exact() -> None:
    group = NexthopObject(
        10,
        group=(NexthopGroupMember(1), NexthopGroupMember(2)),
        group_type=NEXTHOP_GRP_TYPE_RES,
        resilient=ResilientGroup(4, 12000),
        bucket_nhids=(2, 2, 2, 2),
    )
    trace = _get(_host(group))
    assert trace.predicted, trace.reason
    assert (trace.verdict.gateway, trace.verdict.dev) == ("10.2.0.2", "e2")
    assert trace.verdict.prefsrc == "10.2.0.1"


def test_resilient_group_lists_bucket_shares_or_says_buckets_are_unknown() -> None:
    members = (NexthopGroupMember(1), NexthopGroupMember(2))
    shared = NexthopObject(
        10,
        group=members,
        group_type=NEXTHOP_GRP_TYPE_RES,
        resilient=ResilientGroup(4),
        bucket_nhids=(1, 2, 2, 2),
    )
    trace = _get(_host(shared))
    assert not trace.predicted
    assert "10.1.0.2 dev e1 (1 of 4 buckets)" in (trace.reason or "")
    assert "10.2.0.2 dev e2 (3 of 4 buckets)" in (trace.reason or "")
    unknown = replace(shared, bucket_nhids=())
    trace = _get(_host(unknown))
    assert not trace.predicted and "buckets were not read" in (trace.reason or "")


def test_oif_decides_inside_a_group() -> None:
    group = NexthopObject(10, group=(NexthopGroupMember(1, 5), NexthopGroupMember(2, 7)))
    trace = _get(_host(group))
    assert not trace.predicted
    assert "weight 5" in (trace.reason or "") and "weight 7" in (trace.reason or "")
    trace = _get(_host(group), oif="e2")
    assert trace.predicted and trace.verdict.gateway == "10.2.0.2"


def test_undecoded_attribute_or_missing_member_is_named() -> None:
    odd = replace(_single(3, "10.1.0.3", 2), unknown=((99, "0100"),))
    trace = _get(_host(odd, nhid=3))
    assert not trace.predicted and "NHA type 99" in (trace.reason or "")
    group = NexthopObject(10, group=(NexthopGroupMember(1), NexthopGroupMember(77)))
    trace = _get(_host(group))
    assert not trace.predicted and "member 77" in (trace.reason or "")


def test_cached_source_address_depends_on_history() -> None:
    """A site-scope address fits the scope a next hop is created with (link - 1) but not the
    route's (universe): which one the kernel cached cannot be told from a dump."""
    host = Host().link("e1").addr("e1", "10.1.0.1/24", scope=200)
    engine = _host(host=host.link("e2").addr("e2", "10.2.0.1/24"), nhid=1)
    trace = _get(engine)
    assert not trace.predicted
    assert "caches 10.1.0.1 or 10.2.0.1" in (trace.reason or "")
    plain = _get(_host(nhid=1))  # global addresses only: both choices agree
    assert plain.predicted, plain.reason
    assert (plain.verdict.gateway, plain.verdict.prefsrc) == ("10.1.0.2", "10.1.0.1")


def _seeded(engine: Engine, *neighbours: Neighbour, table: bool = True) -> Engine:
    """The engine's state with a fixed hash seed, use_neigh off, and a neighbour table
    (``table=False``: none captured)."""
    state = engine.ctx.state
    sysctls = replace(
        state.sysctls,
        fib_multipath_hash_seed=99,
        fib_multipath_hash_policy=1,
        ipv6_multipath_hash_policy=1,
        fib_multipath_use_neigh=0,
    )
    return Engine(replace(state, sysctls=sysctls, neighbours=neighbours if table else None))


def test_hash_threshold_group_with_a_fixed_seed_is_exact_and_skips_bad_neighbours() -> None:
    group = NexthopObject(10, group=(NexthopGroupMember(1, 1), NexthopGroupMember(2, 3)))
    engine = _seeded(_host(group))
    answers = [_get(engine, f"10.50.{n}.9", ipproto="tcp", sport=n) for n in range(60)]
    assert all(t.predicted for t in answers)
    assert {t.verdict.dev for t in answers} == {"e1", "e2"}
    assert any("the flow hash" in step.text for step in answers[0].steps)
    # 10.2.0.2 FAILED: skipped although fib_multipath_use_neigh is 0 (nexthop_is_good_nh)
    e2 = two_links().index("e2")
    failed = _seeded(_host(group), Neighbour(AF_INET, e2, "10.2.0.2", NUD_FAILED))
    answers = [_get(failed, f"10.50.{n}.9", ipproto="tcp", sport=n) for n in range(60)]
    assert all(t.predicted for t in answers)
    assert {t.verdict.dev for t in answers} == {"e1"}
    # no neighbour table: a member may be bad, so the hash alone does not decide
    unknown = _seeded(_host(group), table=False)
    answers = [_get(unknown, f"10.50.{n}.9", ipproto="tcp", sport=n) for n in range(60)]
    assert not any(t.predicted for t in answers)
    assert all(t.candidates for t in answers)


def test_hash_threshold_group_gives_no_source_preference() -> None:
    """Legacy multipath prefers the next hop whose address is the source; a group does not."""
    group = NexthopObject(10, group=(NexthopGroupMember(1), NexthopGroupMember(2)))
    engine = _seeded(_host(group))
    answers = [_get(engine, f"10.50.{n}.9", src="10.1.0.1", ipproto="udp") for n in range(60)]
    assert {t.verdict.dev for t in answers} == {"e1", "e2"}


def test_unpredicted_group_lists_candidates_with_shares() -> None:
    group = NexthopObject(10, group=(NexthopGroupMember(1, 1), NexthopGroupMember(2, 3)))
    trace = _get(_host(group))
    assert not trace.predicted
    assert [(c["dev"], c["weight"], c["share"]) for c in trace.candidates] == [
        ("e1", 1, 0.25),
        ("e2", 3, 0.75),
    ]


def test_resilient_group_follows_its_bucket_table_with_a_fixed_seed() -> None:
    members = (NexthopGroupMember(1), NexthopGroupMember(2))
    group = NexthopObject(
        10,
        group=members,
        group_type=NEXTHOP_GRP_TYPE_RES,
        resilient=ResilientGroup(4),
        bucket_nhids=(1, 2, 2, 2),
    )
    engine = _seeded(_host(group))
    answers = [_get(engine, f"10.50.{n}.9", ipproto="tcp", sport=n) for n in range(80)]
    assert all(t.predicted for t in answers)
    assert {t.verdict.dev for t in answers} == {"e1", "e2"}
    steps = " ".join(s.text for s in answers[0].steps)
    assert "bucket" in steps
    # buckets not read: unpredicted even with the seed, members listed with their weights
    trace = _get(_seeded(_host(replace(group, bucket_nhids=()))))
    assert not trace.predicted and "buckets were not read" in (trace.reason or "")
    assert [c["share"] for c in trace.candidates] == [None, None]
