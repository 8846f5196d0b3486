"""Multipath and equal-default selection on hand-built states (the kernel tests prove them
against ``ip route get``; these pin the rules one at a time)."""

from __future__ import annotations

from dataclasses import replace

from tests.engine.states import Host, said, two_links
from tui.fib import Engine, Query, Trace
from tui.fib.defaults import _walk
from tui.fib.mphash import jhash_2words, keys_hash, multipath_hash, siphash24
from tui.fib.multipath import FIB, HASH_SPACE, HTHR, Hop, choose, decide, outcomes, upper_bounds
from tui.model import (
    AF_INET,
    NUD_FAILED,
    NUD_PERMANENT,
    NUD_REACHABLE,
    NUD_STALE,
    RTNH_F_DEAD,
    Neighbour,
    NetnsState,
    Nexthop,
    Sysctls,
)

NH = Nexthop("10.1.0.254", 2)


def hops(
    *bounds: int, good: tuple[bool | None, ...] = (), match: tuple[bool, ...] = ()
) -> list[Hop]:
    """Hops with these upper bounds (all good, none holding the source, unless told)."""
    return [
        Hop(NH, 1, b, good[i] if good else True, match[i] if match else False)
        for i, b in enumerate(bounds)
    ]


def test_upper_bounds_split_the_hash_space_by_weight() -> None:
    assert upper_bounds([1, 1]) == [HASH_SPACE // 2 - 1, HASH_SPACE - 1]
    assert upper_bounds([1, None, 3]) == [HASH_SPACE // 4 - 1, -1, HASH_SPACE - 1]
    assert upper_bounds([None, None]) == [-1, -1]


def test_without_a_source_the_first_hop_over_the_hash_wins() -> None:
    row = hops(99, 199, HASH_SPACE - 1)
    assert [choose(row, h, False, 0, FIB) for h in (0, 99, 100, 200)] == [0, 0, 1, 2]
    assert outcomes(row, False, 0, FIB) == {0: 100, 1: 100, 2: HASH_SPACE - 200}


def test_a_hop_holding_the_source_beats_the_hash() -> None:
    row = hops(99, 199, HASH_SPACE - 1, match=(False, True, False))
    assert outcomes(row, True, 0, FIB) == {1: HASH_SPACE}
    # two hops hold the source: the hash decides between them, the first when it misses both
    row = hops(99, 199, HASH_SPACE - 1, match=(True, False, True))
    assert choose(row, 150, True, 0, FIB) == 2
    assert choose(row, 50, True, 0, FIB) == 0


def test_a_source_no_hop_holds_leaves_the_hash_to_decide() -> None:
    row = hops(99, HASH_SPACE - 1)
    assert set(outcomes(row, True, 0, FIB)) == {0, 1}


def test_left_out_and_bad_neighbour_hops_are_skipped() -> None:
    row = hops(-1, 99, HASH_SPACE - 1, good=(True, False, True))
    assert outcomes(row, False, 0, FIB) == {2: HASH_SPACE}
    # nothing in the running: the lookup's own next hop (the fallback) stays
    assert outcomes(hops(-1, -1), False, 1, FIB) == {1: HASH_SPACE}


def test_unknown_neighbour_states_are_tried_both_ways() -> None:
    pick, _, reason = decide(hops(99, HASH_SPACE - 1, good=(None, True)), False, 0, FIB, 5)
    assert pick is None and "neighbour" in (reason or "")
    pick, _, _ = decide(hops(-1, HASH_SPACE - 1, good=(True, None)), False, 1, FIB, None)
    assert pick == 1  # good or not, the lookup's choice is the same hop


def test_nexthop_groups_pick_the_first_good_hop_under_the_hash() -> None:
    row = hops(99, HASH_SPACE - 1, good=(False, True))
    assert choose(row, 10, False, 0, HTHR) == 1
    assert choose(hops(99, 199, good=(False, False)), 10, False, 0, HTHR) == 0


def test_fib_select_default_walk() -> None:
    none = None
    assert _walk([none, none], -1) == 0  # no entries: the first route
    assert _walk([NUD_FAILED, none], -1) == 1
    assert _walk([NUD_REACHABLE, NUD_FAILED], 0) == 0
    # valid but not REACHABLE: the one taken last time (fa_default) is passed over
    assert {_walk([NUD_PERMANENT, NUD_STALE], d) for d in (-1, 0, 1)} == {0, 1}
    # every gateway failed: the last resort depends on fa_default too
    assert {_walk([NUD_FAILED, NUD_FAILED], d) for d in (-1, 0, 1)} == {0, 1}


def with_neigh(
    host: Host, *entries: tuple[str, str, int], fib_multipath_use_neigh: int | None = None
) -> Engine:
    """The host with a neighbour table (and the use_neigh sysctl when given)."""
    state = host.state()
    index = {link.name: link.index for link in state.links}
    table = tuple(Neighbour(AF_INET, index[dev], gw, st) for gw, dev, st in entries)
    sysctls = replace(state.sysctls, fib_multipath_use_neigh=fib_multipath_use_neigh)
    return Engine(replace(state, neighbours=table, sysctls=sysctls))


def mp_host() -> Host:
    return two_links().route("8.8.0.0/16", nexthops=(("10.1.0.254", "e1"), ("10.2.0.254", "e2")))


def ask(engine: Engine, dst: str, **query: object) -> Trace:
    return engine.lookup(Query.parse(dst, **query))


def test_a_source_address_picks_its_next_hop() -> None:
    engine = with_neigh(mp_host(), fib_multipath_use_neigh=0)
    trace = ask(engine, "8.8.8.8", src="10.2.0.1")
    assert trace.predicted and trace.verdict.dev == "e2"
    trace = ask(engine, "8.8.8.8")
    assert not trace.predicted and "flow hash" in (trace.reason or "")
    assert [c["dev"] for c in trace.candidates] == ["e1", "e2"]
    assert [c["share"] for c in trace.candidates] == [0.5, 0.5]
    assert trace.to_json()["candidates"][0]["weight"] == 1


def test_use_neigh_skips_a_failed_gateway_and_names_its_state() -> None:
    engine = with_neigh(mp_host(), ("10.1.0.254", "e1", NUD_FAILED), fib_multipath_use_neigh=1)
    trace = ask(engine, "8.8.8.8")
    assert trace.predicted and trace.verdict.gateway == "10.2.0.254"
    assert said(trace, "neighbour 10.1.0.254 on e1 is FAILED")
    engine = with_neigh(mp_host(), ("10.1.0.254", "e1", NUD_FAILED), fib_multipath_use_neigh=0)
    assert not ask(engine, "8.8.8.8").predicted


def test_a_dead_next_hop_leaves_one_candidate() -> None:
    host = two_links()
    host.routes.append(
        replace(
            mp_host().state().routes[-1],
            multipath=(Nexthop("10.1.0.254", 2, 1, RTNH_F_DEAD), Nexthop("10.2.0.254", 3)),
        )
    )
    trace = host.get("8.8.8.8")
    assert trace.predicted and trace.verdict.dev == "e2"


def test_equal_defaults_follow_the_neighbour_table() -> None:
    host = two_links().route("default", via="10.1.0.254").route("default", via="10.2.0.254")
    engine = with_neigh(host, ("10.1.0.254", "e1", NUD_FAILED))
    trace = ask(engine, "8.8.8.8")
    assert trace.predicted and trace.verdict.gateway == "10.2.0.254"
    assert said(trace, "gateway 10.1.0.254 on e1: FAILED")
    assert ask(with_neigh(host), "8.8.8.8").verdict.gateway == "10.1.0.254"
    turns = ask(with_neigh(host, ("10.1.0.254", "e1", NUD_STALE)), "8.8.8.8")
    assert not turns.predicted and "in turn" in (turns.reason or "")
    assert len(turns.candidates) == 2
    assert not ask(Engine(host.state()), "8.8.8.8").predicted  # no neighbour table


def test_siphash_and_jhash_reference_values() -> None:
    key = bytes(range(16))
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    assert siphash24(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5
    assert siphash24(k0, k1, b"") == 0x726FDB47DD0E0E31
    assert jhash_2words(0, 0, 0) != jhash_2words(1, 0, 0)


def test_the_hash_is_the_same_both_ways_and_never_zero() -> None:
    a, b = bytes([10, 1, 0, 2]), bytes([10, 2, 0, 9])
    assert keys_hash(7, False, a, b, 6, 1000, 80) == keys_hash(7, False, b, a, 6, 80, 1000)
    assert multipath_hash(7, 9, 0, False, a, b, 6, 1, 2) is None  # an unknown policy


def test_a_fixed_seed_predicts_every_flow() -> None:
    state: NetnsState = with_neigh(mp_host()).ctx.state
    seeded = replace(
        state,
        sysctls=Sysctls(
            fib_multipath_use_neigh=0, fib_multipath_hash_seed=99, fib_multipath_hash_fields=7
        ),
    )
    engine = Engine(seeded)
    devs = {ask(engine, f"8.8.{n}.1").verdict.dev for n in range(40)}
    assert devs == {"e1", "e2"}
    assert all(ask(engine, f"8.8.{n}.1").predicted for n in range(40))
