"""``capture`` streams a namespace's routes into columns: what it writes loads back equal to
the namespace read whole (``read_netns``), for every kind of route the dump brings."""

from __future__ import annotations

from pathlib import Path

from tests.netns_helpers import requires_netns, run_fibscope, temp_netns
from tui import capture
from tui.kernel.netlink.dump import read_netns

pytestmark = requires_netns


def test_a_streamed_capture_loads_as_the_namespace_reads(tmp_path: Path) -> None:
    with temp_netns("fsc-cst") as ns:
        ns.veth("v0", "v0p")
        ns.ip("addr", "add", "10.0.0.1/24", "dev", "v0")
        ns.ip("-6", "addr", "add", "fd00::1/64", "dev", "v0", "nodad")
        lines = [
            f"route add 20.{i >> 8}.{i & 255}.0/24 via 10.0.0.{2 + i % 50}" for i in range(3000)
        ]
        lines += [
            f"route add 21.0.{i}.0/24 dev v0 proto static metric {i} mtu 1400" for i in range(40)
        ]
        lines += [
            "route add 22.0.0.0/8 nexthop via 10.0.0.2 weight 2 nexthop via 10.0.0.3",
            "route add table 100 default via 10.0.0.9 realm 7",
            "route add blackhole 23.0.0.0/8",
            "route add prohibit 23.1.0.0/16 table 100",
            "route add 2001:db8::/32 via fd00::2",
            "route add 2001:db9::/48 dev v0 pref high",
        ]
        lines += [f"route add 2001:db8:{i:x}::/48 via fd00::{2 + i % 9:x}" for i in range(1, 2000)]
        ns.batch(lines)
        target = tmp_path / "host.json"
        proc = run_fibscope("capture", "--netns", ns.name, "-o", str(target))
        assert proc.returncode == 0, proc.stderr
        state = read_netns(ns.path)
        loaded = capture.load(str(target))
    (captured,) = loaded.namespaces
    assert captured.state is not None
    assert captured.state.routes == state.routes
    assert len(state.routes) > 5000
    assert captured.state.links == state.links
    assert captured.state.rules == state.rules
