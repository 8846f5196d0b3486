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

With ``net.ipv4.fib_multipath_hash_seed`` set (it seeds IPv6 too) the hash is known
(``tui.fib.mphash``) and ``fib6_select_path`` is followed exactly: the first sibling whose upper
bound (``rt6_upper_bound_set``) holds the hash is taken if ``rt6_score_route`` accepts it (the
oif under ``RT6_LOOKUP_F_IFACE``; with IPv6 forwarding off, ``RT6_LOOKUP_F_REACHABLE``: a gateway
whose neighbour entry is FAILED is refused), else ``rt6_select``'s sibling stays.
"""

from __future__ import annotations

from tui.fib.addr import prefix_text
from tui.fib.context import Context
from tui.fib.flow import Flow, Hit
from tui.fib.lookup import nexthop_text, nexthop_unusable
from tui.fib.multipath import flow_hash, upper_bounds
from tui.fib.neigh import nud_name
from tui.fib.trace import NEXTHOP, PATH, Tracer
from tui.model import NUD_FAILED, RTNH_F_DEAD, RTNH_F_LINKDOWN, Nexthop


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
    hash_value = flow_hash(ctx, flow)
    if hash_value is not None:
        _hashed(ctx, hit, flow, tr, hash_value, where)
        return
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


def _refused(ctx: Context, nh: Nexthop, flow: Flow) -> tuple[bool | None, str]:
    """``rt6_score_route(...) < 0`` for a sibling the hash fell to: (refused or None when the
    state cannot tell, why)."""
    oif = flow.score_oif
    if oif and nh.oif != oif and flow.strict_iface:
        return True, f"its device is not {ctx.dev_name(oif)} (RT6_LOOKUP_F_IFACE)"
    if ctx.state.sysctls.ipv6_forwarding_all or not nh.gateway:
        return False, ""
    if not ctx.neighbours.known:
        return None, f"the neighbour entry of {nh.gateway} was not captured"
    state = ctx.neighbours.state(nh.gateway, nh.oif)
    if state is not None and state & NUD_FAILED:
        return True, (
            f"neighbour {nh.gateway} on {ctx.dev_name(nh.oif)} is {nud_name(state)} "
            "(IPv6 forwarding off: RT6_LOOKUP_F_REACHABLE)"
        )
    return False, ""


def _pick(bounds: list[int], hash_value: int, refused: list[bool | None], match: int) -> int | None:
    """``fib6_select_path`` after the hash: the sibling taken (None: it depends on a refusal
    the state cannot tell)."""
    for number, bound in enumerate(bounds):
        if hash_value > bound:
            continue
        if refused[number] is None:
            return None
        return match if refused[number] else number
    return match


def _hashed(ctx: Context, hit: Hit, flow: Flow, tr: Tracer, hash_value: int, where: str) -> None:
    """The sibling ``fib6_select_path`` takes for a known hash."""
    route = hit.route
    assert route is not None
    siblings = route.multipath
    match = hit.nh_index
    # ip6_ignore_linkdown is not captured for IPv6: a linkdown sibling is tried both ways.
    linkdown = [bool(nh.flags & RTNH_F_LINKDOWN) for nh in siblings]
    dead = [bool(nh.flags & RTNH_F_DEAD) for nh in siblings]
    checks = [_refused(ctx, nh, flow) for nh in siblings]
    refused = [check[0] for check in checks]
    picks: set[int | None] = set()
    for ignore in (False, True) if any(linkdown) else (False,):
        weights: list[int | None] = [
            None if d or (ignore and down) else nh.weight
            for nh, d, down in zip(siblings, dead, linkdown, strict=True)
        ]
        picks.add(_pick(upper_bounds(weights), hash_value, refused, match))
    if len(picks) != 1 or None in picks:
        reason = (
            "whether a linkdown sibling has a hash range (IPv6 ignore_routes_with_linkdown is "
            "not captured)"
            if len(picks) != 1
            else next(why for check, why in checks if check is None)
        )
        tr.unpredictable(f"multipath route {where}: the flow hash pick depends on {reason}")
        return
    chosen = picks.pop()
    assert chosen is not None
    if tr.on:
        hashed_to = _pick(
            upper_bounds([None if d else nh.weight for nh, d in zip(siblings, dead, strict=True)]),
            hash_value,
            [False] * len(siblings),
            match,
        )
        text = f"multipath route {where}: the flow hash {hash_value:#010x} falls to next hop "
        text += nexthop_text(ctx, siblings[hashed_to if hashed_to is not None else match])
        if chosen != hashed_to and hashed_to is not None:
            text += (
                f", which is refused ({checks[hashed_to][1]}): rt6_select's "
                f"{nexthop_text(ctx, siblings[chosen])} stays (fib6_select_path)"
            )
        tr.add(PATH, text)
    hit.nh_index, hit.nh = chosen, siblings[chosen]
