"""The CLI's printed views (streamed from the kernel, or from a capture of it) equal the real
tools' output on the same namespace, byte for byte."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netns_helpers import IpError, Netns, ip, requires_netns, run_fibscope, temp_netns

pytestmark = requires_netns


def fibscope(*args: str) -> str:
    proc = run_fibscope(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def busy_ns() -> Iterator[Netns]:
    """A namespace with routes of every kind in several tables, rules, v4 and v6."""
    with temp_netns("fsv") as ns:
        ns.veth("a0", "a1")
        ns.veth("b0", "b1", up=False)
        ns.ip("link", "set", "b0", "up")  # b1 stays down: b0 has no carrier, routes are linkdown
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "a0")
        ns.ip("addr", "add", "10.2.0.1/24", "dev", "b0")
        ns.ip("addr", "add", "fd00:1::1/64", "dev", "a0")
        for cmd in (
            "route add default via 10.1.0.254",
            "route add 10.9.0.0/16 via 10.2.0.254 metric 50",
            "route add 10.99.0.0/16 via 10.1.0.7",
            "route add 10.98.0.1/32 via 10.1.0.8 src 10.1.0.1",
            "route add blackhole 10.66.0.0/16",
            "route add unreachable 10.67.0.0/16",
            "route add prohibit 10.68.0.0/16",
            "route add unreachable 10.69.1.1/32",
            "route add throw 10.69.0.0/16 table 100",
            "route add 10.70.0.0/16 nexthop via 10.1.0.2 weight 2 nexthop via 10.2.0.2",
            "route add 10.71.0.0/16 via 10.1.0.3 tos 0x10 mtu 1400 proto static",
            "route add 10.72.0.0/16 via 10.1.0.4 table 1000 proto bird",
            "route add 10.73.0.0/16 dev a0 scope link table 4000000000",
            "route add 10.74.0.0/16 via 10.1.0.5 dev a0 onlink metric 7",
            "-6 route add default via fd00:1::fe metric 100",
            "-6 route add fd00:9::/48 via fd00:1::9 table 100",
            "-6 route add unreachable fd00:dead::/48",
            "rule add from 10.5.0.0/16 lookup 100 pref 100",
            "rule add fwmark 0x10/0xff iif a0 goto 32766 pref 200",
            "rule add not to 1.2.3.0/24 uidrange 100-200 ipproto tcp dport 80-90 prohibit pref 300",
            "rule add lookup main suppress_prefixlength 0 pref 400",
            "-6 rule add from fd00:1::/64 lookup 100 pref 500",
        ):
            ns.ip(*cmd.split())
        yield ns


ROUTE_ARGS = [
    [],
    ["table", "all"],
    ["table", "100"],
    ["table", "1000"],
    ["table", "4000000000"],
    ["table", "local"],
    ["table", "main"],
]


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("args", ROUTE_ARGS, ids=lambda a: "-".join(a) or "default")
def test_ip_route_show(busy_ns: Netns, args: list[str], v6: bool) -> None:
    fam = ["-6"] if v6 else []
    table = ["--table", args[1]] if args else []
    ours = fibscope("routes", "--netns", busy_ns.name, *fam, *table, "--format", "ip")
    try:
        theirs = ip("-n", busy_ns.name, *fam, "route", "show", *args)
    except IpError as exc:  # ip refuses a table the family does not have; we list nothing
        assert "FIB table does not exist" in str(exc)
        theirs = ""
    assert ours == theirs


def test_route_n(busy_ns: Netns) -> None:
    ours = fibscope("routes", "--netns", busy_ns.name, "--format", "route-n")
    assert ours == busy_ns.exec("route", "-n")


def test_route_n_inet6(busy_ns: Netns) -> None:
    ours = fibscope("routes", "--netns", busy_ns.name, "-6", "--format", "route-n")
    assert ours == busy_ns.exec("route", "-n", "-A", "inet6")


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_ip_rule_show(busy_ns: Netns, v6: bool) -> None:
    fam = ["-6"] if v6 else []
    assert fibscope("rules", "--netns", busy_ns.name, *fam) == ip(
        "-n", busy_ns.name, *fam, "rule", "show"
    )


def test_capture_replays_every_view(busy_ns: Netns, tmp_path: Path) -> None:
    """A capture holds enough for every view: printed from the file, no kernel involved."""
    path = str(tmp_path / "cap.json")
    fibscope("capture", "--netns", busy_ns.name, "-o", path)
    for args in ROUTE_ARGS:
        table = ["--table", args[1]] if args else []
        from_file = fibscope("routes", "--state", path, "--netns", busy_ns.name, *table)
        assert from_file == ip("-n", busy_ns.name, "route", "show", *args)
    assert fibscope(
        "routes", "--state", path, "--netns", busy_ns.name, "--format", "route-n"
    ) == busy_ns.exec("route", "-n")
    assert fibscope(
        "routes", "--state", path, "--netns", busy_ns.name, "-6", "--format", "route-n"
    ) == busy_ns.exec("route", "-n", "-A", "inet6")
    assert fibscope("rules", "--state", path, "--netns", busy_ns.name) == ip(
        "-n", busy_ns.name, "rule", "show"
    )
