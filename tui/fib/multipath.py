"""Which next hop of a multipath route the kernel takes (``fib_select_multipath``, 6.18).

The kernel gives every next hop an upper bound in a 31-bit hash space (``fib_rebalance``:
a dead next hop, or a linkdown one whose device has ``ignore_routes_with_linkdown``, gets -1
and no share), hashes the flow, and scores each next hop still in the running (with
``fib_multipath_use_neigh`` a gateway whose neighbour entry is not NUD_VALID is out):
2 when its cached source address (``nh_saddr``) is the flow's source, 1 when the hash falls
under its upper bound; the first best score wins (measured on 6.18.44: with a source no next
hop holds, the hash alone decides).  Nothing in the running: the table lookup's own choice
stays.  With an ``oif`` the kernel skips all this (``fib_select_path``).

The hash is compared with the bounds only, so the outcome is constant between two adjacent
bounds: evaluating it once per interval gives every next hop the hash can pick and its share
of flows.  One outcome means the choice does not depend on the hash at all and is predicted
exactly; several mean the per-boot hash key decides, unless the hash is known (a fixed
``fib_multipath_hash_seed``).  What the state does not hold (``fib_multipath_use_neigh``, the
neighbour table) is tried both ways: a choice that differs is not predicted.

``choose`` works on plain ``Hop`` rows so nexthop-object groups can share it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tui.fib.addr import int4, prefix_text, to_text
from tui.fib.context import Context
from tui.fib.flow import Flow, Hit
from tui.fib.mphash import multipath_hash
from tui.fib.neigh import nud_name, nud_valid
from tui.fib.srcaddr import inet_select_addr
from tui.fib.trace import NEXTHOP, PATH, Tracer
from tui.model import AF_INET, RTNH_F_DEAD, RTNH_F_LINKDOWN, Nexthop, Route

IPPROTO_TCP = 6
IPPROTO_UDP = 17
HASH_SPACE = 1 << 31  # fib_multipath_hash() >> 1
MAX_UNKNOWN = 6  # unknown neighbour checks tried both ways (2**6 combinations at most)
FIB = "fib"  # fib_select_multipath: source preference, score
HTHR = "hthr"  # nexthop_select_path_hthr: first good hop under the bound


@dataclass(frozen=True, slots=True)
class Hop:
    """One next hop as the selection sees it.

    ``upper_bound`` is -1 for a hop rebalancing left out; ``good`` is the neighbour check
    (True when it does not apply, None when the state cannot tell); ``saddr_match`` says the
    hop's cached source address is the flow's source.
    """

    nexthop: Nexthop
    weight: int
    upper_bound: int
    good: bool | None = True
    saddr_match: bool = False
    why_out: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A next hop the hash can pick, with its configured weight and share of flows."""

    index: int
    nexthop: Nexthop
    weight: int
    share: float | None  # None: not known (a resilient group whose buckets were not read)


@dataclass(frozen=True, slots=True)
class Selection:
    """The outcome: the next hop when it does not depend on the hash (or the hash is
    known), else ``index`` None and the candidates the hash picks among."""

    index: int | None
    candidates: tuple[Candidate, ...]
    reason: str | None = None
    notes: tuple[str, ...] = ()
    why: str = ""


def upper_bounds(weights: Sequence[int | None]) -> list[int]:
    """``fib_rebalance`` / ``nh_hthr_group_rebalance``: None is a hop left out (-1)."""
    total = sum(w for w in weights if w is not None)
    out: list[int] = []
    running = 0
    for weight in weights:
        if weight is None or total == 0:
            out.append(-1)
            continue
        running += weight
        out.append(((running << 31) + total // 2) // total - 1)  # DIV_ROUND_CLOSEST_ULL
    return out


def choose(hops: Sequence[Hop], hash_value: int, saddr: bool, fallback: int, mode: str) -> int:
    """The kernel's pick for one hash value (``good`` must be known for every hop)."""
    if mode == HTHR:
        first: int | None = None
        for i, hop in enumerate(hops):
            if not hop.good:
                continue
            if first is None:
                first = i
            if hash_value <= hop.upper_bound:
                return i
        return first if first is not None else 0
    best, chosen = -1, fallback
    for i, hop in enumerate(hops):
        if hop.upper_bound == -1 or not hop.good:
            continue
        score = (2 if saddr and hop.saddr_match else 0) + (hash_value <= hop.upper_bound)
        if best < score:
            chosen = i
            if score == 3 or (not saddr and score == 1):
                return i
            best = score
    return chosen


def outcomes(hops: Sequence[Hop], saddr: bool, fallback: int, mode: str) -> dict[int, int]:
    """Every pick over the whole hash space, with how many hash values give it."""
    bounds = sorted({hop.upper_bound for hop in hops if hop.upper_bound >= 0})
    if not bounds or bounds[-1] < HASH_SPACE - 1:
        bounds.append(HASH_SPACE - 1)
    counts: dict[int, int] = {}
    previous = -1
    for bound in bounds:
        pick = choose(hops, bound, saddr, fallback, mode)
        counts[pick] = counts.get(pick, 0) + bound - previous
        previous = bound
    return counts


def decide(
    hops: Sequence[Hop], saddr: bool, fallback: int, mode: str, hash_value: int | None
) -> tuple[int | None, dict[int, int], str | None]:
    """(the pick or None, the outcomes, why not predicted), trying unknown checks both ways."""
    unknown = [i for i, hop in enumerate(hops) if hop.good is None]
    if len(unknown) > MAX_UNKNOWN:
        return None, {}, "too many next hops whose neighbour state is not known"
    merged: dict[int, int] = {}
    picks: set[int] = set()
    for combo in itertools.product((True, False), repeat=len(unknown)):
        trial = list(hops)
        for i, good in zip(unknown, combo, strict=True):
            trial[i] = replace(trial[i], good=good)
        if hash_value is not None:
            picks.add(choose(trial, hash_value, saddr, fallback, mode))
            continue
        counts = outcomes(trial, saddr, fallback, mode)
        picks.update(counts)
        if not combo or all(combo):  # shares as if every unknown check passed
            merged = counts
    if len(picks) == 1:
        return next(iter(picks)), merged, None
    reasons = []
    if hash_value is None and len(merged) > 1:
        reasons.append("the kernel picks by flow hash with a per-boot random key")
    if unknown:
        reasons.append("the neighbour state of a next hop's gateway is not in the state")
    return None, merged, "; ".join(reasons)


def _link_scope_gateway(ctx: Context, nh: Nexthop) -> bool:
    """The next hop has link scope (a gateway that is not one of our own addresses): only
    then do ``fib_good_nh`` and ``fib_detect_death`` look at the neighbour table."""
    if not nh.gateway:
        return False
    if ":" in nh.gateway:
        return True
    return int4(nh.gateway) not in ctx.local4


def neighbour_check(ctx: Context, nh: Nexthop, any_scope: bool = False) -> tuple[bool | None, str]:
    """``fib_good_nh``: (good, the sentence saying which neighbour state decided).

    ``any_scope``: ``nexthop_is_good_nh`` of a nexthop-object group, which looks the gateway
    up whatever its scope."""
    resolved = bool(nh.gateway) if any_scope else _link_scope_gateway(ctx, nh)
    if not resolved:
        return True, "no gateway to resolve"
    assert nh.gateway is not None
    if not ctx.neighbours.known:
        return None, f"the neighbour entry of {nh.gateway} was not captured"
    state = ctx.neighbours.state(nh.gateway, nh.oif)
    dev = ctx.dev_name(nh.oif)
    if state is None:
        return True, f"{nh.gateway} has no neighbour entry on {dev} (counted good)"
    good = nud_valid(state)
    return good, f"neighbour {nh.gateway} on {dev} is {nud_name(state)}"


def route_hops(ctx: Context, route: Route, flow: Flow, use_neigh: int | None) -> list[Hop]:
    """The route's next hops with their bounds, neighbour checks and source matches."""
    nexthops = route.nexthops()
    weights: list[int | None] = []
    outs: list[str | None] = []
    for nh in nexthops:
        why: str | None = None
        if nh.flags & RTNH_F_DEAD:
            why = "dead"
        elif nh.flags & RTNH_F_LINKDOWN and ctx.ignore_linkdown(nh.oif, AF_INET):
            why = "linkdown with ignore_routes_with_linkdown"
        outs.append(why)
        weights.append(None if why else nh.weight)
    bounds = upper_bounds(weights)
    hops: list[Hop] = []
    for nh, bound, why in zip(nexthops, bounds, outs, strict=True):
        good: bool | None = True
        if use_neigh != 0 and why is None:
            checked, text = neighbour_check(ctx, nh)
            if use_neigh is None and checked is not True:
                checked = None  # the sysctl itself is unknown: it may or may not apply
            good = checked
            if checked is False:
                why = f"{text} (fib_multipath_use_neigh)"
        match = False
        if flow.src and why is None:
            gw = int4(nh.gateway) if nh.gateway and ":" not in nh.gateway else 0
            saddr, _ = inet_select_addr(ctx, nh.oif or 0, gw, route.scope, False)
            match = saddr == flow.src
        hops.append(Hop(nh, nh.weight, bound, good, match, why))
    return hops


def hop_text(ctx: Context, nh: Nexthop) -> str:
    """``via 10.1.0.254 dev e1`` (or ``dev e1``)."""
    where = f"dev {ctx.dev_name(nh.oif)}"
    return f"via {nh.gateway} {where}" if nh.gateway else where


def select_multipath(
    ctx: Context, route: Route, flow: Flow, lookup_index: int, hash_value: int | None = None
) -> Selection:
    """``fib_select_multipath`` for an IPv4 multipath route (output path: the flow's given
    source; input path: ``flow.src`` must be 0, the kernel passes no source there)."""
    use_neigh = ctx.state.sysctls.fib_multipath_use_neigh
    hops = route_hops(ctx, route, flow, use_neigh)
    saddr = bool(flow.src)
    pick, counts, reason = decide(hops, saddr, lookup_index, FIB, hash_value)
    notes = [f"next hop {hop_text(ctx, h.nexthop)} is out: {h.why_out}" for h in hops if h.why_out]
    if saddr and any(hop.saddr_match for hop in hops):
        owners = [hop_text(ctx, hop.nexthop) for hop in hops if hop.saddr_match]
        notes.append(
            f"the source {to_text(AF_INET, flow.src)} is the address of "
            f"{', '.join(owners)}: preferred"
        )
    if use_neigh is None and any(hop.good is None for hop in hops):
        notes.append("fib_multipath_use_neigh was not captured: tried on and off")
    candidates = tuple(
        Candidate(i, hops[i].nexthop, hops[i].weight, counts[i] / HASH_SPACE)
        for i in sorted(counts)
    )
    return Selection(pick, candidates, reason, tuple(notes), _why(hops, saddr, hash_value))


def _why(hops: Sequence[Hop], saddr: bool, hash_value: int | None) -> str:
    """Why the pick does not depend on the hash (or that the known hash made it)."""
    running = [hop for hop in hops if hop.upper_bound >= 0 and hop.good is not False]
    if hash_value is not None:
        return f"the flow hash {hash_value:#010x} falls to it"
    if not running:
        return "no next hop is in the running: the table lookup's choice stays"
    if saddr and sum(hop.saddr_match for hop in running) == 1:
        return "the only next hop whose source address is the flow's source"
    if len(running) == 1:
        return "the only next hop in the running"
    return "every flow hash leads to it"


def candidate_json(ctx: Context, nh: Nexthop, weight: int, share: float | None) -> dict[str, Any]:
    """One candidate as the JSON ``candidates`` list shows it."""
    return {
        "gateway": nh.gateway,
        "dev": ctx.dev_name(nh.oif),
        "weight": weight,
        "share": None if share is None else round(share, 6),
    }


def flow_hash(ctx: Context, flow: Flow) -> int | None:
    """The flow's multipath hash when the namespace fixed the hash seed, else None (a seed
    of 0 is a random per-boot key; a policy or field set not captured cannot be used)."""
    sysctls = ctx.state.sysctls
    seed = sysctls.fib_multipath_hash_seed
    if not seed:
        return None
    if flow.family == AF_INET:
        policy: int | None = sysctls.fib_multipath_hash_policy
        fields = sysctls.fib_multipath_hash_fields
    else:
        policy, fields = sysctls.ipv6_multipath_hash_policy, sysctls.ipv6_multipath_hash_fields
    if policy is None or (policy == 3 and fields is None):
        return None
    v6 = flow.family != AF_INET
    size = 16 if v6 else 4
    proto, sport, dport = flow.l4
    if not v6 and proto not in (IPPROTO_TCP, IPPROTO_UDP):
        sport = dport = 0  # the route-get packet carries ports only in a TCP or UDP header
    return multipath_hash(
        seed,
        policy,
        fields or 0,
        v6,
        flow.src.to_bytes(size, "big"),
        flow.dst.to_bytes(size, "big"),
        proto,
        sport,
        dport,
        flow.flowlabel if v6 else 0,  # rt6_multipath_hash: policies 0, 2 and field 0x8
    )


def pick_multipath(
    ctx: Context, hit: Hit, flow: Flow, tr: Tracer, hash_value: int | None = None
) -> Hit:
    """The hit with the next hop ``fib_select_multipath`` takes; when the hash decides, the
    lookup's own next hop stays, the trace lists the candidates and is not predicted."""
    route = hit.route
    assert route is not None
    sel = select_multipath(ctx, route, flow, hit.nh_index, hash_value)
    label = f"multipath route {prefix_text(route.family, hit.net, hit.plen)}"
    return apply_selection(ctx, hit, sel, tr, label)


def apply_selection(ctx: Context, hit: Hit, sel: Selection, tr: Tracer, label: str) -> Hit:
    """Report ``sel`` in the trace (``label`` names the route or group) and give the hit
    with the chosen next hop of ``hit.route``; when nothing is chosen, the lookup's own next
    hop stays, the candidates are listed and the answer is not predicted."""
    route = hit.route
    assert route is not None
    for note in sel.notes:
        tr.add(NEXTHOP, note)
    if sel.index is None:
        tr.candidates = [candidate_json(ctx, c.nexthop, c.weight, c.share) for c in sel.candidates]
        if tr.on:
            listing = "; ".join(
                f"{hop_text(ctx, c.nexthop)} weight {c.weight}"
                + ("" if c.share is None else f" ({c.share:.1%} of flows)")
                for c in sel.candidates
            )
            tr.add(PATH, f"{label}: the kernel picks one of {listing}")
        tr.unpredictable(f"{label}: {sel.reason}")
        return hit
    nh = route.nexthops()[sel.index]
    if tr.on:
        tr.add(PATH, f"{label}: next hop {hop_text(ctx, nh)}, {sel.why}")
    return replace_hit(hit, nh, sel.index)


def replace_hit(hit: Hit, nh: Nexthop, index: int) -> Hit:
    """The hit with another next hop of the same route."""
    return replace(hit, nh=nh, nh_index=index)
