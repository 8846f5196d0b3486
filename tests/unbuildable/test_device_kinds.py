"""Devices and routes this machine's kernel cannot build (GRE, IPIP, SIT, ip6tnl, WireGuard,
bond, VLAN, dummy; MPLS routes), in a made-up capture: it loads, the views print the routes as
``ip`` does (nothing in a route line depends on the device's kind, iproute2 ip/iproute.c), the
lookups through them are ordinary routing with a step naming what the kind does afterwards,
and an MPLS label is refused in one line.  Modelled, not verified on a live kernel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.engine.states import Host, said
from tests.netns_helpers import run_fibscope
from tui import capture
from tui.app.run import make_app
from tui.fib import Engine, Query
from tui.model import (
    AF_MPLS,
    RT_SCOPE_LINK,
    HostState,
    Namespace,
    NamespaceInfo,
    NetnsState,
    Nexthop,
    Route,
)
from tui.source import CaptureSource

KINDS = {
    "gre1": "gre",
    "ipip1": "ipip",
    "sit1": "sit",
    "ip6tnl1": "ip6tnl",
    "wg0": "wireguard",
    "bond0": "bond",
    "e2": None,
    "vlan10": "vlan",
    "dummy0": "dummy",
}


def made_state() -> NetnsState:
    host = Host().link("e1")
    for name in KINDS:
        host.link(name)
    host.addr("e1", "10.1.0.1/24").addr("gre1", "10.10.0.1/30").addr("wg0", "10.20.0.1/24")
    host.addr("bond0", "10.30.0.1/24").addr("vlan10", "10.40.0.1/24").addr("dummy0", "10.50.0.1/24")
    host.addr("ip6tnl1", "2001:db8:66::1/64")
    host.route("10.100.0.0/16", dev="gre1", scope=RT_SCOPE_LINK)
    host.route("10.101.0.0/16", via="10.10.0.2", dev="gre1")
    host.route("10.102.0.0/16", dev="ipip1", scope=RT_SCOPE_LINK)
    host.route("10.108.0.0/16", dev="sit1", scope=RT_SCOPE_LINK)
    host.route("2001:db8:99::/48", dev="ip6tnl1")
    host.route("10.103.0.0/16", dev="wg0", scope=RT_SCOPE_LINK)
    host.route("10.104.0.0/16", via="10.30.0.254", dev="bond0")
    host.route("10.105.0.0/16", via="10.40.0.254", dev="vlan10")
    host.route("10.106.0.0/16", dev="dummy0", scope=RT_SCOPE_LINK)
    state = host.state()
    index = {link.name: link.index for link in state.links}
    bond = index["bond0"]
    links = tuple(
        replace(link, kind=KINDS.get(link.name), master=bond if link.name == "e2" else None)
        for link in state.links  # e2 is a bond slave
    )
    two_tunnels = Route(
        2, 254, 1, "10.107.0.0", 16, protocol=3,
        multipath=(Nexthop(None, index["gre1"]), Nexthop(None, index["wg0"])),
    )  # fmt: skip
    mpls = Route(AF_MPLS, 254, 1, "100", 20, protocol=3, gateway="10.1.0.254", oif=index["e1"])
    return replace(state, links=links, routes=(*state.routes, two_tunnels, mpls))


@pytest.fixture(scope="module")
def capture_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    host = HostState((Namespace(NamespaceInfo(0, 0, names=("made",)), made_state()),))
    path = tmp_path_factory.mktemp("unbuildable") / "made.json"
    path.write_text(json.dumps(capture.to_json(host)))
    yield path


def test_the_capture_loads_unchanged(capture_file: Path) -> None:
    loaded = capture.from_json(json.loads(capture_file.read_text()))
    assert loaded.namespaces[0].state == made_state()


def test_routes_print_like_ip(capture_file: Path) -> None:
    """Route lines do not depend on the device's kind; an MPLS route's destination is one
    label (af_bit_len(AF_MPLS) = 20, so no /20) and its RTA_VIA names the family."""
    done = run_fibscope("--state", str(capture_file), "routes", "--table", "all")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for line in (
        "10.100.0.0/16 dev gre1 scope link ",
        "10.101.0.0/16 via 10.10.0.2 dev gre1 ",
        "10.102.0.0/16 dev ipip1 scope link ",
        "10.104.0.0/16 via 10.30.0.254 dev bond0 ",
        "10.105.0.0/16 via 10.40.0.254 dev vlan10 ",
        "10.106.0.0/16 dev dummy0 scope link ",
        "2001:db8:99::/48 dev ip6tnl1 metric 1024 ",
        "100 via inet 10.1.0.254 dev e1 ",
    ):
        assert line in lines, (line, lines)
    as_json = run_fibscope(
        "--state", str(capture_file), "routes", "--table", "all", "--format", "json"
    )
    mpls = [r for r in json.loads(as_json.stdout) if r["family"] == "mpls"]
    assert mpls == [
        {
            "family": "mpls",
            "table": 254,
            "table_name": "main",
            "type": 1,
            "dst": "100",
            "protocol": 3,
            "scope": 0,
            "gateway": "10.1.0.254",
            "dev": "e1",
        }
    ]


@pytest.mark.parametrize(
    ("dst", "gateway", "dev", "words"),
    [
        ("10.100.1.1", None, "gre1", "gre1 is a gre tunnel: the packet is encapsulated there"),
        ("10.101.1.1", "10.10.0.2", "gre1", "gre tunnel"),
        ("10.102.1.1", None, "ipip1", "ipip1 is a ipip tunnel"),
        ("10.108.1.1", None, "sit1", "sit1 is a sit tunnel"),
        ("2001:db8:99::1", None, "ip6tnl1", "ip6tnl1 is a ip6tnl tunnel"),
        ("10.103.1.1", None, "wg0", "allowed-ips"),
        ("10.104.1.1", "10.30.0.254", "bond0", "bond0 is a bond device: the bond sends it on"),
        ("10.105.1.1", "10.40.0.254", "vlan10", "vlan10 is a vlan device: the VLAN device tags"),
        ("10.106.1.1", None, "dummy0", "a dummy device discards every packet"),
    ],
)
def test_lookups_through_them_are_ordinary_routing(
    dst: str, gateway: str | None, dev: str, words: str
) -> None:
    trace = Engine(made_state()).lookup(Query.parse(dst))
    assert trace.predicted, trace.reason
    assert (trace.verdict.error_name, trace.verdict.gateway, trace.verdict.dev) == (
        None,
        gateway,
        dev,
    )
    assert said(trace, words)


def test_input_from_a_tunnel_is_ordinary_routing() -> None:
    state = made_state()
    links = tuple(
        replace(link, inet=replace(link.inet, forwarding=1)) if link.inet else link
        for link in state.links
    )
    trace = Engine(replace(state, links=links)).lookup(
        Query.parse("10.104.1.1", iif="gre1", src="10.10.0.2")
    )
    assert trace.predicted and trace.verdict.action == "forward"
    assert (trace.verdict.gateway, trace.verdict.dev) == ("10.30.0.254", "bond0")


def test_multipath_over_two_tunnels_lists_both() -> None:
    trace = Engine(made_state()).lookup(Query.parse("10.107.0.1"))
    assert not trace.predicted  # no fixed hash seed in the state
    assert {c["dev"] for c in trace.candidates} == {"gre1", "wg0"}


def test_an_mpls_label_is_refused_in_one_line(capture_file: Path) -> None:
    for label in ("100", "100/200"):
        done = run_fibscope("--state", str(capture_file), "lookup", label)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1 and "MPLS label" in done.stderr
        assert "Traceback" not in done.stderr


async def test_the_app_shows_the_capture(capture_file: Path) -> None:
    app = make_app(CaptureSource.open(str(capture_file)), None, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in ("t", "escape", "6", "6", "v", "r", "escape"):
            await pilot.press(key)
            await pilot.pause()
        assert app.return_code is None
