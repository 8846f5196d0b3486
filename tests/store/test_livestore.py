"""The live route store follows events with the kernel's rules (each rule below was seen on a
real kernel: tests/kernel/test_monitor.py checks the whole against dumps)."""

from __future__ import annotations

from tui.model import AF_INET, AF_INET6, RTN_BLACKHOLE, RTN_UNICAST, Nexthop, Route
from tui.store.loader import DumpLoader
from tui.store.routes import (
    NLM_F_APPEND,
    NLM_F_CREATE,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    RouteStore,
)

ADD = NLM_F_EXCL | NLM_F_CREATE
APPEND = NLM_F_CREATE | NLM_F_APPEND
PREPEND = NLM_F_CREATE


def r(dst: str, gw: str | None = None, metric: int | None = None, oif: int = 2) -> Route:
    return Route(AF_INET, 254, RTN_UNICAST, dst, 24, priority=metric, gateway=gw, oif=oif)


def r6(gw: str | None = None, oif: int = 2, kind: int = RTN_UNICAST, **kw: object) -> Route:
    return Route(AF_INET6, 254, kind, "2001:db8::", 64, priority=1024, gateway=gw, oif=oif, **kw)  # type: ignore[arg-type]


def multi(*hops: tuple[str, int]) -> Route:
    nhs = tuple(Nexthop(gw, oif) for gw, oif in hops)
    return Route(AF_INET6, 254, RTN_UNICAST, "2001:db8::", 64, priority=1024, multipath=nhs)


def test_add_and_remove() -> None:
    store = RouteStore([r("10.0.0.0")])
    assert store.add(r("10.1.0.0"))
    assert not store.add(r("10.1.0.0")), "the same route twice is one entry"
    assert store.remove(r("10.0.0.0"))
    assert store.routes() == [r("10.1.0.0")]
    assert not store.remove(r("10.9.0.0"))


def test_removing_a_keys_only_entry_names_that_entry() -> None:
    """A delete takes the key's only entry when it is that entry, in whatever next hop state
    (linkdown is not part of it); another next hop under the same key is left alone."""
    from dataclasses import replace

    from tui.model import RTNH_F_LINKDOWN

    store = RouteStore([r("10.0.0.0", "10.9.0.1"), r("10.1.0.0", "10.9.0.1")])
    assert not store.remove(r("10.0.0.0", "10.9.0.2"))
    assert not store.remove(r("10.0.0.0", "10.9.0.1", metric=7))
    assert len(store) == 2
    version = store.version
    assert store.remove(replace(r("10.0.0.0", "10.9.0.1"), flags=RTNH_F_LINKDOWN))
    assert store.routes() == [r("10.1.0.0", "10.9.0.1")]
    assert store.version == version + 1 and store.counts() == {(AF_INET, 254): 1}
    assert store.add(r("10.0.0.0", "10.9.0.3"))  # the key is free again
    assert store.find(r("10.0.0.0")) == [r("10.0.0.0", "10.9.0.3")]


def test_metric_is_part_of_the_identity() -> None:
    store = RouteStore([r("10.0.0.0", metric=5)])
    store.add(r("10.0.0.0", metric=50))
    assert len(store) == 2
    store.remove(r("10.0.0.0", metric=5))
    assert store.routes() == [r("10.0.0.0", metric=50)]


def test_ipv4_append_prepend_and_replace_the_first() -> None:
    store = RouteStore()
    store.apply(True, ADD, r("10.0.0.0", "10.9.0.1"))
    store.apply(True, APPEND, r("10.0.0.0", "10.9.0.2"))
    store.apply(True, PREPEND, r("10.0.0.0", "10.9.0.3"))
    gws = [x.gateway for x in store.routes()]
    assert gws == ["10.9.0.3", "10.9.0.1", "10.9.0.2"]
    store.apply(True, NLM_F_REPLACE, r("10.0.0.0", "10.9.0.4"))
    assert [x.gateway for x in store.routes()] == ["10.9.0.4", "10.9.0.1", "10.9.0.2"]
    store.apply(False, 0, r("10.0.0.0", "10.9.0.1"))
    assert [x.gateway for x in store.routes()] == ["10.9.0.4", "10.9.0.2"]


def test_version_counts_changes() -> None:
    store = RouteStore()
    store.add(r("10.0.0.0"))
    store.add(r("10.0.0.0"))
    store.remove(r("10.0.0.0"))
    assert store.version == 2


def test_ipv6_gateway_routes_become_one_multipath_route() -> None:
    store = RouteStore()
    store.apply(True, ADD, r6("2001:db8:1::2", 3))
    # the kernel's append event lists the whole set, the new next hop first
    store.apply(True, APPEND, multi(("2001:db8:2::2", 5), ("2001:db8:1::2", 3)))
    assert store.routes() == [multi(("2001:db8:1::2", 3), ("2001:db8:2::2", 5))]
    store.apply(False, 0, r6("2001:db8:1::2", 3))  # one sibling deleted: a plain route
    assert store.routes() == [r6("2001:db8:2::2", 5)]


def test_ipv6_entry_between_siblings_is_hidden_then_shows_again() -> None:
    """A dump shows siblings where the first stands and skips to after the last."""
    store = RouteStore()
    store.apply(True, ADD, r6("2001:db8:1::2", 3))
    store.apply(True, APPEND, r6(None, 1, RTN_BLACKHOLE))
    store.apply(True, APPEND, multi(("2001:db8:1::3", 3), ("2001:db8:1::2", 3)))
    assert store.routes() == [multi(("2001:db8:1::2", 3), ("2001:db8:1::3", 3))]
    store.apply(False, 0, r6("2001:db8:1::3", 3))
    assert store.routes() == [r6("2001:db8:1::2", 3), r6(None, 1, RTN_BLACKHOLE)]


def test_ipv6_replace_takes_the_first_of_its_kind_or_else_the_first() -> None:
    store = RouteStore()
    store.apply(True, ADD, r6("2001:db8:1::2", 3))
    store.apply(True, APPEND, r6(None, 4))
    store.apply(True, NLM_F_REPLACE, r6(None, 5))  # not ECMP: replaces "dev 4"
    assert store.routes() == [r6("2001:db8:1::2", 3), r6(None, 5)]
    store.apply(False, 0, r6("2001:db8:1::2", 3))
    store.apply(True, NLM_F_REPLACE, r6("2001:db8:1::9", 3))  # no ECMP entry: the first
    assert store.routes() == [r6("2001:db8:1::9", 3)]


def test_refresh_makes_a_links_routes_what_the_dump_found() -> None:
    store = RouteStore([r("10.0.0.0", oif=3), r("10.1.0.0", oif=4), r("10.2.0.0", oif=3)])
    flagged = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 24, flags=16, oif=3)
    store.refresh(3, [flagged])
    assert sorted(x.dst for x in store.routes()) == ["10.0.0.0", "10.1.0.0"]
    assert flagged in store.routes()
    assert store.counts() == {(AF_INET, 254): 2}


def test_loader_takes_the_dump_over_what_events_built() -> None:
    """Events met before a key is dumped start from nothing: the dump knows the rest."""
    loader = DumpLoader()
    loader.event(1, True, PREPEND, r("10.0.0.0", "10.9.0.3"))
    loader.dumped(200, [r("10.0.0.0", "10.9.0.3"), r("10.0.0.0", "10.9.0.1")])
    assert [x.gateway for x in loader.finish().routes()] == ["10.9.0.3", "10.9.0.1"]


def test_loader_applies_again_an_event_that_raced_the_datagram() -> None:
    loader = DumpLoader()
    loader.event(198, False, 0, r("10.0.0.0", "10.9.0.1"))  # just before: may have raced
    loader.dumped(199, [r("10.0.0.0", "10.9.0.1"), r("10.1.0.0")])
    assert loader.finish().routes() == [r("10.1.0.0")]


def test_keys_sharing_a_destination_text_stay_apart() -> None:
    """10.0.0.0/8, 10.0.0.0/16 and two metrics of each share the text "10.0.0.0": a store
    keyed by that text must still keep every key's entries apart, through any sequence of
    adds, appends and removals (compared with a plain dict of identities)."""
    import random

    def route(dst: str, plen: int, metric: int | None, gw: str) -> Route:
        return Route(AF_INET, 254, RTN_UNICAST, dst, plen, priority=metric, gateway=gw, oif=2)

    rng = random.Random(7)
    pool = [
        route(dst, plen, metric, gw)
        for dst in ("10.0.0.0", "10.1.0.0")
        for plen in (8, 16, 24)
        for metric in (None, 5)
        for gw in ("10.9.0.1", "10.9.0.2")
    ]
    for _ in range(200):
        store, model = RouteStore(), dict[tuple[object, ...], list[Route]]()
        for _ in range(40):
            chosen = rng.choice(pool)
            ident = (chosen.dst, chosen.dst_len, chosen.priority)
            group = model.setdefault(ident, [])
            if rng.random() < 0.6:
                changed = store.apply(True, APPEND, chosen)
                assert changed == (chosen not in group)
                if changed:
                    group.append(chosen)
            else:
                assert store.remove(chosen) == (chosen in group)
                if chosen in group:
                    group.remove(chosen)
            assert len(store) == sum(len(g) for g in model.values())
            for (dst, plen, metric), entries in model.items():
                assert store.find(route(dst, plen, metric, "-")) == entries  # type: ignore[arg-type]
        assert sorted(store.routes(), key=repr) == sorted(
            (r for g in model.values() for r in g), key=repr
        )
