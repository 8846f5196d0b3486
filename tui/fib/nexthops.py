"""Routes through nexthop objects (``nhid``), resolved as the kernel resolves them.

With ``net.ipv4.nexthop_compat_mode=0`` (what FRR sets) a route says only ``nhid N``; the next
hop lives in the nexthop object (net/ipv4/nexthop.c).  ``resolve_route`` gives the engine the
route as the kernel's lookup sees it: a single object's gateway and device, a blackhole, or a
group's members as multipath next hops with their weights, so the table lookup skips unusable
members exactly as ``nexthop_get_nhc_lookup`` / ``rt6_nh_find_match`` do.

``path_choice`` is the one place that decides between the members of a group
(``nexthop_select_path``): hash-threshold and resilient groups pick by flow hash, so a group
with more than one usable member is ``predicted: false`` listing the candidates with their
weights (a resilient group's bucket shares when its buckets were read; when every bucket
points at one member the answer is exact).  The multipath work can extend it when the hash
is known.  ``source_address`` is ``fib_result_prefsrc`` for nexthop objects.
"""

from __future__ import annotations

from tui.fib.addr import int4, to_text
from tui.fib.context import Context
from tui.fib.flow import Flow, Hit
from tui.fib.nh_resolve import problem_of
from tui.fib.srcaddr import inet_select_addr
from tui.fib.trace import NEXTHOP, Tracer
from tui.model import (
    AF_INET,
    NEXTHOP_GRP_TYPE_RES,
    RTN_UNICAST,
    RTNH_F_DEAD,
    NexthopObject,
    Route,
)


def _candidates(ctx: Context, route: Route, obj: NexthopObject) -> str:
    res = obj.group_type == NEXTHOP_GRP_TYPE_RES and bool(obj.bucket_nhids)
    total = len(obj.bucket_nhids)
    words = []
    for hop in route.multipath:
        where = (
            f"{hop.gateway} dev {ctx.dev_name(hop.oif)}" if hop.gateway else ctx.dev_name(hop.oif)
        )
        share = f"{hop.weight} of {total} buckets" if res else f"weight {hop.weight}"
        words.append(f"{where} ({share})")
    return ", ".join(words)


def path_choice(ctx: Context, hit: Hit, flow: Flow, tr: Tracer) -> bool:
    """``fib_select_path`` / ``fib6_select_path`` for a route through a nexthop object.

    Returns False when the route has no ``nhid`` (the caller's multipath rules apply), else
    records what cannot be predicted and returns True.
    """
    route = hit.route
    if route is None or route.nhid is None:
        return False
    obj = ctx.nexthops.get(route.nhid)
    if obj is None:
        if not route.multipath and route.oif is None and route.type == RTN_UNICAST:
            read = "was not read" if ctx.nexthops_read else "was not read (an older capture)"
            tr.unpredictable(f"route uses nexthop object {route.nhid}, which {read}")
            return True
        return False  # compat mode 1: the message carried the next hops
    if (why := problem_of(obj, ctx.nexthops)) is not None:
        tr.unpredictable(why)
        return True
    if not obj.group or route.type != RTN_UNICAST:
        return True
    usable = [hop for hop in route.multipath if not hop.flags & RTNH_F_DEAD]
    if len(usable) <= 1:
        if tr.on:
            tr.add(NEXTHOP, f"nexthop group {obj.id}: one usable member, no hash needed")
        return True
    if flow.oif and route.family == AF_INET:
        return True  # fib_select_path: an oif skips the hash; the table lookup chose
    kind = "resilient group" if obj.group_type == NEXTHOP_GRP_TYPE_RES else "group"
    how = "the bucket of the flow hash" if kind == "resilient group" else "flow hash"
    if obj.group_type == NEXTHOP_GRP_TYPE_RES and not obj.bucket_nhids:
        how += " (its buckets were not read)"
    tr.unpredictable(
        f"nexthop {kind} {obj.id}: the kernel picks one of {_candidates(ctx, route, obj)} by {how}"
    )
    return True


def source_address(ctx: Context, hit: Hit, tr: Tracer) -> tuple[int, str] | None:
    """``fib_result_prefsrc`` for an IPv4 route through a nexthop object (None: no nhid).

    The kernel caches the address on the next hop (``nh_saddr``), first chosen when the
    object was made with the scope below the object's, then again with the route's scope
    after any IPv4 address change (``dev_addr_genid``).  When the two choices differ, which
    one holds depends on history a dump does not show: unpredicted.  A gateway of another
    family (RFC 5549) does not steer the choice.
    """
    route, nh = hit.route, hit.nh
    if route is None or route.nhid is None or nh is None:
        return None
    if not nh.oif:
        return 0, f"nexthop object {route.nhid} was not read: no device to take it from"
    members = [ctx.nexthops.get(route.nhid)]
    group = members[0]
    if group is not None and group.group:
        members = [ctx.nexthops.get(m.id) for m in group.group]
    obj = next(
        (o for o in members if o is not None and o.oif == nh.oif and o.gateway == nh.gateway),
        None,
    )
    gw = int4(nh.gateway) if nh.gateway and ":" not in nh.gateway else 0
    dev = nh.oif or 0
    by_route, why = inet_select_addr(ctx, dev, gw, route.scope, tr.on)
    if obj is not None:
        at_creation, _ = inet_select_addr(ctx, dev, gw, obj.scope - 1 if obj.scope else 0, False)
        if at_creation != by_route:
            tr.unpredictable(
                f"source address: nexthop object {obj.id} caches {to_text(AF_INET, at_creation)} "
                f"or {to_text(AF_INET, by_route)}, depending on when addresses last changed"
            )
    return by_route, why
