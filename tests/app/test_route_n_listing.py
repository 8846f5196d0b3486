"""The app's route -n form lists exactly what the CLI's route -n view (and net-tools) lists.

One namespace holds what ``route -n`` leaves out or shows in its own way: multicast and
broadcast routes in table main, local routes, other tables, reject routes, multipath routes,
IPv6 source routes and anycast.  It is captured; the CLI prints ``routes --format route-n``
(and ``-6``) from the capture, net-tools prints from the live namespace, and the app, opened
on the same capture, shows its route -n rows.  IPv4 rows must be the same lines; IPv6 rows
the same entries (the app cannot know the Ref count, which only /proc/net/ipv6_route has).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.helpers import loaded
from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns
from tests.patience import deadline
from tui.app.app import FibscopeApp
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.source import CaptureSource

pytestmark = requires_netns

SETUP = (
    "addr add 10.1.0.1/24 dev e1",
    "addr add 10.2.0.1/24 dev e2",
    "route add multicast 224.1.0.0/16 dev e1",
    "route add broadcast 10.1.0.128 dev e1 table main",
    "route add local 10.9.9.9 dev lo table main",
    "route add 10.50.0.0/16 via 10.1.0.254 table 100",
    "route add blackhole 10.60.0.0/16",
    "route add unreachable 10.61.0.0/16",
    "route add prohibit 10.62.0.1",
    "route add 10.70.0.0/16 nexthop via 10.1.0.7 dev e1 nexthop via 10.2.0.7 dev e2",
    "route add default via 10.1.0.254 metric 10",
    "-6 addr add 2001:db8:1::1/64 dev e1 nodad",
    "-6 addr add 2001:db8:2::1/64 dev e2 nodad",
    "-6 route add 2001:db8:600::/48 from 2001:db8:1::/64 dev e1",
    "-6 route add 2001:db8:600::/48 dev e2",
    "-6 route add 2001:db8:900::/48 nexthop via 2001:db8:1::5 dev e1 "
    "nexthop via 2001:db8:2::5 dev e2",
    "-6 route add unreachable 2001:db8:aa::/48",
    "-6 route add anycast 2001:db8:55::/64 dev e1",
    "-6 route add multicast ff15::/16 dev e1 table 100",
    "-6 route add 2001:db8:50::/48 via 2001:db8:1::9 table 100",
    "-6 route add default via 2001:db8:1::fe",
)


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Netns, Path]]:
    """The namespace (forwarding on: the kernel's anycast routes too) and its capture."""
    with temp_netns("fsr") as ns:
        ns.veth("e1", "p1")
        ns.veth("e2", "p2")
        ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
        for line in SETUP:
            ns.ip(*line.split())
        path = tmp_path_factory.mktemp("route-n") / "state.json"
        # The links' MLD reports take and drop references on ff00::/8 (the Ref column of
        # route -n -A inet6) for a while: net-tools is read just before and just after the
        # capture, and the capture is taken again until both reads agree, so that the
        # reference shows the state the capture saw.
        end = deadline()  # only a namespace that never goes quiet fails
        while True:
            before = ns.exec("route", "-n", "-A", "inet6")
            proc = run_fibscope("capture", "--netns", ns.name, "-o", str(path))
            assert proc.returncode == 0, proc.stderr
            if ns.exec("route", "-n", "-A", "inet6") == before:
                break
            assert time.monotonic() < end, "route -n -A inet6 never read the same twice"
            time.sleep(0.2)
        REFERENCE6[ns.name] = before
        yield ns, path


REFERENCE6: dict[str, str] = {}  # namespace -> route -n -A inet6 as the capture saw it


def cli_lines(ns: Netns, path: Path, *extra: str) -> list[str]:
    """The CLI's route -n rows from the capture (header dropped)."""
    proc = run_fibscope(
        "routes", "--state", str(path), "--netns", ns.name, "--format", "route-n", *extra
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()[2:]


async def app_lines(ns: Netns, path: Path, keys: tuple[str, ...]) -> list[str]:
    """The app's rows on the same capture, after pressing ``keys`` (route -n's form)."""
    mode, lines = await shown_lines(ns, path, keys)
    assert mode == "route-n"
    return lines


def entry6(line: str) -> tuple[str, ...]:
    """An IPv6 route -n row without its Ref column (fields: dst hop flags metric ref use if)."""
    fields = line.split()
    return (*fields[:4], *fields[5:])


async def test_ipv4_rows_are_route_n_rows(captured: tuple[Netns, Path]) -> None:
    ns, path = captured
    cli = cli_lines(ns, path)
    assert cli == ns.exec("route", "-n").splitlines()[2:]
    shown = await app_lines(ns, path, ())
    assert sorted(shown) == sorted(cli)
    assert not any(line.startswith(("224.1.0.0", "10.1.0.128", "10.50.0.0")) for line in shown)


async def test_ipv6_rows_are_route_n_inet6_rows(captured: tuple[Netns, Path]) -> None:
    ns, path = captured
    cli = cli_lines(ns, path, "-6")
    assert cli == REFERENCE6[ns.name].splitlines()[2:]
    shown = await app_lines(ns, path, ("6",))
    assert sorted(map(entry6, shown)) == sorted(map(entry6, cli))
    # every table (100 and local too), each multipath next hop, each table's null entry
    assert any(line.startswith("ff15::/16") for line in shown)
    assert sum(line.startswith("2001:db8:900::/48") for line in shown) == 2
    assert sum(line.startswith("::/0 ") and " !n " in line for line in shown) == 2


async def test_ipv4_rows_selected_in_the_rows_thread_are_route_n_rows(
    captured: tuple[Netns, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big table main has route -n's selection made in the rows thread (forced here for a
    small one): the same rows, multicast and broadcast left out."""
    import tui.app.shown_rows as shown_rows

    monkeypatch.setattr(shown_rows, "BIG_TABLE", 0)
    ns, path = captured
    shown = await app_lines(ns, path, ())
    assert sorted(shown) == sorted(cli_lines(ns, path))
    assert not any(line.startswith(("224.1.0.0", "10.1.0.128", "10.50.0.0")) for line in shown)


async def shown_lines(ns: Netns, path: Path, keys: tuple[str, ...]) -> tuple[str, list[str]]:
    """The form and rows the app shows on the capture after ``keys``."""
    app: FibscopeApp = make_app(CaptureSource.open(str(path)), ns.name, live=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await loaded(pilot)
        rows = app.query_one(RouteView).rows
        assert rows is not None
        return app.main.mode, [rows.line(i) for i in range(rows.row_count)]


@pytest.mark.parametrize("keys", [(), ("6",), ("v",), ("6", "v"), ("v", "s", "s", "S"), ("6", "s")])
async def test_rows_made_in_the_rows_thread_are_those_made_on_the_ui_thread(
    captured: tuple[Netns, Path], monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...]
) -> None:
    """A big table's rows are copied from the store (every IPv6 table for route -n -A
    inet6), selected, filtered and sorted in a thread (forced here for a small one): the
    same rows, in the same form and order, as a small table's made on the UI thread."""
    import tui.app.shown_rows as shown_rows

    ns, path = captured
    on_ui = await shown_lines(ns, path, keys)
    monkeypatch.setattr(shown_rows, "BIG_TABLE", 0)
    in_thread = await shown_lines(ns, path, keys)
    assert in_thread == on_ui and len(on_ui[1]) > 5
