"""What the monitor does when nexthop objects change: which changes move routes.

Routes refer to objects by id.  A new object moves no route (nothing can use an id before it
exists), so in compat mode 0, where route messages carry only ``nhid``, adding objects needs
no route reload: FRR adds a nexthop object for every new set of next hops, and a million-route
reload for each would bury the app.  An object replaced or gone (deleted, or removed silently
with its link) changes or deletes routes without route events: the monitor reloads them.  In
compat mode 1 route messages also carry the objects' next hops, so any change reloads.
"""

from __future__ import annotations

from dataclasses import replace

from tui.model import NexthopObject

COMPAT_MODE_FILE = "/proc/sys/net/ipv4/nexthop_compat_mode"


def without_buckets(
    nexthops: tuple[NexthopObject, ...] | None,
) -> tuple[NexthopObject, ...] | None:
    """The objects without their bucket tables: buckets migrate by themselves (timers),
    which changes no route."""
    if nexthops is None:
        return None
    return tuple(replace(nh, bucket_nhids=()) if nh.bucket_nhids else nh for nh in nexthops)


def read_compat_mode() -> int:
    """``net.ipv4.nexthop_compat_mode`` of the calling thread's namespace (1, the kernel's
    default and the safe answer, when it cannot be read)."""
    try:
        with open(COMPAT_MODE_FILE, encoding="ascii") as fh:
            return int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 1


def routes_may_have_moved(
    old: tuple[NexthopObject, ...] | None,
    new: tuple[NexthopObject, ...] | None,
    *,
    added_event: bool,
    compat_mode: int,
) -> bool:
    """Whether the routes must be re-read after the objects went from ``old`` to ``new``
    (both without buckets); ``added_event``: an RTM_NEWNEXTHOP was read meanwhile."""
    if old is None or new is None:
        return old != new
    if added_event and compat_mode != 0:
        return True
    now = {nh.id: nh for nh in new}
    return any(now.get(nh.id) != nh for nh in old)
