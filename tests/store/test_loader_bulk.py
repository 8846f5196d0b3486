"""A dump datagram is claimed in one go when it can be (``DumpLoader._bulk``): the result must
be exactly what the route-by-route load makes, whatever the datagram holds (keys sharing a
destination text, a key continued from the previous datagram, several tables, keys events
built) and wherever the datagrams are cut."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from tui.model import AF_INET, AF_INET6, RTN_UNICAST, Route
from tui.store.loader import DumpLoader
from tui.store.routes import NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RouteStore


def _route(rng: random.Random, table: int) -> Route:
    """A route from a small space, so that destination texts and keys repeat."""
    plen = rng.choice((8, 16, 24))
    dst = f"10.{rng.randrange(4)}.0.0"
    return Route(
        AF_INET,
        table,
        RTN_UNICAST,
        dst,
        plen,
        priority=rng.choice((None, 10)),
        gateway=f"10.9.0.{rng.randrange(1, 4)}",
        oif=2,
    )


def _dump(rng: random.Random) -> list[Route]:
    """Routes in a dump's order: table by table, a key's entries next to each other."""
    routes: list[Route] = []
    for table in rng.sample((254, 100, 255), rng.randrange(1, 4)):
        by_key: dict[tuple[object, ...], list[Route]] = {}
        for _ in range(rng.randrange(1, 30)):
            route = _route(rng, table)
            key = (route.dst, route.dst_len, route.priority)
            if route not in by_key.get(key, []):
                by_key.setdefault(key, []).append(route)
        for group in by_key.values():
            routes.extend(group)
    return routes


def _cut(rng: random.Random, routes: list[Route]) -> list[list[Route]]:
    cuts = sorted(rng.sample(range(1, len(routes) + 1), min(len(routes), rng.randrange(1, 6))))
    parts, start = [], 0
    for end in [*cuts, len(routes)]:
        parts.append(routes[start:end])
        start = end
    return parts


def _shape(store: RouteStore) -> tuple[object, ...]:
    return (
        store.routes(),
        store.counts(),
        {k: (dict(t.one), dict(t.many), set(t.aliased)) for k, t in store._tables.items()},
    )


def test_bulk_loads_exactly_what_the_route_by_route_load_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = 0
    bulk = DumpLoader._bulk

    def counted(self: DumpLoader, routes: list[Route]) -> bool:
        nonlocal taken
        done = bulk(self, routes)
        taken += done
        return done

    monkeypatch.setattr(DumpLoader, "_bulk", counted)
    for seed in range(400):
        rng = random.Random(seed)
        routes = _dump(rng)
        loader = DumpLoader()
        for pos, part in enumerate(_cut(rng, routes)):
            loader.dumped(100 * (pos + 1), part)
        assert _shape(loader.finish()) == _shape(RouteStore(routes)), seed
    assert taken > 100, "the bulk path was taken often enough to be tested"


def test_bulk_is_taken_only_when_it_is_exact() -> None:
    """One table and fresh destinations: claimed at once; a repeated text, a second table or
    a key the store has already: left to the route-by-route loop (nothing changed)."""
    a = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 24, gateway="10.9.0.1", oif=2)
    a16 = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 16, gateway="10.9.0.1", oif=2)
    b = Route(AF_INET, 254, RTN_UNICAST, "10.1.0.0", 24, gateway="10.9.0.1", oif=2)
    c = Route(AF_INET, 100, RTN_UNICAST, "10.2.0.0", 24, gateway="10.9.0.1", oif=2)
    v6 = Route(AF_INET6, 254, RTN_UNICAST, "2001:db8::", 64, gateway="fe80::1", oif=2)
    loader = DumpLoader()
    assert loader._bulk([a])
    assert not loader._bulk([a16]), "the text 10.0.0.0 is taken: another key"
    assert not loader._bulk([b, b]), "a text twice in one datagram"
    assert not loader._bulk([b, c]), "two tables"
    assert not loader._bulk([b, v6]), "two families"
    assert loader.store.routes() == [a]
    assert loader._bulk([b]) and loader._bulk([c]) and loader._bulk([v6])
    assert loader.finish().counts() == {(AF_INET, 254): 2, (AF_INET, 100): 1, (AF_INET6, 254): 1}


def test_a_key_events_built_is_not_claimed_in_bulk() -> None:
    """An event near the datagram makes it go route by route (the dump replaces the key)."""
    old = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 24, gateway="10.9.0.7", oif=2)
    new = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 24, gateway="10.9.0.1", oif=2)
    other = Route(AF_INET, 254, RTN_UNICAST, "10.1.0.0", 24, gateway="10.9.0.1", oif=2)
    loader = DumpLoader()
    loader.event(1, True, NLM_F_EXCL | NLM_F_CREATE, old)
    loader.dumped(500, [new, other])  # the event is long before: the dump shows the truth
    assert loader.finish().routes() == [new, other]


def test_a_key_kept_under_its_identity_is_not_claimed_twice() -> None:
    """10.0.0.0/16 kept under its identity (10.0.0.0/24 had the text), the /24 deleted: a
    datagram showing the /16 must replace that key, not add a second one under the text."""
    r24 = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 24, gateway="10.9.0.1", oif=2)
    r16 = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 16, gateway="10.9.0.1", oif=2)
    r16_now = Route(AF_INET, 254, RTN_UNICAST, "10.0.0.0", 16, gateway="10.9.0.2", oif=2)
    loader = DumpLoader()
    loader.event(1, True, NLM_F_EXCL | NLM_F_CREATE, r24)
    loader.event(2, True, NLM_F_EXCL | NLM_F_CREATE, r16)
    loader.event(3, False, 0, r24)
    loader.dumped(500, [r16_now])
    assert loader.finish().routes() == [r16_now]


class RouteByRoute(DumpLoader):
    """The loader without its bulk path: every datagram claimed route by route."""

    def _bulk(self, routes: list[Route]) -> bool:
        return False


GW = ("10.9.0.1", "10.9.0.2")
FLAGS = (NLM_F_CREATE | NLM_F_EXCL, NLM_F_CREATE | NLM_F_REPLACE, NLM_F_CREATE | NLM_F_APPEND)


def test_events_near_a_datagram_about_other_keys_do_not_stop_the_bulk_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Events within the race window of a datagram (a flood) whose destinations it does not
    hold: it is still claimed in bulk, and the store is exactly the route-by-route one,
    wherever the events fall (keys the dump passed, keys it has not reached, its own)."""
    taken_near = 0
    bulk = DumpLoader._bulk

    def counted(self: DumpLoader, routes: list[Route]) -> bool:
        nonlocal taken_near
        done = bulk(self, routes)
        taken_near += done and bool(self._recent)
        return done

    monkeypatch.setattr(DumpLoader, "_bulk", counted)
    for seed in range(400):
        rng = random.Random(seed)
        # a table as a flap sees it: one route per destination, in order
        routes = [
            Route(AF_INET, 254, RTN_UNICAST, f"10.{i >> 8}.{i & 255}.0", 24, gateway=GW[i % 2])
            for i in sorted(rng.sample(range(600), rng.randrange(5, 60)))
        ]
        parts = _cut(rng, routes)
        plan: list[tuple[int, object]] = []
        for n, part in enumerate(parts):
            pos = 100 * (n + 1)
            for _ in range(rng.randrange(5)):  # most within the window, some far
                pick = rng.random()
                if pick < 0.3:
                    route = rng.choice(part or routes)  # a key of this datagram
                elif pick < 0.7:
                    route = rng.choice(routes)  # passed or not yet reached
                else:
                    i = rng.randrange(600, 700)  # a key the dump does not show
                    route = Route(AF_INET, 254, RTN_UNICAST, f"10.{i >> 8}.{i & 255}.0", 24)
                route = replace(route, gateway=rng.choice(GW)) if rng.random() < 0.3 else route
                at = pos - rng.choice((1, 5, 30, 63, 90))
                plan.append((at, (rng.random() < 0.5, rng.choice(FLAGS), route)))
            plan.append((pos, part))
        plan.sort(key=lambda item: item[0])
        loaders = (DumpLoader(), RouteByRoute())
        for loader in loaders:
            for at, what in plan:
                if isinstance(what, list):
                    loader.dumped(at, what)
                else:
                    assert isinstance(what, tuple)
                    loader.event(at, *what)
        fast, slow = loaders
        assert fast.suspect == slow.suspect, seed
        assert _shape(fast.finish()) == _shape(slow.finish()), seed
    assert taken_near > 100, "datagrams with events near were claimed in bulk often enough"
