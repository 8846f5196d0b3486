"""The template printer on a real namespace: several thousand routes of many shapes, so every
dump spans many datagrams that mix shapes and lengths; the CLI must print what ``ip route
show`` and ``route -n`` print, byte for byte, for every family and table selection.
"""

from __future__ import annotations

import io
import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.netns_helpers import IpError, Netns, ip, requires_netns, run_fibscope, temp_netns
from tui import cli
from tui.kernel.netlink import route_print
from tui.kernel.netlink.route_dump import DumpInterrupted
from tui.kernel.netlink.route_print import route_texts
from tui.model import Route

pytestmark = requires_netns

V4_ROUTES = 4000
V6_ROUTES = 1500


def v4_route(i: int) -> str:
    """Route ``i`` of main: mostly the same shape, with every few a different one."""
    dst = f"20.{i >> 8 & 255}.{i & 255}.0/24"
    kind = i % 50
    if kind == 0:
        return f"route add {dst} dev a0 scope link"
    if kind == 1:
        return f"route add {dst} via 10.1.0.9 metric 100 proto static"
    if kind == 2:
        return f"route add blackhole {dst}"
    if kind == 3:
        return f"route add unreachable 20.{i >> 8 & 255}.{i & 255}.1/32"
    if kind == 4:
        return f"route add {dst} nexthop via 10.1.0.2 weight 3 nexthop via 10.2.0.2"
    if kind == 5:
        return f"route add {dst} via 10.1.0.3 src 10.1.0.1 mtu 1400"
    return f"route add {dst} via 10.1.0.{2 + i % 200}"


@pytest.fixture(scope="module")
def many_ns() -> Iterator[Netns]:
    with temp_netns("fsp") as ns:
        ns.veth("a0", "a1")
        ns.veth("b0", "b1", up=False)
        ns.ip("link", "set", "b0", "up")  # no carrier: linkdown routes
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "a0")
        ns.ip("addr", "add", "10.2.0.1/24", "dev", "b0")
        ns.ip("-6", "addr", "add", "2001:db8:ff::1/64", "dev", "a0", "nodad")
        lines = [v4_route(i) for i in range(V4_ROUTES)]
        lines += ["route add default via 10.1.0.254"]
        lines += [f"route add 30.0.{i}.0/24 via 10.1.0.2 table 1000" for i in range(250)]
        lines += [f"route add 31.0.{i}.0/24 dev a0 table 4000000000" for i in range(100)]
        lines += [
            f"route add 2001:db8:{i:x}::/48 via 2001:db8:ff::{2 + i % 9:x}"
            + (" metric 50" if i % 7 == 0 else "")
            for i in range(V6_ROUTES)
        ]
        lines += [f"route add 2001:db9:{i:x}::/48 dev a0 table 1000" for i in range(200)]
        ns.batch(lines)
        yield ns


def fibscope(*args: str) -> str:
    proc = run_fibscope(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("table", [None, "all", "1000", "4000000000", "local", "77"])
def test_ip_route_show(many_ns: Netns, table: str | None, v6: bool) -> None:
    fam = ["-6"] if v6 else []
    chosen = ["--table", table] if table else []
    ours = fibscope("routes", "--netns", many_ns.name, *fam, *chosen, "--format", "ip")
    try:
        theirs = ip("-n", many_ns.name, *fam, "route", "show", *(["table", table] if table else []))
    except IpError as exc:  # ip refuses a table that does not exist; we list nothing
        assert "FIB table does not exist" in str(exc)
        theirs = ""
    assert ours == theirs
    if table in (None, "all"):
        assert ours.count("\n") > (V6_ROUTES if v6 else V4_ROUTES)


def test_route_n(many_ns: Netns) -> None:
    ours = fibscope("routes", "--netns", many_ns.name, "--format", "route-n")
    assert ours == many_ns.exec("route", "-n")
    assert ours.count("\n") > V4_ROUTES


def test_route_texts_early_end_and_missing_table(many_ns: Netns) -> None:
    """A consumer that stops after one datagram closes the socket quietly; a table that does
    not exist prints nothing."""
    stream = route_texts(many_ns.path, socket.AF_INET, lambda r: "r\n", table=254)
    first = next(stream)
    assert 0 < first.count("r") < V4_ROUTES  # one datagram of many
    stream.close()
    assert list(route_texts(many_ns.path, socket.AF_INET, lambda r: "r\n", table=77)) == []
    whole = "".join(route_texts(many_ns.path, 0, lambda r: "r\n"))
    assert whole.count("r") > V4_ROUTES + V6_ROUTES  # IPv4 then IPv6


def test_interrupted_dump_warns_after_printing(
    many_ns: Netns, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = route_print.route_texts

    def interrupted(
        path: str | None, family: int, render: route_print.Render, **kw: Any
    ) -> Iterator[str]:
        yield from real(path, family, render, **kw)
        raise DumpInterrupted()

    monkeypatch.setattr(route_print, "route_texts", interrupted)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert cli.main(["routes", "--netns", many_ns.name]) == 0
    assert out.getvalue() == many_ns.ip("route", "show")
    assert "interrupted" in capsys.readouterr().err


def test_render_sees_each_shape_not_each_route(many_ns: Netns) -> None:
    """The point of the templates: ``render`` runs per distinct key, not per route."""
    calls: list[Route] = []

    def render(route: Route) -> str:
        calls.append(route)
        return f"{route.dst}/{route.dst_len}\n"

    text = "".join(route_texts(many_ns.path, socket.AF_INET, render, table=254))
    assert text.count("\n") > V4_ROUTES
    assert len(calls) < V4_ROUTES / 5
    assert {r.dst for r in calls} <= {route_print.DST_MARK, "0.0.0.0"}
