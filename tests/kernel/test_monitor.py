"""The monitor follows real namespaces exactly: after any burst of route changes the followed
store equals a fresh dump, route by route.

Bursts are generated (seeded) from small pools of prefixes, gateways, metrics and tables so
that keys collide: IPv4 appends, prepends and replaces of aliases, IPv6 ECMP siblings merged,
split and replaced, dev-only and blackhole entries beside them, in three tables.  ``ip
-force -batch`` goes on past the commands the kernel refuses, as a real control plane would
see them refused.  Faults (overruns, links, nexthop objects, deleted namespaces) are in
``test_monitor_faults.py``.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from collections.abc import Iterable

import pytest

from tests.kernel.follow import Follower, assert_equal_to_kernel, same_routes
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tui.source.events import RouteChanges
from tui.store.routes import RouteStore

pytestmark = requires_netns

V4_GW = [f"10.1.0.{i}" for i in range(2, 6)] + [f"10.2.0.{i}" for i in range(2, 6)]
V6_GW = [f"2001:db8:1::{i}" for i in range(2, 6)] + [f"2001:db8:2::{i}" for i in range(2, 6)]
TABLES = ["", " table 100", " table 200"]
METRICS = ["", " metric 10", " metric 20"]
PROTOS = ["", "", " proto static", " proto bgp"]


def build(ns: Netns) -> None:
    """Two veths with IPv4 and IPv6 addresses: next hops on both."""
    ns.veth("va", "ap")
    ns.veth("vb", "bp")
    ns.ip("addr", "add", "10.1.0.1/24", "dev", "va")
    ns.ip("addr", "add", "10.2.0.1/24", "dev", "vb")
    ns.ip("addr", "add", "2001:db8:1::1/64", "dev", "va", "nodad")
    ns.ip("addr", "add", "2001:db8:2::1/64", "dev", "vb", "nodad")


def _dev(gw: str) -> str:
    return "va" if gw.startswith(("10.1.", "2001:db8:1:")) else "vb"


def _target(rng: random.Random, v6: bool) -> str:
    gws = V6_GW if v6 else V4_GW
    pick = rng.random()
    if pick < 0.55:
        gw = rng.choice(gws)
        return f"via {gw}" + (f" dev {_dev(gw)}" if v6 else "")
    if pick < 0.7:
        return f"dev {rng.choice(['va', 'vb'])}"
    if pick < 0.85:
        hops = rng.sample(gws, rng.randint(2, 3))
        return " ".join(f"nexthop via {gw} dev {_dev(gw)}" for gw in hops)
    return ""  # blackhole / unreachable: the type goes before the prefix


def route_ops(seed: int, count: int, *, v6_apart: bool = False) -> list[str]:
    """``ip -batch`` lines: adds, appends, prepends, replaces and deletes that collide.

    ``v6_apart``: IPv6 routes without a gateway get metrics of their own, so none sits
    between ECMP siblings, where a dump cannot see it (tui.store.routes6): what a re-read after an
    overrun cannot learn.
    """
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        v6 = rng.random() < 0.5
        net = rng.randrange(12)
        prefix = f"2001:db8:50:{net}::/64" if v6 else f"10.50.{net}.0/24"
        verb = rng.choice(["add", "append", "append", "prepend", "replace", "replace", "del"])
        where = rng.choice(TABLES) + rng.choice(METRICS)
        target = _target(rng, v6)
        kind = "" if target else rng.choice(["blackhole ", "unreachable "])
        if v6 and v6_apart and "via" not in target:
            where = rng.choice(TABLES) + rng.choice([" metric 30", " metric 40"])
        if verb == "del" and rng.random() < 0.4:
            target, kind = "", ""  # "ip route del PREFIX": the first entry of the key
        extra = rng.choice(PROTOS) if verb != "del" else ""
        # ip wants the next hops last
        lines.append(f"route {verb} {kind}{prefix}{where}{extra} {target}".rstrip())
    return lines


def force_batch(ns: Netns, lines: Iterable[str]) -> None:
    """``ip -force -batch``: refused commands are skipped, the rest goes on."""
    with tempfile.NamedTemporaryFile("w", prefix="fsc-churn-", suffix=".txt") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        subprocess.run(
            ["ip", "-n", ns.name, "-force", "-batch", fh.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_generated_churn_ends_equal_to_a_fresh_dump(seed: int) -> None:
    with temp_netns("fsm") as ns:
        build(ns)
        with Follower(ns.path) as follower:
            follower.wait_loaded()
            ops = route_ops(seed, 1600)
            for start in range(0, len(ops), 400):
                force_batch(ns, ops[start : start + 400])
            assert_equal_to_kernel(follower, ns.path)
            assert follower.applied > 500
            assert not follower.problems


def test_changes_during_the_first_dump_are_not_lost() -> None:
    """Groups are joined before the dump: what happens meanwhile is applied (or replayed)."""
    with temp_netns("fsm") as ns:
        build(ns)
        ns.batch(f"route add 10.{60 + i // 250}.{i % 250}.0/24 via 10.1.0.2" for i in range(5000))
        with Follower(ns.path) as follower:
            force_batch(ns, route_ops(7, 1200))
            follower.wait_loaded()
            assert_equal_to_kernel(follower, ns.path)


def test_an_event_applied_twice_changes_nothing() -> None:
    """What the loader relies on for an event that raced a dump datagram: applying one
    event again at once is harmless (a *sequence* replayed is not: replace-first, prepend)."""
    with temp_netns("fsm") as ns:
        build(ns)
        with Follower(ns.path) as follower:
            follower.wait_loaded()
            with follower.lock:
                assert follower.store is not None
                start = follower.store.routes()
            force_batch(ns, route_ops(11, 800))
            assert_equal_to_kernel(follower, ns.path)
            changes = [c for e in follower.events if isinstance(e, RouteChanges) for c in e.changes]
            once, twice = RouteStore(start), RouteStore(start)
            for change in changes:
                once.apply(*change)
                twice.apply(*change)
                twice.apply(*change)
            assert not same_routes(twice.routes(), once.routes())
            assert not same_routes(once.routes(), follower.routes())


LINK_ROUTES = [
    "route add 10.70.0.0/24 via 10.1.0.2",
    "route add 10.70.1.0/24 via 10.2.0.2 src 10.1.0.1",
    "route add 10.70.2.0/24 nexthop via 10.1.0.2 dev va nexthop via 10.2.0.2 dev vb",
    "route add 10.70.3.0/24 dev va table 100",
    "route add 10.70.3.0/24 via 10.2.0.3 table 100 metric 5",
    "route append 10.70.4.0/24 via 10.1.0.3",
    "route append 10.70.4.0/24 via 10.2.0.3",
    "route add blackhole 10.70.5.0/24",
    "route add 2001:db8:70::/64 via 2001:db8:1::2 dev va",
    "route add 2001:db8:70:1::/64"
    " nexthop via 2001:db8:1::2 dev va nexthop via 2001:db8:2::2 dev vb",
    "route add 2001:db8:70:2::/64 dev va table 100",
    "route append 2001:db8:70:3::/64 via 2001:db8:2::3 dev vb",
    "route append 2001:db8:70:3::/64 via 2001:db8:1::3 dev va",
    "route add unreachable 2001:db8:70:4::/64",
]


def test_linkdown_flags_and_silent_ipv4_flushes_are_followed() -> None:
    """Carrier loss flags routes linkdown and a device going down flushes IPv4 routes, both
    without route events; the monitor re-reads the routes of that link."""
    with temp_netns("fsm") as ns:
        build(ns)
        ns.batch(LINK_ROUTES)
        with Follower(ns.path) as follower:
            follower.wait_loaded()
            for step in (
                ("link", "set", "ap", "down"),  # va loses carrier: linkdown
                ("link", "set", "ap", "up"),
                ("link", "set", "va", "down"),  # IPv4 routes via va flushed silently
                ("link", "set", "va", "up"),
                ("addr", "del", "10.2.0.1/24", "dev", "vb"),  # vb's last IPv4 address
                ("link", "del", "va"),  # and its routes with it
            ):
                ns.ip(*step)
                assert_equal_to_kernel(follower, ns.path)
            assert not [p for p in follower.problems if p.fatal]
