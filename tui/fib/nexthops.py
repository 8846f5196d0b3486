"""Routes through nexthop objects (``nhid``), resolved as the kernel resolves them.

With ``net.ipv4.nexthop_compat_mode=0`` (what FRR sets) a route says only ``nhid N``; the next
hop lives in the nexthop object (net/ipv4/nexthop.c).  ``resolve_route`` gives the engine the
route as the kernel's lookup sees it: a single object's gateway and device, a blackhole, or a
group's members as multipath next hops with their weights (a group of one: its single next hop,
one path as for the kernel), so the table lookup skips unusable
members exactly as ``nexthop_get_nhc_lookup`` / ``rt6_nh_find_match`` do.

``path_choice`` is the one place that decides between the members of a group
(``nexthop_select_path``), on the multipath module's machinery:

- hash-threshold groups (``nexthop_select_path_hthr``): the same flow hash and upper bounds as
  a multipath route, but a member whose gateway's neighbour entry is not valid is always
  skipped (whatever ``fib_multipath_use_neigh`` says) and the IPv4 source address is not
  preferred: ``multipath.decide`` in ``HTHR`` mode.  Exact with a fixed
  ``fib_multipath_hash_seed``; otherwise the candidates with their weights and shares.
- resilient groups (``nexthop_select_path_res``): the member of bucket ``hash % buckets``.
  Exact when the bucket table was read and the hash is known (or every bucket holds one
  member); otherwise the candidates with their bucket shares, or their weights when the
  buckets were not read.

An IPv4 lookup with an oif skips the choice (``fib_select_path``); IPv6 hashes even then
(``fib6_select_path`` passes ``have_oif_match`` false on this path).  ``source_address`` is
``fib_result_prefsrc`` for nexthop objects.
"""

from __future__ import annotations

from collections import Counter

from tui.fib.addr import int4, to_text
from tui.fib.context import Context
from tui.fib.flow import Flow, Hit
from tui.fib.multipath import (
    HASH_SPACE,
    HTHR,
    Candidate,
    Hop,
    Selection,
    apply_selection,
    decide,
    flow_hash,
    hop_text,
    neighbour_check,
    upper_bounds,
)
from tui.fib.nh_resolve import problem_of
from tui.fib.srcaddr import inet_select_addr
from tui.fib.trace import NEXTHOP, Tracer
from tui.model import (
    AF_INET,
    NEXTHOP_GRP_TYPE_RES,
    RTN_UNICAST,
    Nexthop,
    NexthopObject,
    Route,
)


def path_choice(ctx: Context, hit: Hit, flow: Flow, tr: Tracer) -> Hit | None:
    """``fib_select_path`` / ``fib6_select_path`` for a route through a nexthop group.

    None when the route has no ``nhid`` or goes through a single next hop: the caller's rules
    (multipath, equal default routes) apply.  Otherwise the hit with the member the kernel
    takes, or the lookup's own hit with the trace saying why it is not predicted.
    """
    route = hit.route
    if route is None or route.nhid is None:
        return None
    obj = ctx.nexthops.get(route.nhid)
    if obj is None:
        read = "was not read" if ctx.nexthops_read else "was not read (an older capture)"
        if not route.multipath and route.oif is None and route.type == RTN_UNICAST:
            tr.unpredictable(f"route uses nexthop object {route.nhid}, which {read}")
            return hit
        if len(route.multipath) > 1 and not (flow.oif and route.family == AF_INET):
            tr.unpredictable(
                f"route uses nexthop object {route.nhid}, which {read}: how the kernel "
                "chooses among its next hops is not known"
            )
            return hit
        return None  # compat mode 1: the message carried the object's one next hop
    if (why := problem_of(obj, ctx.nexthops)) is not None:
        tr.unpredictable(why)
        return hit
    if not obj.group or route.type != RTN_UNICAST:
        return None
    if len(route.multipath) <= 1:  # one member: one path, the caller's rules (defaults) apply
        if tr.on:
            tr.add(NEXTHOP, f"nexthop group {obj.id}: one member, no hash needed")
        return None
    if flow.oif and route.family == AF_INET:
        return hit  # fib_select_path: an oif skips the hash; the table lookup chose
    if obj.group_type == NEXTHOP_GRP_TYPE_RES:
        sel = _resilient(ctx, route, obj, flow)
        return apply_selection(ctx, hit, sel, tr, f"nexthop resilient group {obj.id}")
    return apply_selection(
        ctx, hit, _hash_threshold(ctx, route, flow), tr, f"nexthop group {obj.id}"
    )


def _listing(ctx: Context, candidates: tuple[Candidate, ...], buckets: int = 0) -> str:
    """``10.0.0.2 dev veth0 (weight 2), ...`` or, for buckets, ``(3 of 32 buckets)``."""
    words = []
    for c in candidates:
        where = hop_text(ctx, c.nexthop).removeprefix("via ")
        if buckets and c.share is not None:
            words.append(f"{where} ({round(c.share * buckets)} of {buckets} buckets)")
        else:
            words.append(f"{where} (weight {c.weight})")
    return ", ".join(words)


def _hash_threshold(ctx: Context, route: Route, flow: Flow) -> Selection:
    """``nexthop_select_path_hthr``: the first member with a good neighbour whose upper
    bound holds the hash; else the first good member; else member 0."""
    members = route.multipath
    bounds = upper_bounds([nh.weight for nh in members])
    hops: list[Hop] = []
    notes: list[str] = []
    for nh, bound in zip(members, bounds, strict=True):
        good, text = neighbour_check(ctx, nh, any_scope=True)
        out = None if good is not False else f"{text} (nexthop_is_good_nh)"
        if out:
            notes.append(f"member {hop_text(ctx, nh)} is skipped: {out}")
        hops.append(Hop(nh, nh.weight, bound, good, False, out))
    if any(hop.good is None for hop in hops):
        notes.append("the neighbour table was not captured: members tried good and bad")
    hash_value = flow_hash(ctx, flow)
    pick, counts, reason = decide(hops, False, 0, HTHR, hash_value)
    if pick is None and hash_value is not None:  # the neighbours decide: list the shares
        counts = decide(hops, False, 0, HTHR, None)[1]
    candidates = tuple(
        Candidate(i, hops[i].nexthop, hops[i].weight, counts[i] / HASH_SPACE)
        for i in sorted(counts)
    )
    if pick is not None:
        if hash_value is not None:
            why = f"the flow hash {hash_value:#010x} falls to it"
        elif all(hop.good is False for hop in hops):
            why = "no member's neighbour is valid: the kernel takes the first"
        else:
            why = "every flow hash leads to it"
        return Selection(pick, candidates, None, tuple(notes), why)
    causes = ["a per-boot random key"] if hash_value is None else []
    if any(hop.good is None for hop in hops):
        causes.append("the neighbour state of a member's gateway is not in the state")
    if not candidates:  # too many unknown neighbour states to try
        causes = [reason or "the neighbour states are not known"]
    text = f"the kernel picks one of {_listing(ctx, candidates)} by flow hash ({'; '.join(causes)})"
    return Selection(None, candidates, text, tuple(notes))


def _resilient(ctx: Context, route: Route, obj: NexthopObject, flow: Flow) -> Selection:
    """``nexthop_select_path_res``: the member in bucket ``hash % buckets`` (no neighbour
    check); the bucket table is the one RTM_GETNEXTHOPBUCKET dumped."""
    ids = [member.id for member in obj.group]
    if len(ids) != len(route.multipath):
        return Selection(None, (), f"the members of nexthop group {obj.id} were not all read")
    table = obj.bucket_nhids
    complete = obj.resilient is not None and 0 < len(table) == obj.resilient.buckets
    if not complete:
        candidates = tuple(
            Candidate(i, nh, nh.weight, None) for i, nh in enumerate(route.multipath)
        )
        text = (
            f"the kernel picks one of {_listing(ctx, candidates)} by the bucket of the flow "
            "hash (its buckets were not read)"
        )
        return Selection(None, candidates, text)
    counts = Counter(table)
    if stray := sorted(set(counts) - set(ids)):
        return Selection(
            None, (), f"its bucket table names nexthop {stray[0]}, which is not a member"
        )
    candidates = tuple(
        Candidate(i, nh, nh.weight, counts[ids[i]] / len(table))
        for i, nh in enumerate(route.multipath)
        if counts.get(ids[i])
    )
    hash_value = flow_hash(ctx, flow)
    if hash_value is not None:
        bucket = hash_value % len(table)
        why = (
            f"the flow hash {hash_value:#010x} falls in bucket {bucket} of {len(table)}, "
            f"which holds nexthop {table[bucket]}"
        )
        return Selection(ids.index(table[bucket]), candidates, None, (), why)
    if len(candidates) == 1:
        return Selection(candidates[0].index, candidates, None, (), "every bucket holds it")
    text = (
        f"the kernel picks one of {_listing(ctx, candidates, len(table))} by the bucket of "
        "the flow hash (a per-boot random key)"
    )
    return Selection(None, candidates, text)


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


def source_device6(route: Route, nh: Nexthop) -> int:
    """The device ``rt6_fill_node`` picks the IPv6 source address for.

    ``ip6_route_get_saddr`` asks ``fib6_info_nh_dev`` of the route, which for a nexthop group
    is its first member's device (``nexthop_fib6_nh``), whichever member the hash chose.
    """
    if route.nhid is not None and route.multipath:
        return route.multipath[0].oif or 0
    return nh.oif or 0
