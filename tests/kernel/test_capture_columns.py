"""The capture's column decoder against the general one on a real kernel's dump: a namespace
holding runs of routes of every shape this kernel builds (multipath, metrics and congctl,
encap per route and per hop, realms, nexthop ids, tables and prefsrc, types, tos, IPv6 with
expires, pref, seg6, source prefixes; IPv4 via IPv6).  The very same datagrams go through both: the
columns and the capture file written from them are identical, and each kind of route is
shown to have come through the column decoder (not the fallback)."""

from __future__ import annotations

import io
import itertools
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.netns_helpers import Netns, requires_netns, temp_netns
from tui import capture
from tui.capture.column_writer import ChunkColumn, ColumnWriter, Repeat
from tui.kernel.capture_host import capture_host_streamed
from tui.kernel.live_source import LiveSource
from tui.kernel.netlink.route_codec import collect_routes
from tui.kernel.netlink.route_column_shapes import MIN_RUN, collect_columns
from tui.kernel.netlink.route_dump import open_route_socket, stream_chunks
from tui.model import AF_INET6, Route

pytestmark = requires_netns

RUN = 40  # routes of each shape, one after the other in the dump (> MIN_RUN)

SETUP = [
    "link add e1 type veth peer name e2",
    "link set e1 up",
    "link set e2 up",
    "link add vx0 type vxlan external dstport 4789",
    "link set vx0 up",
    "addr add 10.0.0.1/24 dev e1",
    "addr add fd00::1/64 dev e1 nodad",
    "nexthop add id 1 via 10.0.0.2 dev e1",
    "nexthop add id 2 via 10.0.0.3 dev e1",
    "nexthop add id 10 group 1/2",
    "nexthop add id 3 via fd00::2 dev e1",
]
# One line per shape; {i} runs over RUN values (the destinations, and some values, vary).
SHAPES = [
    "route add 30.0.{i}.0/24 via 10.0.0.{gw}",
    "route add 31.0.{i}.0/24 dev e1 proto static metric {i} mtu 1400 congctl cubic",
    "route add 32.0.{i}.0/24 nexthop via 10.0.0.2 weight 2 realm 3 nexthop via 10.0.0.3 dev e1",
    "route add 33.0.{i}.0/24 encap ip id {i} dst 10.0.0.9 dev vx0",
    "route add 34.0.{i}.0/24 dev e1 realms 3/4",
    "route add 35.0.{i}.0/24 nhid 10",
    "route add table 100 36.0.{i}.0/24 via 10.0.0.2 src 10.0.0.1",
    "route add blackhole 37.0.{i}.0/24",
    "route add 38.0.{i}.0/24 nexthop encap ip id 3 dst 10.0.0.9 dev vx0 nexthop dev e1",
    "route add 39.0.{i}.0/24 tos 0x10 dev e1",
    "route add 40.{i}.0.0/16 dev e1 scope link",
    "route add 41.0.{i}.0/24 via inet6 fd00::2 dev e1",
    "route add 2001:db8:{i:x}::/48 via fd00::{gw}",
    "route add 2001:db9:{i:x}::/48 dev e1 pref high",
    "route add 2001:dba:{i:x}::/48 via fd00::2 expires {exp}",
    "route add 2001:dbb:{i:x}::/48 nexthop via fd00::2 dev e1 nexthop via fd00::3 dev e1",
    "route add 2001:dbd:{i:x}::/48 encap seg6 mode encap segs fd00::5 dev e1",
    "route add 2001:dbe:{i:x}::/48 nhid 3",
    "route add 2001:dbf:{i:x}::/64 from 2001:db8:ffff::/48 dev e1",
]


def _kinds(route: Route) -> set[str]:
    """The features of a route this test wants to see through the column decoder."""
    found = {
        "multipath4" if route.family != AF_INET6 else "multipath6": bool(route.multipath),
        "metrics": bool(route.metrics),
        "congctl": any(isinstance(v, str) for _, v in route.metrics),
        "encap": route.encap is not None,
        "hop encap": any(h.encap is not None for h in route.multipath),
        "hop realms": any(h.realms is not None for h in route.multipath),
        "realms": route.realms is not None,
        "nhid": route.nhid is not None,
        "table 100": route.table == 100 and route.prefsrc is not None,
        "blackhole": route.type == 6,
        "tos": route.tos != 0,
        "expires": route.expires is not None,
        "pref": route.pref is not None,
        "via": route.family != AF_INET6 and route.gateway is not None and ":" in route.gateway,
        "src": route.src_len != 0,
        "ipv6": route.family == AF_INET6,
    }
    return {name for name, there in found.items() if there}


@pytest.fixture(scope="module")
def shapes_ns() -> Iterator[Netns]:
    with temp_netns("fcc") as ns:
        ns.batch(SETUP)
        ns.batch(
            line.format(i=i, gw=2 + i % 5, exp=300 + i)
            for line, i in itertools.product(SHAPES, range(1, RUN + 1))
        )
        yield ns


def _datagrams(path: str) -> list[tuple[bytes, int]]:
    """The raw datagrams of one dump of the namespace (IPv4 then IPv6), with their sequence."""
    grabbed: list[tuple[bytes, int]] = []

    def read(buf: bytearray, end: int, seq: int) -> tuple[None, bool, bool]:
        grabbed.append((bytes(buf[:end]), seq))
        done, interrupted = collect_routes(buf, end, seq, [])
        return None, done, interrupted

    with open_route_socket(path) as sock:
        for _ in stream_chunks(sock, socket.AF_UNSPEC, read):
            pass
    return grabbed


def _expand(column: ChunkColumn, n: int) -> list[Any]:
    return [column.value] * n if isinstance(column, Repeat) else list(column)


def _both(
    grams: list[tuple[bytes, int]], every: list[Route]
) -> tuple[dict[str, Any], dict[str, Any], list[Route]]:
    """The datagrams through the column decoder and through the general one (its routes
    appended to ``every``): both columns, and the routes the column decoder gave as columns."""
    fast, general = ColumnWriter(), ColumnWriter()
    pending: list[Route] = []
    as_columns: list[Route] = []

    def emit(n: int, columns: list[ChunkColumn]) -> None:
        if pending:
            fast.add(pending)
            pending.clear()
        fast.add_columns(n, columns)
        as_columns.extend(
            Route(*vals) for vals in zip(*(_expand(c, n) for c in columns), strict=True)
        )

    for data, seq in grams:
        routes: list[Route] = []
        assert collect_columns(data, len(data), seq, pending, emit) == collect_routes(
            data, len(data), seq, routes
        )
        general.add(routes)
        every += routes
    fast.add(pending)
    return capture.route_columns_json(fast), capture.route_columns_json(general), as_columns


def test_every_shape_decodes_to_the_same_columns_and_file(shapes_ns: Netns) -> None:
    grams = _datagrams(shapes_ns.path)
    every: list[Route] = []
    fast, general, as_columns = _both(grams, every)
    assert fast == general
    assert fast["count"] >= len(SHAPES) * RUN
    # Every kind of route came through the column decoder, in runs.
    wanted = set().union(*(_kinds(r) for r in as_columns))
    assert wanted >= {
        "multipath4",
        "multipath6",
        "metrics",
        "congctl",
        "encap",
        "hop encap",
        "hop realms",
        "realms",
        "nhid",
        "table 100",
        "blackhole",
        "tos",
        "expires",
        "pref",
        "via",
        "src",
        "ipv6",
    }
    assert len(as_columns) >= fast["count"] - len(grams) * MIN_RUN * 2
    # The capture file written from either is the same text.
    host, _ = capture_host_streamed(LiveSource(), [shapes_ns.name])
    texts = []
    for routes in (fast, general):
        out = io.StringIO()
        capture.write(host, out, {0: routes})
        texts.append(out.getvalue())
    assert texts[0] == texts[1]
    state = capture.from_json(json.loads(texts[0])).namespaces[0].state
    assert state is not None
    assert state.routes == tuple(every)
