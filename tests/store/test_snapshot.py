"""A table copied in another thread while the owner applies events is the store as it was at
some moment: the version the copy names (``RouteStore.snapshot`` and the gate)."""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from tui.model import AF_INET, AF_INET6, RTN_BLACKHOLE, RTN_UNICAST, Nexthop, Route
from tui.store.routes import NLM_F_APPEND, NLM_F_CREATE, NLM_F_REPLACE, RouteStore

Change = tuple[bool, int, Route]
TABLES = ((AF_INET, 254), (AF_INET, 100), (AF_INET6, 254), (AF_INET6, 100))


def random_route(rng: random.Random) -> Route:
    """A route from a small space, so that events meet: keys with several entries (metrics,
    aliases, IPv6 siblings), replaces of existing ones, deletes that find their entry."""
    family, table = rng.choice(TABLES)
    gw_n, oif = rng.randrange(4), rng.choice((2, 3))
    if family == AF_INET:
        dst, plen = f"10.{rng.randrange(40)}.0.0", rng.choice((16, 24))
        gw = f"10.255.0.{gw_n + 1}"
    else:
        dst, plen = f"2001:db8:{rng.randrange(40):x}::", 64
        gw = f"fe80::{gw_n + 1}"
    kind = RTN_BLACKHOLE if rng.random() < 0.05 else RTN_UNICAST
    if kind == RTN_BLACKHOLE:
        return Route(family, table, kind, dst, plen, priority=rng.choice((None, 7)))
    if family == AF_INET6 and rng.random() < 0.1:
        hops = (Nexthop(gw, oif), Nexthop(f"fe80::{gw_n + 9}", oif))
        return Route(family, table, kind, dst, plen, priority=1024, multipath=hops)
    metric = rng.choice((None, 7)) if family == AF_INET else 1024
    return Route(family, table, kind, dst, plen, priority=metric, gateway=gw, oif=oif)


def random_changes(rng: random.Random, count: int) -> Iterator[Change]:
    """Adds (create, append, replace) and deletes of routes once added, as events carry them."""
    added: list[Route] = []
    for _ in range(count):
        if added and rng.random() < 0.4:
            yield False, 0, added.pop(rng.randrange(len(added)))
            continue
        route = random_route(rng)
        flags = rng.choice((NLM_F_CREATE, NLM_F_CREATE | NLM_F_APPEND, NLM_F_REPLACE))
        added.append(route)
        yield True, flags, route


def tables_now(store: RouteStore) -> dict[tuple[int, int | None], list[Route]]:
    """What ``snapshot`` should give for every table, and every family, right now."""
    out: dict[tuple[int, int | None], list[Route]] = {
        (family, table): store.table_routes(family, table) for family, table in TABLES
    }
    for family in (AF_INET, AF_INET6):
        out[family, None] = store.routes(family)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_a_snapshot_is_the_store_at_the_version_it_names(seed: int) -> None:
    rng = random.Random(seed)
    store = RouteStore(route for new, _, route in random_changes(rng, 300) if new)
    changes = list(random_changes(rng, 4000))
    states = {store.version: tables_now(store)}
    batches, picks = random.Random(seed + 100), random.Random(seed + 200)  # one per thread
    copies: list[tuple[tuple[int, int | None], int, list[Route]]] = []
    done = threading.Event()
    failed: list[BaseException] = []

    def owner() -> None:
        """Applies the events in batches, as the UI thread does: never waits for the gate,
        and notes the store after each batch (under the gate: no copy sees half of one)."""
        try:
            at = batch = 0
            while at < len(changes):
                if not store.try_write():
                    time.sleep(0)  # a copy runs: the events wait (the app applies them later)
                    continue
                try:
                    size = batches.randrange(1, 40)
                    for new, flags, route in changes[at : at + size]:
                        store.apply(new, flags, route)
                    at += size
                    states[store.version] = tables_now(store)
                finally:
                    store.end_write()
                batch += 1
                seen = len(copies)
                while batch % 8 == 0 and len(copies) == seen and reading.is_alive():
                    time.sleep(0.001)  # the reader copies during the next batches
        except BaseException as error:  # handed to the test's thread
            failed.append(error)
        finally:
            done.set()

    def reader() -> None:
        """Copies tables in tiny chunks (many chances for the owner to run meanwhile)."""
        while not done.is_set():
            family, table = picks.choice((*TABLES, (AF_INET, None), (AF_INET6, None)))
            version, routes = store.snapshot(family, table, chunk=3)
            copies.append(((family, table), version, routes))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # threads switch between a few bytecodes: they interleave
    try:
        reading = threading.Thread(target=reader)
        writing = threading.Thread(target=owner)
        reading.start()
        writing.start()
        writing.join()
        reading.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failed, failed
    assert len({version for _, version, _ in copies}) > 10, "the copies met few versions"
    for which, version, routes in copies:
        assert routes == states[version][which], (which, version)
    assert states[store.version] == tables_now(store)


def test_the_owner_does_not_write_while_a_copy_runs() -> None:
    """``try_write`` refuses while a copy holds the gate (the owner's events then wait) and
    succeeds once it is done; a copy of a table never seen is empty."""
    store = RouteStore([Route(AF_INET, 254, RTN_UNICAST, f"10.{i}.0.0", 16) for i in range(5)])
    inside = threading.Event()
    release = threading.Event()
    seen: list[bool] = []

    assert store.try_write()
    seen.append(store.try_write())  # held: a second batch is refused, the gate is no RLock
    store.end_write()

    def copy() -> None:
        with store._gate:  # what ``snapshot`` holds while it copies
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=copy)
    thread.start()
    inside.wait(30)
    seen.append(store.try_write())
    release.set()
    thread.join()
    seen.append(store.try_write())
    store.end_write()
    assert seen == [False, False, True]
    assert store.snapshot(AF_INET, 7) == (store.version, [])
    assert store.snapshot(AF_INET6) == (store.version, [])


@pytest.mark.parametrize("chunk", [1, 3, 10, 99, 100, 101, 5000])
def test_a_snapshot_copies_every_route_whatever_the_chunk(chunk: int) -> None:
    """Chunks that divide the table exactly, or not, or exceed it: the whole table."""
    store = RouteStore(Route(AF_INET, 254, RTN_UNICAST, f"10.{i}.0.0", 16) for i in range(100))
    store.add(Route(AF_INET, 254, RTN_UNICAST, "10.1.0.0", 16, gateway="10.255.0.1", oif=2))
    assert store.snapshot(AF_INET, 254, chunk)[1] == store.table_routes(AF_INET, 254)
    assert len(store.snapshot(AF_INET, None, chunk)[1]) == 101
