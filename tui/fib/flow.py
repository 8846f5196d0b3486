"""The kernel's view of a packet during a lookup (``flowi4``/``flowi6``) and a lookup's hit.

Mutable on purpose: like the kernel, the output path fills in the source address and the
reverse-path check swaps source and destination on a copy.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, replace

from tui.model import Nexthop, Route

EAGAIN = errno.EAGAIN  # inside the kernel: "no answer here, try the next rule"


@dataclass(slots=True)
class Flow:
    """flowi: what rules and routes are matched against."""

    family: int
    dst: int
    src: int = 0
    iif: int = 0
    oif: int = 0
    mark: int = 0
    dscp: int = 0  # the tos byte with the ECN bits cleared
    uid: int = 0
    proto: int = 0
    sport: int = 0
    dport: int = 0
    flowlabel: int = 0  # IPv6 flow label (20 bits)
    has_saddr: bool = False  # IPv6 RT6_LOOKUP_F_HAS_SADDR
    strict_iface: bool = False  # IPv6 RT6_LOOKUP_F_IFACE: routes must use the oif
    score_oif: int = 0  # IPv6: the device rt6_score_route prefers (oif, or iif on input)
    ignore_linkstate: bool = False
    l3mdev: int = 0  # flowi_l3mdev: the VRF (L3 master) whose table an l3mdev rule uses
    # (ip_proto, sport, dport) of the packet as asked: the multipath hash reads the packet,
    # whatever the rule layer later clears.
    l4: tuple[int, int, int] = (0, 0, 0)

    def copy(self) -> Flow:
        """An independent copy (the reverse lookup of rp_filter works on one)."""
        return replace(self)


@dataclass(slots=True)
class Hit:
    """The outcome of a table lookup or of the whole rule walk.

    ``err`` is 0 for a route, EAGAIN for a miss (no route, or a throw route), else the errno
    a reject route or rule action gives.  ``route`` is the entry that decided (also for reject
    routes), ``nh`` the next hop chosen by the table lookup.
    """

    err: int
    table: int | None = None
    route: Route | None = None
    plen: int = 0
    net: int = 0
    nh: Nexthop | None = None
    nh_index: int = 0
    rule: int | None = None
    rule_action: int | None = None  # set when a rule action (not a route) gave the error

    @property
    def type(self) -> int | None:
        """The route type of the hit (RTN_*)."""
        return self.route.type if self.route is not None else None
