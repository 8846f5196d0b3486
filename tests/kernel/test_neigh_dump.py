"""The neighbour table as fibscope reads it, against ``ip -j neigh show`` (and ``proxy``);
a capture keeps it; a lookup on a live namespace lists the candidates and which one the
kernel took."""

from __future__ import annotations

import json

from tests.netns_helpers import requires_netns, run_fibscope, temp_netns
from tui import capture
from tui.fib.neigh import nud_name
from tui.kernel.netlink.dump import read_netns
from tui.kernel.netlink.neigh_dump import dump_neighbours
from tui.kernel.netns import entered
from tui.model import (
    NTF_ROUTER,
    HostState,
    Namespace,
    NamespaceInfo,
)

pytestmark = requires_netns


def test_neighbours_and_proxies_match_ip_neigh() -> None:
    with temp_netns("fsn") as ns, temp_netns("fsn") as peer:
        ns.veth("e1", "p1", peer_ns=peer)
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "e1")
        ns.batch(
            [
                "neigh add 10.1.0.5 dev e1 lladdr 02:00:00:00:00:05 nud permanent",
                "neigh add 10.1.0.6 dev e1 nud failed",
                "neigh add 10.1.0.7 dev e1 lladdr 02:00:00:00:00:07 nud stale",
                "neigh add fd00::8 dev e1 lladdr 02:00:00:00:00:08 router nud stale",
            ]
        )
        ns.ip("neigh", "add", "proxy", "10.1.0.77", "dev", "e1")
        ns.ip("-6", "neigh", "add", "proxy", "fd00::7", "dev", "e1")
        with entered(ns.path):
            mine = dump_neighbours()
        names = ns.link_names()
        theirs = {
            (e["dst"], e["dev"], "/".join(e.get("state", [])), e.get("lladdr"), "router" in e)
            for e in ns.ip_json("neigh", "show")
        }
        ours = {
            (n.dst, names[n.ifindex], nud_name(n.state), n.lladdr, bool(n.flags & NTF_ROUTER))
            for n in mine
            if not n.proxy and n.state != 0x40  # ip neigh hides NOARP entries
        }
        assert ours == theirs
        proxies = {(e["dst"], e["dev"]) for e in ns.ip_json("neigh", "show", "proxy")}
        assert {(n.dst, names[n.ifindex]) for n in mine if n.proxy} == proxies
        state = read_netns(ns.path)
    host = HostState((Namespace(NamespaceInfo(0, 0), state),))
    back = capture.from_json(json.loads(json.dumps(capture.to_json(host))))
    assert back.namespaces[0].state == state
    assert state.neighbours is not None and len(state.neighbours) == len(mine)
    assert state.sysctls.fib_multipath_use_neigh == 0
    assert state.sysctls.fib_multipath_hash_seed == 0


def test_verify_names_the_candidate_the_kernel_took() -> None:
    with temp_netns("fsn") as ns, temp_netns("fsn") as peer:
        for n in (1, 2):
            ns.veth(f"e{n}", f"p{n}", peer_ns=peer)
            ns.ip("addr", "add", f"10.{n}.0.1/24", "dev", f"e{n}")
        ns.ip(
            "route", "add", "198.51.100.0/24",
            "nexthop", "via", "10.1.0.2", "dev", "e1", "weight", "3",
            "nexthop", "via", "10.2.0.2", "dev", "e2",
        )  # fmt: skip
        proc = run_fibscope("lookup", "--netns", ns.name, "198.51.100.9", "--verify")
        assert "NOT PREDICTED" in proc.stdout, proc.stderr
        assert "1. via 10.1.0.2 dev e1 weight 3 (75.0% of flows)" in proc.stdout
        assert "2. via 10.2.0.2 dev e2 weight 1 (25.0% of flows)" in proc.stdout
        assert proc.stdout.count("<- the kernel took this one") == 1
        assert "Agree: NO" not in proc.stdout and proc.returncode == 0
        assert proc.stdout.endswith("Agree: yes\n") or proc.stdout.endswith(
            "Agree: not predicted; the kernel took one of the candidates listed\n"
        )
        kernel = ns.ip_json("route", "get", "198.51.100.9")[0]
        took = next(line for line in proc.stdout.splitlines() if "the kernel took" in line)
        assert f"dev {kernel['dev']} " in took
        proc = run_fibscope("lookup", "--netns", ns.name, "198.51.100.9", "--verify", "--json")
        doc = json.loads(proc.stdout)
        assert doc["predicted"] is False
        assert [c["weight"] for c in doc["candidates"]] == [3, 1]
        assert doc["candidates"][doc["kernel_candidate"]]["dev"] == kernel["dev"]
        proc = run_fibscope("lookup", "--netns", ns.name, "198.51.100.9", "--from", "10.2.0.1")
        assert "NOT PREDICTED" not in proc.stdout and "dev e2" in proc.stdout
