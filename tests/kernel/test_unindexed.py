"""A big first load shown before it is indexed (``tui.kernel.unindexed``), on real namespaces.

The monitor keeps a first load's datagrams raw while no event comes between them, hands the
app an ``Unindexed`` view of them, then loads the very same datagrams into the store.  What the
view lists must be what the kernel dumps, in the kernel's order, for every family, table and
form (route -n's selection included), and the store built afterwards must be the one an
immediate decode builds, also when an event arrives in the middle of the dump.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.kernel.follow import Follower, assert_equal_to_kernel
from tests.kernel.test_monitor import build, force_batch, route_ops
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tui.formats.route_n import route_n_routes
from tui.kernel import unindexed
from tui.kernel.event_socket import FrozenLoader
from tui.kernel.netlink.route_codec import collect_routes
from tui.kernel.netlink.route_dump import dump_request, dump_routes, next_seq, open_route_socket
from tui.kernel.unindexed import DumpStash, raw_run
from tui.model import AF_INET, AF_INET6, RT_TABLE_MAIN, Route
from tui.source.events import Snapshot, Unindexed
from tui.store.loader import DumpLoader

pytestmark = requires_netns
BULK = 3000  # routes enough for many full datagrams (raw runs) in two tables


def _populate(ns: Netns, seed: int) -> None:
    """Colliding adds, appends and deletes (keys with several entries, types, multipath, IPv6)
    beside bulk tables: main, 100, and 1000 (over 255: rtm_table says 252)."""
    build(ns)
    force_batch(ns, route_ops(seed, 300))
    kinds = ["via 10.1.0.9", "dev vb", "blackhole", "unreachable"]
    start = random.Random(seed).randrange(len(kinds))
    lines = []
    for t, table in enumerate(("main", "100", "1000")):
        for i in range(BULK):  # stretches of one kind: full datagrams of one shape
            kind = kinds[(start + 2 * t + i // 1500) % len(kinds)]
            net = f"10.{60 + i // 250}.{i % 250}.0/24"
            what = f"{kind} {net}" if kind in ("blackhole", "unreachable") else f"{net} {kind}"
            lines.append(f"route add {what} table {table}")
    force_batch(ns, lines)
    ns.ip("-6", "route", "add", "2001:db8:70::/48", "via", "2001:db8:1::9", "table", "1000")


def _kernel_routes(path: str) -> list[Route]:
    return [r for family in (AF_INET, AF_INET6) for r in dump_routes(path, family)]


def _expected(routes: list[Route], family: int, table: int | None, route_n: bool) -> list[Route]:
    mine = [r for r in routes if r.family == family and table in (None, r.table)]
    return route_n_routes(mine, family, 1) if route_n else mine


@pytest.fixture
def shown_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every first load is shown before it is indexed, however small."""
    monkeypatch.setattr(unindexed, "UNINDEXED_ROUTES", 0)
    yield


@pytest.mark.parametrize("seed", [3, 11])
def test_the_rows_before_the_index_are_the_kernels_in_its_order(
    seed: int, shown_first: None
) -> None:
    with temp_netns("fsc-unx") as ns:
        _populate(ns, seed)
        with Follower(ns.path) as follower:
            follower.wait_loaded()
            events = list(follower.events)
        kernel = _kernel_routes(ns.path)
    first, snapshot = events[0], events[1]
    assert isinstance(first, Unindexed) and isinstance(snapshot, Snapshot)
    assert first.state is snapshot.state  # nothing came between the two
    store = snapshot.store
    assert store is not None
    counts = first.routes.counts()
    assert counts == store.counts()
    assert {(2, RT_TABLE_MAIN), (2, 100), (2, 1000), (10, 1000)} <= set(counts)
    for family, table in counts:
        for route_n in (False, True):
            if route_n and (family == AF_INET) != (table == RT_TABLE_MAIN):
                continue  # route -n lists IPv4 main alone, IPv6 every table at once
            number = None if route_n and family == AF_INET6 else table
            rows = first.routes.rows(family, number, route_n, 1)
            assert rows is not None
            assert list(rows) == _expected(kernel, family, number, route_n), (family, table)
            # the store lists the same routes (a key holding several entries at the end)
            want = _expected(store.routes(), family, number, route_n)
            assert Counter(rows) == Counter(want)
            # ... its very objects, once indexed: no second copy (nor the raw bytes) is held
            # (route -n -A inet6 makes a route of each next hop and of a table's empty root)
            extra = {id(r) for r in rows} - {id(r) for r in store.routes()}
            assert not extra or (route_n and family == AF_INET6), [
                r for r in rows if id(r) in extra
            ][:3]


def test_a_raw_run_is_what_its_messages_decode_to() -> None:
    with temp_netns("fsc-unx") as ns:
        _populate(ns, 5)
        datagrams, seq = _datagrams(ns.path, AF_INET)
    runs = 0
    for data in datagrams:
        run = raw_run(data, seq)
        decoded: list[Route] = []
        collect_routes(data, len(data), seq, decoded)
        if run is None:
            continue
        runs += 1
        assert run.messages == len(decoded)
        assert {(r.family, r.table, r.type, r.flags) for r in decoded} == {
            (run.family, run.table, run.type, run.flags)
        }
        assert [run.route(i) for i in range(run.messages)] == decoded
        other = bytearray(data)
        other[run.length + 20] ^= 1  # the second message in another table: not one run
        assert raw_run(bytes(other), seq) is None
        assert raw_run(data, seq + 1) is None  # another dump's
    assert runs >= 4  # the bulk tables' stretches of one kind came as runs
    tables = {r.table for d in datagrams if raw_run(d, seq) is None for r in _decode(d, seq)}
    assert 1000 in tables  # rtm_table 252: decoded at once


def test_an_event_in_the_middle_of_the_dump_loads_as_reading_at_once() -> None:
    with temp_netns("fsc-unx") as ns:
        _populate(ns, 7)
        datagrams, seq = _datagrams(ns.path, AF_INET)
    event_route = _decode(datagrams[3], seq)[0]
    # the event deletes a route the datagrams before it showed: a real race's shape
    for at in (0, 2, len(datagrams) - 1):
        direct = DumpLoader()
        stashed: DumpLoader = FrozenLoader()
        stash: DumpStash | None = DumpStash()
        for pos, data in enumerate(datagrams, start=1):
            if pos - 1 == at:
                direct.event(pos * 10 - 5, False, 0, event_route)
                assert stash is not None
                stash.replay(stashed)
                stashed.event(pos * 10 - 5, False, 0, event_route)
                stash = None
            if stash is not None:
                stash.take(bytearray(data), len(data), pos * 10, seq)
            else:
                stashed.dumped(pos * 10, _decode(data, seq))
            direct.dumped(pos * 10, _decode(data, seq))
        if stash is not None:
            stash.replay(stashed)
        assert stashed.finish().routes() == direct.finish().routes()


def test_a_first_load_raced_by_events_ends_equal_to_the_kernel(shown_first: None) -> None:
    with temp_netns("fsc-unx") as ns:
        build(ns)
        ns.batch(f"route add 10.80.{i // 250}.{i % 250}/32 dev va" for i in range(20000))
        with Follower(ns.path) as follower:
            ns.batch(f"route del 10.80.{i // 250}.{i % 250}/32 dev va" for i in range(0, 5000))
            follower.wait_loaded()
            assert_equal_to_kernel(follower, ns.path)
            kinds = [type(e).__name__ for e in follower.events]
    # the dump came before the deletes (shown unindexed, their events after the Snapshot) or
    # they raced it (loaded as they came, nothing shown before the index)
    snapshot = kinds.index("Snapshot")
    assert kinds[:snapshot] in ([], ["Unindexed"])
    assert "Unindexed" not in kinds[snapshot:]


def _datagrams(path: str, family: int) -> tuple[list[bytes], int]:
    """One dump's datagrams as the kernel sends them (up to its NLMSG_DONE)."""
    seq = next_seq()
    out: list[bytes] = []
    with open_route_socket(path, rcvbuf=1 << 20) as sock:
        sock.send(dump_request(family, seq))
        done = False
        while not done:
            data = sock.recv(1 << 16)
            out.append(data)
            done, _ = collect_routes(data, len(data), seq, [])
    return out, seq


def _decode(data: bytes, seq: int) -> list[Route]:
    routes: list[Route] = []
    collect_routes(data, len(data), seq, routes)
    return routes


def test_a_stop_ends_the_indexing_between_datagrams() -> None:
    """A namespace left while its first load is indexed: the monitor's thread stops within a
    datagram instead of indexing a million routes nobody waits for."""
    with temp_netns("fsc-unx") as ns:
        _populate(ns, 13)
        datagrams, seq = _datagrams(ns.path, AF_INET)
    stop = threading.Event()
    loader = DumpLoader()
    stash = DumpStash()
    for pos, data in enumerate(datagrams, start=1):
        stash.take(bytearray(data), len(data), pos, seq)
    stop.set()
    assert not stash.replay(loader, stop)
    assert len(loader.store) == 0
    stash = DumpStash()
    for pos, data in enumerate(datagrams, start=1):
        stash.take(bytearray(data), len(data), pos, seq)
    assert stash.replay(loader, threading.Event())
    assert len(loader.store) == stash.routes
