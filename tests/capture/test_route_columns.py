"""Version 2's route columns: every form (runs, palette, values) written, chunked as a dump
delivers routes, checked and read back equal; the IPv4 fast check agrees with inet_ntop."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from typing import Any

import pytest

from tests.capture.test_capture import sample_host
from tui import capture
from tui.capture import column_writer
from tui.capture.addr_fields import Addr
from tui.capture.column_writer import PALETTE_MAX, RUNS_MAX, ColumnWriter
from tui.capture.schema import Ctx
from tui.model import AF_INET, AF_INET6, HostState, Nexthop, Route


def _routes(count: int) -> list[Route]:
    """IPv4 then IPv6 routes: unique destinations (values), a gateway from a few hundred
    (palette), protocols in long runs, a multipath route now and then (runs of next hops)."""
    out = []
    for i in range(count):
        hops = (Nexthop("10.0.0.2", 2), Nexthop("10.0.0.3", 2, 3)) if i % 97 == 0 else ()
        out.append(
            Route(
                AF_INET,
                254,
                1,
                f"20.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                32,
                protocol=186 if i < count // 2 else 3,
                gateway=None if hops else f"10.0.{i % 3}.{2 + i % 200}",
                oif=2,
                multipath=hops,
                metrics=((2, 1400),) if i % 5 == 0 else (),
            )
        )
    out += [Route(AF_INET6, 254, 1, f"2001:db8:{i + 1:x}::", 48, oif=2) for i in range(300)]
    return out


def _host(routes: list[Route]) -> HostState:
    host = sample_host()
    ns = host.namespaces[0]
    assert ns.state is not None
    state = replace(ns.state, routes=tuple(routes))
    return replace(host, namespaces=(replace(ns, state=state), *host.namespaces[1:]))


def test_every_form_round_trips_and_chunks_change_nothing() -> None:
    routes = _routes(RUNS_MAX * 5)
    whole = column_writer.encode(routes, capture._COLUMN_JSON)
    forms = {name: next(iter(column)) for name, column in whole["columns"].items()}
    assert forms["dst"] == "values" and forms["gateway"] == "palette"
    assert forms["protocol"] == forms["multipath"] == "runs" and forms["metrics"] == "palette"
    writer = ColumnWriter()
    for start in range(0, len(routes), 777):
        writer.add(routes[start : start + 777])
    assert capture.route_columns_json(writer) == whole
    host = _host(routes)
    doc = json.loads(json.dumps(capture.to_json(host)))
    assert doc["namespaces"][0]["state"]["routes"] == json.loads(json.dumps(whole))
    assert capture.from_json(doc) == host


def test_a_palette_of_too_many_values_becomes_values() -> None:
    routes = [
        Route(AF_INET, 254, 1, f"20.0.{i >> 8}.{i & 255}", 32, gateway=f"10.{i >> 8}.0.{i & 255}")
        for i in range(PALETTE_MAX + RUNS_MAX + 10)
    ]
    writer = ColumnWriter()
    for start in range(0, len(routes), 500):
        writer.add(routes[start : start + 500])
    doc = capture.route_columns_json(writer)
    assert "values" in doc["columns"]["gateway"]
    host = _host(routes)
    assert capture.from_json(json.loads(json.dumps(capture.to_json(host)))) == host


def test_a_run_crossing_families_is_checked_for_each() -> None:
    routes = [Route(AF_INET, 254, 1, "10.0.0.0", 8), Route(AF_INET6, 254, 1, "fd00::", 8)]
    doc = json.loads(json.dumps(capture.to_json(_host(routes))))
    columns = doc["namespaces"][0]["state"]["routes"]["columns"]
    assert columns["dst_len"] == {"runs": [[8, 2]]}
    columns["dst_len"] = {"runs": [[64, 2]]}  # fine for the IPv6 route, not the IPv4 one
    with pytest.raises(capture.CaptureError, match=r"routes\[0\]\.dst_len: 64 is out of range"):
        capture.from_json(doc)
    columns["dst_len"] = {"runs": [[8, 1], [129, 1]]}
    with pytest.raises(capture.CaptureError, match=r"routes\[1\]\.dst_len: 129 is out of range"):
        capture.from_json(doc)


def test_version_1_still_loads() -> None:
    host = _host(_routes(50))
    assert capture.from_json(json.loads(json.dumps(capture.to_json(host, 1)))) == host


CANONICAL = ["0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.1", "199.249.9.99", "100.0.10.0"]
NOT = ["256.0.0.0", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.4\n", "1.2.3.4 ", " 1.2.3.4",
       "1..3.4", "1.2.3.-4", "\u0661.2.3.4", "0x1.2.3.4", "1.2.3.00", "", "1.2.3.4\n5.6.7.8",
       "300.1.1.1", "1.2.3.260", "::1", "1.2.3.4/24"]  # fmt: skip


@pytest.mark.parametrize("bad", NOT)
def test_the_ipv4_column_check_agrees_with_inet_ntop(bad: str) -> None:
    many = [f"{i % 256}.{i // 7 % 256}.{i % 13}.{i % 251}" for i in range(200)] + CANONICAL
    assert all(socket.inet_ntop(2, socket.inet_pton(2, v)) == v for v in many)
    field = Addr()
    assert field.check(many, Ctx(family=[AF_INET] * len(many))) is None
    column = [*many[:150], bad, *many[150:]]
    found = field.check(column, Ctx(family=[AF_INET] * len(column)))
    assert found is not None and found[0] == 150


def _mixed_doc(count: int) -> dict[str, Any]:
    """IPv4 then IPv6 routes whose destinations and metrics are value columns."""
    routes = [
        Route(AF_INET, 254, 1, f"20.0.{i >> 8}.{i & 255}", 32, priority=i)
        for i in range(PALETTE_MAX + 10)
    ]
    routes += [
        Route(AF_INET6, 254, 1, f"2001:db8::{i + 1:x}", 128, priority=i, oif=2)
        for i in range(count)
    ]
    doc: dict[str, Any] = json.loads(json.dumps(capture.to_json(_host(routes))))
    columns = doc["namespaces"][0]["state"]["routes"]["columns"]
    assert "runs" in columns["family"] and "values" in columns["priority"]
    assert capture.from_json(doc) == _host(routes)
    return doc


def test_a_fault_in_a_later_family_names_its_own_route() -> None:
    """Value columns of mixed families are checked a family's slice at a time: a fault in
    the IPv6 slice still names the route by its place in the whole table."""
    doc = _mixed_doc(20)
    columns = doc["namespaces"][0]["state"]["routes"]["columns"]
    first6 = PALETTE_MAX + 10
    columns["dst"]["values"][first6 + 3] = "20.0.0.1"  # an IPv4 address for an IPv6 route
    with pytest.raises(capture.CaptureError, match=rf"routes\[{first6 + 3}\]\.dst: "):
        capture.from_json(doc)
    columns["dst"]["values"][first6 + 3] = "2001:db8::4"
    columns["priority"]["values"][first6 + 5] = -1
    with pytest.raises(capture.CaptureError, match=rf"routes\[{first6 + 5}\]\.priority: -1 "):
        capture.from_json(doc)


def test_a_family_palette_loads() -> None:
    """A family column written as a palette (families interleaved) is read, not a crash."""
    routes = [
        Route(AF_INET if i % 2 else AF_INET6, 254, 1, "10.0.0.0" if i % 2 else "fd00::", 8)
        for i in range(RUNS_MAX + 2)
    ]
    doc = json.loads(json.dumps(capture.to_json(_host(routes))))
    assert "palette" in doc["namespaces"][0]["state"]["routes"]["columns"]["family"]
    assert capture.from_json(doc) == _host(routes)
