"""The route view's rows: filters and sorts against plain ``ipaddress`` arithmetic."""

from __future__ import annotations

import ipaddress
import random

import pytest

from tui.app.rows import SORT_KEYS, RouteFilter, RouteRows
from tui.model import AF_INET, AF_INET6, Nexthop, Route

DEVS = {1: "lo", 2: "eth0", 3: "eth1", 4: "wg0"}


def _routes(seed: int) -> list[Route]:
    rng = random.Random(seed)
    out = []
    for _ in range(3000):
        if rng.random() < 0.8:
            plen = rng.choice((0, 4, 8, 12, 16, 20, 24, 24, 30, 32))
            net = ipaddress.ip_network((rng.choice((10, 20, 172)) << 24 | rng.getrandbits(24), 32))
            dst = net.supernet(new_prefix=plen).network_address
            family, gw = AF_INET, f"10.0.{rng.randrange(3)}.{rng.randrange(1, 4)}"
        else:
            plen = rng.choice((0, 32, 48, 64, 128))
            addr = 0xFD00 << 112 | rng.getrandbits(112)
            dst = ipaddress.ip_network((addr, 128)).supernet(new_prefix=plen).network_address
            family, gw = AF_INET6, f"fd00::{rng.randrange(1, 4)}"
        multipath: tuple[Nexthop, ...] = ()
        if rng.random() < 0.05:
            multipath = (Nexthop(gw, 2), Nexthop(gw.replace("1", "9"), 3))
        out.append(
            Route(
                family,
                254,
                1,
                str(dst),
                plen,
                gateway=None if multipath or rng.random() < 0.2 else gw,
                oif=rng.choice(list(DEVS)),
                priority=rng.choice((None, 0, 10, 100)),
                multipath=multipath,
            )
        )
    for text in ("172.16.5.0/24", "172.16.5.128/25", "20.1.2.3/32", "fd00:1234:5::/48"):
        net = ipaddress.ip_network(text)
        family = AF_INET if net.version == 4 else AF_INET6
        out.insert(
            rng.randrange(len(out)),
            Route(family, 254, 1, str(net.network_address), net.prefixlen, oif=2),
        )
    return out


def _line(route: Route) -> str:
    return f"{route.dst}/{route.dst_len} via {route.gateway} dev {DEVS[route.oif or 0]}"


def _dev(route: Route) -> str:
    return DEVS[route.oif or 0]


def _passes(flt: RouteFilter, route: Route) -> bool:
    """The meaning of each filter, spelt out with ipaddress objects."""
    net = ipaddress.ip_network(f"{route.dst}/{route.dst_len}")
    if flt.network is not None:
        return net.version == flt.network.version and net.subnet_of(flt.network)  # type: ignore[arg-type]
    if flt.address is not None:
        gateways = {route.gateway, *(nh.gateway for nh in route.multipath)}
        return net.version == flt.address.version and (
            flt.address in net or str(flt.address) in gateways
        )
    return _dev(route) == flt.text or flt.text in _line(route)


@pytest.mark.parametrize(
    "text",
    [
        "20.0.0.0/8",
        "20.128.0.0/9",
        "10.1.0.0/16",
        "172.16.5.0/24",
        "0.0.0.0/0",
        "16.0.0.0/4",
        "20.1.2.3/32",
        "fd00::/8",
        "fd00:1234::/32",
        "10.0.1.1",
        "20.5.6.7",
        "fd00::2",
        "eth1",
        "via 10.0.2",
        "wg0",
    ],
)
def test_filters_keep_exactly_the_matching_rows_in_kernel_order(text: str) -> None:
    routes = _routes(1)
    rows = RouteRows(routes, _line, _dev)
    flt = RouteFilter.parse(text)
    rows.apply(flt, "kernel", False)
    want = [r for r in routes if _passes(flt, r)]
    assert [rows.route(i) for i in range(rows.row_count)] == want and want
    rows.apply(flt, "kernel", True)
    assert [rows.route(i) for i in range(rows.row_count)] == want[::-1]


def _reference_key(name: str, route: Route) -> tuple[object, ...]:
    if name == "destination":
        return (int(ipaddress.ip_address(route.dst)), route.dst_len)
    if name == "gateway":
        gw = route.gateway
        return (gw is None, int(ipaddress.ip_address(gw)) if gw else 0)
    if name == "metric":
        return (route.priority or 0,)
    return (_dev(route),)


@pytest.mark.parametrize("name", [k for k in SORT_KEYS if k != "kernel"])
@pytest.mark.parametrize("reverse", [False, True])
def test_sorts_are_stable_both_ways(name: str, reverse: bool) -> None:
    routes = [r for r in _routes(2) if r.family == AF_INET]
    rows = RouteRows(routes, _line, _dev)
    flt = RouteFilter.parse("20.0.0.0/8")
    for applied in (None, flt):
        rows.apply(applied, name, reverse)
        kept = [r for r in routes if applied is None or _passes(applied, r)]
        want = sorted(kept, key=lambda r: _reference_key(name, r), reverse=reverse)
        assert [rows.route(i) for i in range(rows.row_count)] == want


def test_a_long_filter_shows_what_it_found_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each partial result is a beginning of the final one; sorted or reversed: none."""
    import tui.app.rows as rows_module

    monkeypatch.setattr(rows_module, "CHUNK_ROWS", 500)
    monkeypatch.setattr(rows_module, "PARTIAL_SECONDS", -1.0)
    routes = _routes(3)
    flt = RouteFilter.parse("eth1")
    seen: list[RouteRows] = []
    rows = RouteRows(routes, _line, _dev)
    rows.apply(flt, "kernel", False, seen.append)
    final = [rows.route(i) for i in range(rows.row_count)]
    assert not rows.partial and final == [r for r in routes if _passes(flt, r)]
    assert len(seen) > 2
    for partial in seen:
        got = [partial.route(i) for i in range(partial.row_count)]
        assert partial.partial and got == final[: len(got)]
    counts = [p.row_count for p in seen]
    assert counts == sorted(set(counts))  # shown again only when more were found
    seen.clear()
    monkeypatch.setattr(rows_module, "PARTIAL_SECONDS", 3600.0)
    monkeypatch.setattr(rows_module, "SCREENFUL", 20)
    rows.apply(flt, "kernel", False, seen.append)  # once a screenful is found, then at the end
    assert len(seen) == 1 and 20 <= seen[0].row_count < len(final)
    seen.clear()
    rows.apply(flt, "metric", False, seen.append)
    rows.apply(flt, "kernel", True, seen.append)
    assert not seen
