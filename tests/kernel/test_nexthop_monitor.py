"""Following nexthop objects live: the monitor's view equals a fresh dump after each change.

Objects are added, replaced, grouped and deleted while a ``Follower`` runs the monitor, in
compat mode 0 (routes carry only ``nhid``); a link going down deletes its objects and shrinks
their groups *without any event*, which the monitor must notice too.  After every step the
followed objects (from the Snapshot / SmallChanged events) equal ``read_nexthops`` and the
followed routes equal a route dump.
"""

from __future__ import annotations

import time

from tests.kernel.follow import Follower, assert_equal_to_kernel
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.nexthop_helpers import build_nexthop_ns, set_compat
from tests.patience import deadline
from tui.kernel.netlink.nexthop_codec import read_nexthops
from tui.kernel.nexthop_watch import without_buckets
from tui.model import NexthopObject
from tui.source.events import Event, SmallChanged, Snapshot

pytestmark = requires_netns


class NexthopFollower(Follower):
    """A Follower that also keeps the nexthop objects the events carry."""

    def __init__(self, path: str | None) -> None:
        super().__init__(path)
        self.nexthops: tuple[NexthopObject, ...] | None = None

    def _emit(self, event: Event) -> None:
        if isinstance(event, Snapshot):
            self.nexthops = event.state.nexthops
        elif isinstance(event, SmallChanged):
            self.nexthops = event.nexthops
        super()._emit(event)


def _assert_nexthops_follow(follower: NexthopFollower, ns: Netns) -> None:
    """Objects (bucket tables aside: they migrate on timers) and routes equal the kernel's
    (a difference is looked at again until the patience of a hang runs out)."""
    end = deadline()
    while True:
        follower.wait_quiet()
        want = without_buckets(read_nexthops(ns.path))
        if without_buckets(follower.nexthops) == want or time.monotonic() > end:
            break
        time.sleep(0.3)
    assert without_buckets(follower.nexthops) == want
    assert_equal_to_kernel(follower, ns.path)


def test_nexthop_changes_are_followed() -> None:
    with temp_netns("fnm") as ns:
        build_nexthop_ns(ns)
        set_compat(ns, 0)
        follower = NexthopFollower(ns.path)
        with follower:
            follower.wait_loaded()
            _assert_nexthops_follow(follower, ns)
            assert follower.nexthops is not None and len(follower.nexthops) > 20
            for step in (
                "nexthop add id 50 via 10.0.2.9 dev veth2",
                "nexthop add id 51 group 50/1,4",
                "route add 10.51.0.0/24 nhid 51",
                "nexthop replace id 50 via 10.0.2.8 dev veth2",
                "nexthop replace id 51 group 50",
                "nexthop del id 50",
                "nexthop del id 13",
                "link set veth1 down",  # deletes 2, 5, 22, 25 and shrinks groups: no event
                "link set veth2p down",  # carrier loss on veth2: deletes 8 silently
            ):
                ns.ip(*step.split())
                _assert_nexthops_follow(follower, ns)
            assert not any(p.fatal for p in follower.problems)
            assert follower.monitor.loads > 1  # replaced and deleted objects reload routes
            ids = {nh.id for nh in follower.nexthops or ()}
            assert {2, 8, 13, 50, 51} & ids == set()
            assert 16 in ids  # a group that lost a member keeps the rest


def test_new_objects_in_compat_mode_0_reload_no_route() -> None:
    """FRR adds an object for every new set of next hops: in compat mode 0 that re-reads the
    objects only, while routes added through them arrive as route events."""
    with temp_netns("fnm") as ns:
        build_nexthop_ns(ns)
        set_compat(ns, 0)
        follower = NexthopFollower(ns.path)
        with follower:
            follower.wait_loaded()
            _assert_nexthops_follow(follower, ns)
            loads = follower.monitor.loads
            for i in range(60, 70):
                ns.ip("nexthop", "add", "id", str(i), "via", f"10.0.2.{i}", "dev", "veth2")
                ns.ip("nexthop", "add", "id", str(i + 100), "group", f"{i}/1")
                ns.ip("route", "add", f"10.{i}.0.0/24", "nhid", str(i + 100))
            _assert_nexthops_follow(follower, ns)
            assert follower.monitor.loads == loads
            ns.ip("nexthop", "del", "id", "160")  # deletes 10.60.0.0/24 silently
            _assert_nexthops_follow(follower, ns)
            assert follower.monitor.loads > loads
            assert not any(p.fatal for p in follower.problems)
