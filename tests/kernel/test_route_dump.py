"""The raw dumper on a namespace with a few thousand routes: several datagrams per dump.

Abandoned streams must leave the socket usable, the kernel-side table filter must agree with
filtering by hand, and interrupted dumps are retried.
"""

from __future__ import annotations

import socket
from collections.abc import Generator, Iterator

import pytest

from tests.netns_helpers import Netns, have_netns_privilege, temp_netns
from tui.kernel.netlink import route_dump
from tui.kernel.netlink.route_dump import (
    DumpInterrupted,
    dump_routes,
    iter_routes,
    open_route_socket,
    stream_routes,
)
from tui.kernel.netns import NetnsError
from tui.model import AF_INET, AF_INET6, Route

ROUTES = 3000


@pytest.fixture(scope="module")
def big_ns() -> Iterator[Netns]:
    """3000 IPv4 routes in main, 500 in table 1000, 200 IPv6 routes (deleted afterwards)."""
    if not have_netns_privilege():
        pytest.skip("needs root and iproute2 to create network namespaces")
    with temp_netns() as ns:
        ns.veth("v0", "v0p")
        ns.ip("addr", "add", "10.254.0.1/24", "dev", "v0")
        ns.ip("-6", "addr", "add", "2001:db8:ff::1/64", "dev", "v0", "nodad")
        lines = [
            f"route add 20.{i >> 8}.{i & 255}.0/24 via 10.254.0.{2 + i % 100}"
            for i in range(ROUTES)
        ]
        lines += [f"route add 30.0.{i}.0/24 via 10.254.0.2 table 1000" for i in range(250)]
        lines += [f"route add 31.0.{i}.0/24 dev v0 table 1000" for i in range(250)]
        lines += [f"route add 2001:db8:{i:x}::/48 via 2001:db8:ff::2" for i in range(200)]
        ns.batch(lines)
        yield ns


def test_unspec_is_inet_then_inet6(big_ns: Netns) -> None:
    routes = dump_routes(big_ns.path)
    families = [r.family for r in routes]
    assert families == sorted(families)
    assert families.count(AF_INET) > ROUTES + 500 and families.count(AF_INET6) > 200
    assert routes == list(iter_routes(big_ns.path))


def test_abandoned_stream_leaves_socket_usable(big_ns: Netns) -> None:
    with open_route_socket(big_ns.path) as sock:
        stream = stream_routes(sock, AF_INET)
        first = [next(stream) for _ in range(10)]
        stream.close()  # the rest of the dump is drained
        again = list(stream_routes(sock, AF_INET))
    assert again[:10] == first
    assert again == dump_routes(big_ns.path, AF_INET)


def test_early_exit_from_iter_routes_closes_cleanly(big_ns: Netns) -> None:
    for count, _route in enumerate(iter_routes(big_ns.path, AF_INET), 1):
        if count == 5:
            break
    assert len(dump_routes(big_ns.path, AF_INET6)) > 200


@pytest.mark.parametrize("family", [AF_INET, AF_INET6], ids=["inet", "inet6"])
def test_table_filter_matches_filtering_by_hand(big_ns: Netns, family: int) -> None:
    everything = dump_routes(big_ns.path, family)
    for table in (254, 255, 1000):
        wanted = [r for r in everything if r.table == table]
        assert dump_routes(big_ns.path, family, table=table) == wanted
    assert dump_routes(big_ns.path, family, table=77) == []  # no such table


def test_missing_namespace_is_a_netns_error() -> None:
    if not have_netns_privilege():
        pytest.skip("needs root")
    with pytest.raises(NetnsError):
        dump_routes("/run/netns/fsc-does-not-exist")


def test_dump_routes_retries_interrupted_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    route = Route(AF_INET, 254, 1, "10.0.0.0", 8)

    def flaky(sock: socket.socket, family: int, **_kw: object) -> Generator[Route, None, None]:
        calls.append(family)
        yield route
        if len(calls) < 3:
            raise DumpInterrupted()

    monkeypatch.setattr(route_dump, "stream_routes", flaky)
    monkeypatch.setattr(route_dump, "open_route_socket", lambda path: socket.socket())
    assert dump_routes(None, AF_INET) == [route]
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(DumpInterrupted):
        dump_routes(None, AF_INET, retries=1)
