"""``fibscope namespaces`` counts routes without building them: the counts and links it reads
must be those of the full read (``read_netns``) and of ``ip`` itself, on kernel-built state."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns
from tui.kernel.netlink.dump import read_netns
from tui.kernel.netlink.summary import read_summary
from tui.model import AF_INET, AF_INET6

pytestmark = requires_netns

ROUTES = 3000  # more than one dump datagram holds


@pytest.fixture
def pair() -> Iterator[tuple[Netns, Netns]]:
    """A namespace with routes in several tables, both families, rules, a bridge and a veth
    whose peer is in a second namespace."""
    with temp_netns() as big, temp_netns() as other:
        big.veth("v0", "v0p")
        big.veth("x0", "x0p", peer_ns=other)
        big.ip("link", "add", "br9", "type", "bridge")
        big.ip("link", "set", "v0p", "master", "br9")
        big.ip("addr", "add", "10.9.0.1/16", "dev", "v0")
        big.ip("-6", "addr", "add", "fd09::1/64", "dev", "v0", "nodad")
        lines = [f"route add 20.{i >> 8}.{i & 255}.0/24 via 10.9.0.2" for i in range(ROUTES)]
        lines += [f"route add 30.0.{i}.0/24 via 10.9.0.3 table {100 + i % 3}" for i in range(50)]
        lines += [f"route add 2001:db8:{i:x}::/48 via fd09::2" for i in range(70)]
        lines += ["rule add fwmark 7 table 101"]
        big.batch(lines)
        big.ip("-6", "rule", "add", "iif", "v0", "table", "102")
        yield big, other


def test_counts_and_links_are_those_of_the_full_read(pair: tuple[Netns, Netns]) -> None:
    big, _ = pair
    links, counts = read_summary(big.path)
    state = read_netns(big.path)
    assert counts.routes4 == sum(r.family == AF_INET for r in state.routes) > ROUTES
    assert counts.routes6 == sum(r.family == AF_INET6 for r in state.routes) > 70
    assert counts.rules4 == sum(r.family == AF_INET for r in state.rules) == 4
    assert counts.rules6 == sum(r.family == AF_INET6 for r in state.rules) == 3
    assert counts.links == len(state.links) == 5
    fields = ["index", "name", "flags", "operstate", "kind", "master", "mtu", "address"]
    fields += ["link", "link_netnsid"]
    full = {link.index: link for link in state.links}
    for link in links:
        for name in fields:
            assert getattr(link, name) == getattr(full[link.index], name), (link.name, name)
    kinds = {link.name: link.kind for link in links}
    assert kinds == {"lo": None, "v0": "veth", "v0p": "veth", "x0": "veth", "br9": "bridge"}
    by_name = {link.name: link for link in links}
    assert by_name["v0p"].master == by_name["br9"].index
    assert by_name["v0"].link == by_name["v0p"].index and by_name["v0"].link_netnsid is None
    assert by_name["x0"].link_netnsid is not None


def test_counts_match_ip(pair: tuple[Netns, Netns]) -> None:
    big, _ = pair
    _, counts = read_summary(big.path)
    shown4 = big.ip("-4", "route", "show", "table", "all").splitlines()
    shown6 = big.ip("-6", "route", "show", "table", "all").splitlines()
    assert counts.routes4 == len(shown4)
    assert counts.routes6 == len(shown6)


def test_namespaces_cli_shows_counts_and_crossings(pair: tuple[Netns, Netns]) -> None:
    big, other = pair
    proc = run_fibscope("namespaces", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = {entry["label"]: entry for entry in json.loads(proc.stdout)}
    state = read_netns(big.path)
    assert doc[big.name]["counts"] == {
        "routes4": sum(r.family == AF_INET for r in state.routes),
        "routes6": sum(r.family == AF_INET6 for r in state.routes),
        "rules4": 4,
        "rules6": 3,
        "links": len(state.links),
    }
    crossings = doc[big.name]["crossings"]
    assert f"x0 <-> {other.name}:x0p" in crossings
    assert "v0 <-> " + big.name + ":v0p" in crossings
    assert doc[other.name]["crossings"] == [f"x0p <-> {big.name}:x0"]
    text = run_fibscope("namespaces", "--netns", big.name).stdout.splitlines()
    assert text[1].split()[:1] == [big.name]
    counted = doc[big.name]["counts"]
    assert text[1].split()[3:5] == [str(counted["routes4"]), str(counted["routes6"])]


def test_a_namespace_that_cannot_be_entered_keeps_its_error() -> None:
    from tui.kernel.netns import NetnsError

    with pytest.raises(NetnsError):
        read_summary("/run/netns/fsc-does-not-exist-0000")


def test_live_crossings_read_links_only(pair: tuple[Netns, Netns]) -> None:
    from tui.kernel.live_source import LiveSource

    big, other = pair
    source = LiveSource()
    infos = [i for i in source.namespaces() if i.known_as(big.name) or i.known_as(other.name)]
    found = source.crossings(infos)
    by_name = {i.label: found.get(i.inode) for i in infos}
    assert by_name[other.name] == [f"x0p <-> {big.name}:x0"]
    assert f"x0 <-> {other.name}:x0p" in (by_name[big.name] or [])
