"""Which sibling of an IPv6 multipath route carries the packet when an ``oif`` binds the lookup.

The kernel keeps each next hop of an IPv6 multipath route as its own fib6 entry (siblings).
``rt6_select`` scores them like any routes, so under ``RT6_LOOKUP_F_IFACE`` (an ``oif`` without
a source address, or a link-local/multicast destination) a sibling on another device scores
``RT6_NUD_FAIL_HARD`` and the first sibling on the oif wins.  ``fib6_select_path`` then hashes
the flow to a sibling and keeps that one only if ``rt6_score_route`` accepts it with the same
oif and strictness, else it keeps ``rt6_select``'s (net/ipv6/route.c).  Hence:

* strict and exactly one usable sibling on the oif: that one, whatever the hash;
* strict and several on the oif: one of them by flow hash (not predictable here);
* not strict (``from`` given as well, or no oif): every usable sibling can be hashed to.

Dead and linkdown siblings have no hash range (``rt6_multipath_rebalance``), so they never count.
"""

from __future__ import annotations

from tui.fib.addr import prefix_text
from tui.fib.context import Context
from tui.fib.flow import Flow, Hit
from tui.fib.lookup import nexthop_text, nexthop_unusable
from tui.fib.trace import NEXTHOP, Tracer


def select_sibling6(ctx: Context, hit: Hit, flow: Flow, tr: Tracer) -> None:
    """Honour the oif among the siblings of ``hit``'s route, or say it is not predictable."""
    route = hit.route
    if route is None or len(route.multipath) < 2:
        return
    usable = [
        (number, nh)
        for number, nh in enumerate(route.multipath)
        if nexthop_unusable(ctx, nh, flow, route.family) is None
    ]
    if len(usable) < 2:
        return
    where = prefix_text(route.family, hit.net, hit.plen)
    oif = flow.score_oif
    if oif and flow.strict_iface:
        on_oif = [(number, nh) for number, nh in usable if nh.oif == oif]
        if len(on_oif) == 1:
            hit.nh_index, hit.nh = on_oif[0]
            if tr.on:
                tr.add(
                    NEXTHOP,
                    f"multipath route {where}: next hop {nexthop_text(ctx, hit.nh)} is the only "
                    f"one through {ctx.dev_name(oif)}; the flow hash cannot pick another "
                    "(fib6_select_path keeps a sibling only on the oif)",
                )
            return
        tr.unpredictable(
            f"multipath route {where}: the kernel picks one of the {len(on_oif)} next hops "
            f"through {ctx.dev_name(oif)} by flow hash (rt6_multipath_hash)"
        )
        return
    tr.unpredictable(
        f"multipath route {where}: the kernel picks a next hop by flow hash (rt6_multipath_hash)"
        + (
            f" (the oif {ctx.dev_name(oif)} binds only without a source address)"
            if flow.oif and flow.has_saddr
            else ""
        )
    )
