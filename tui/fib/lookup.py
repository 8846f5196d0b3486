"""One table lookup, as ``fib_table_lookup`` (IPv4) and ``fib6_table_lookup`` (IPv6) do it.

IPv4 (net/ipv4/fib_trie.c): longest prefix first; at a prefix the routes in kernel order; a
route with a tos only for flows with that tos; a reject type ends the lookup *at this prefix*
with its error (throw: a miss for the rule layer); next hops that are dead, linkdown with
``ignore_routes_with_linkdown``, or not on the flow's oif are skipped; a route without a usable
next hop is passed over and, when nothing at a prefix survives, shorter prefixes are tried.

IPv6 (net/ipv6/route.c ``rt6_select``/``find_rr_leaf``): at a prefix the routes of the lowest
metric are scored (on the wanted device, router preference) and the first best wins; when none
is usable the remaining routes are tried, then shorter prefixes.  Source-specific routes
(``from``) live in source subtrees that change that order: ``tui.fib.subtrees6``.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable

from tui.fib.addr import prefix_text, to_text
from tui.fib.context import Context
from tui.fib.flow import EAGAIN, Flow, Hit
from tui.fib.subtrees6 import Node6, fib6_nodes, plain_nodes
from tui.fib.table import Match, TableIndex
from tui.fib.trace import NEXTHOP, ROUTE, TABLE, Tracer
from tui.model import (
    AF_INET,
    NUD_FAILED,
    RTN_BLACKHOLE,
    RTN_NAT,
    RTN_PROHIBIT,
    RTN_THROW,
    RTN_UNICAST,
    RTN_UNREACHABLE,
    RTNH_F_DEAD,
    RTNH_F_LINKDOWN,
    Nexthop,
    Route,
)
from tui.names import TYPE_NAMES as TYPE_NAMES

# fib_props[type].error
TYPE_ERROR = {
    RTN_BLACKHOLE: errno.EINVAL,
    RTN_UNREACHABLE: errno.EHOSTUNREACH,
    RTN_PROHIBIT: errno.EACCES,
    RTN_THROW: EAGAIN,
    RTN_NAT: errno.EINVAL,
}


def type_name(rtype: int | None) -> str | None:
    """``unicast`` for RTN_UNICAST."""
    if rtype is None:
        return None
    return TYPE_NAMES.get(rtype, str(rtype))


def route_text(ctx: Context, route: Route, plen: int | None = None) -> str:
    """A route in ``ip route`` words: ``10.64.0.0/10 via 10.1.0.254 dev e1 metric 5``."""
    parts: list[str] = []
    if route.type != RTN_UNICAST:
        parts.append(type_name(route.type) or "")
    dst_len = route.dst_len if plen is None else plen
    if dst_len == 0:
        parts.append("default")
    elif (route.family == AF_INET and dst_len == 32) or dst_len == 128:
        parts.append(route.dst)
    else:
        parts.append(f"{route.dst}/{dst_len}")
    if route.src_len:
        parts.append(src_text(route))
    if route.nhid is not None:
        parts.append(f"nhid {route.nhid}")
    if route.tos:
        parts.append(f"tos {route.tos:#x}")
    if not route.multipath:
        if route.gateway:
            parts += ["via", route.gateway]
        if route.oif is not None and route.type not in TYPE_ERROR:
            parts += ["dev", ctx.dev_name(route.oif)]
    else:
        for nh in route.multipath:
            parts.append("nexthop")
            if nh.gateway:
                parts += ["via", nh.gateway]
            parts += ["dev", ctx.dev_name(nh.oif)]
    if route.priority:
        parts += ["metric", str(route.priority)]
    return " ".join(parts)


def nexthop_text(ctx: Context, nh: Nexthop) -> str:
    """``10.3.0.254 dev e3`` or ``dev e3``."""
    where = f"dev {ctx.dev_name(nh.oif)}"
    return f"{nh.gateway} {where}" if nh.gateway else where


def nexthop_unusable(ctx: Context, nh: Nexthop, flow: Flow, family: int) -> str | None:
    """Why ``fib_lookup_good_nhc`` (or IPv6 ``find_match``) rejects a next hop, or None."""
    linkdown = bool(nh.flags & RTNH_F_LINKDOWN)
    if (
        linkdown
        and not flow.ignore_linkstate
        and (ctx.ignore_linkdown(nh.oif, family) or nh.flags & RTNH_F_DEAD)
    ):
        return "linkdown and ignore_routes_with_linkdown=1"
    if nh.flags & RTNH_F_DEAD:
        return "dead (its device is down)"
    if flow.oif and family == AF_INET and nh.oif != flow.oif:
        return f"dev {ctx.dev_name(nh.oif)} is not the oif {ctx.dev_name(flow.oif)}"
    return None


def describe_matches(tr: Tracer, label: str, family: int, matches: list[Match]) -> None:
    """``table main: 10.0.0.0/8 and 10.64.0.0/10 match, 10.64.0.0/10 wins (longer prefix)``."""
    names = [prefix_text(family, net, plen) for plen, net, _ in matches]
    data = {"table": label, "matches": names}
    if not names:
        tr.add(TABLE, f"table {label}: no match", **data)
    elif len(names) == 1:
        tr.add(TABLE, f"table {label}: {names[0]} matches", **data)
    else:
        shown = list(reversed(names))
        listing = ", ".join(shown[:-1]) + " and " + shown[-1]
        tr.add(TABLE, f"table {label}: {listing} match, {names[0]} is the longest prefix", **data)


def _why_first(ctx: Context, chosen: Route, others: list[Route]) -> str:
    rest = [r for r in others if r is not chosen]
    if not rest:
        return ""
    other = rest[0]
    if chosen.tos != other.tos:
        return f" (a route with tos {chosen.tos:#x} comes before tos {other.tos:#x})"
    if chosen.table != other.table:
        return f" (table {ctx.table_name(chosen.table)} comes first in the merged trie)"
    mine, theirs = chosen.priority or 0, other.priority or 0
    if mine < theirs:
        return f": metric {mine} beats metric {theirs}"
    return f": equal metric {mine}, it comes first in the table"


def lookup4(ctx: Context, index: TableIndex, flow: Flow, tr: Tracer, label: str) -> Hit:
    """``fib_table_lookup`` on one IPv4 table (or the merged local+main trie)."""
    on = tr.on
    if not on:
        return _quick4(ctx, index, flow)
    matches = index.matches(flow.dst)
    describe_matches(tr, label, AF_INET, matches)
    tos = flow.dscp & 0x1C
    previous: str | None = None
    for plen, net, routes in matches:
        if on and previous is not None:
            tr.add(
                TABLE,
                f"table {label}: nothing usable at {previous}, falling back to "
                f"{prefix_text(AF_INET, net, plen)} (shorter prefix)",
            )
        for route in routes:
            if route.tos and route.tos != tos:
                if on:
                    tr.add(
                        ROUTE,
                        f"{route_text(ctx, route)} skipped: it is for tos "
                        f"{route.tos:#x}, the flow has tos {tos:#x}",
                    )
                continue
            err = TYPE_ERROR.get(route.type, 0)
            if err:
                if on:
                    what = (
                        "a miss: the rule layer goes on"
                        if err == EAGAIN
                        else (f"{errno.errorcode[err]}")
                    )
                    tr.add(
                        ROUTE,
                        f"{route_text(ctx, route)} matches: {type_name(route.type)} route, {what}",
                        route=route_text(ctx, route),
                    )
                return Hit(err, route.table, route, plen, net)
            for number, nh in enumerate(route.nexthops()):
                why = nexthop_unusable(ctx, nh, flow, AF_INET)
                if why is not None:
                    if on:
                        tr.add(
                            NEXTHOP,
                            f"next hop {nexthop_text(ctx, nh)} of "
                            f"{prefix_text(AF_INET, net, plen)} skipped: {why}",
                        )
                    continue
                if on:
                    why = _why_first(ctx, route, routes)
                    tr.add(
                        ROUTE, f"{route_text(ctx, route)} chosen{why}", route=route_text(ctx, route)
                    )
                return Hit(0, route.table, route, plen, net, nh, number)
            if on:
                tr.add(ROUTE, f"{route_text(ctx, route)} passed over: no usable next hop")
        previous = prefix_text(AF_INET, net, plen)
    return Hit(EAGAIN, index.table)


def _quick4(ctx: Context, index: TableIndex, flow: Flow) -> Hit:
    """lookup4 without explanations: the hot path of a batch (no generator, no text)."""
    dst, tos, oif = flow.dst, flow.dscp & 0x1C, flow.oif
    for plen, mask, bucket in index.lengths:
        slot = bucket.get(dst & mask)
        if slot is None:
            continue
        for route in (slot,) if slot.__class__ is Route else slot:  # type: ignore[union-attr]
            if route.tos and route.tos != tos:
                continue
            err = TYPE_ERROR.get(route.type, 0)
            if err:
                return Hit(err, route.table, route, plen, dst & mask)
            if route.multipath or route.flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN) or oif:
                for number, nh in enumerate(route.nexthops()):
                    if nexthop_unusable(ctx, nh, flow, AF_INET) is None:
                        return Hit(0, route.table, route, plen, dst & mask, nh, number)
                continue
            return Hit(0, route.table, route, plen, dst & mask, route.nexthops()[0], 0)
    return Hit(EAGAIN, index.table)


def _decode_pref(pref: int | None) -> int:
    """IPV6_DECODE_PREF: medium 2, high 3, low 1."""
    return ((pref or 0) & 3) ^ 2


def _score6(
    ctx: Context, route: Route, nh: Nexthop, flow: Flow, reachable: bool
) -> tuple[int, str | None]:
    why = nexthop_unusable(ctx, nh, flow, route.family)
    if why is not None:
        return -1, why
    on_dev = not flow.score_oif or nh.oif == flow.score_oif
    if not on_dev and flow.strict_iface:
        return -1, f"dev {ctx.dev_name(nh.oif)} is not {ctx.dev_name(flow.score_oif)}"
    if reachable and nh.gateway:
        state = ctx.neighbours.state(nh.gateway, nh.oif)
        if state is not None and state & NUD_FAILED:
            return -2, (
                f"neighbour {nh.gateway} is FAILED and IPv6 forwarding is off "
                "(RT6_LOOKUP_F_REACHABLE: rt6_check_neigh)"
            )
    return (2 if on_dev else 0) | (_decode_pref(route.pref) << 2), None


def _best6(
    ctx: Context, routes: list[Route], flow: Flow, tr: Tracer, where: str, reachable: bool
) -> tuple[Route, Nexthop, int, int] | None:
    """find_rr_leaf: the first best-scored route of the lowest metric, else of the rest."""
    first_metric = routes[0].priority or 0
    cont = next(
        (i for i, route in enumerate(routes) if (route.priority or 0) != first_metric),
        len(routes),
    )
    best = _best_scored(ctx, routes[:cont], flow, tr, where, reachable)
    if best is not None or cont == len(routes):
        return best
    if tr.on:
        tr.add(ROUTE, f"no usable route of metric {first_metric} at {where}: trying higher metrics")
    return _best_scored(ctx, routes[cont:], flow, tr, where, reachable)


def _best_scored(
    ctx: Context, routes: list[Route], flow: Flow, tr: Tracer, where: str, reachable: bool
) -> tuple[Route, Nexthop, int, int] | None:
    """The first next hop with the highest score among ``routes`` (None: none usable)."""
    best: tuple[Route, Nexthop, int, int] | None = None
    best_score = -1
    for route in routes:
        if route.nhid is not None and route.type == RTN_BLACKHOLE and route.oif is None:
            # __find_rr_leaf: a blackhole nexthop object ends the search, whatever the device.
            if tr.on:
                tr.add(NEXTHOP, f"{where}: route through blackhole nexthop {route.nhid}")
            return route, route.nexthops()[0], 0, 0
        for number, nh in enumerate(route.nexthops()):
            score, why = _score6(ctx, route, nh, flow, reachable)
            if why is not None and tr.on:
                tr.add(NEXTHOP, f"next hop {nexthop_text(ctx, nh)} of {where} skipped: {why}")
            if score > best_score:
                best, best_score = (route, nh, number, score), score
    return best


def lookup6(ctx: Context, index: TableIndex, flow: Flow, tr: Tracer, label: str) -> Hit:
    """``fib6_table_lookup``: the fib6 nodes in the kernel's order (destination prefixes,
    longest first, and their source subtrees: ``tui.fib.subtrees6``), ``rt6_select`` at each
    until one gives a usable route.  With IPv6 forwarding off the kernel first refuses gateways
    whose neighbour entry is FAILED (``RT6_LOOKUP_F_REACHABLE``); when that leaves nothing, it
    walks again without the check ("also consider unreachable route")."""
    # Only a FAILED entry makes rt6_check_neigh refuse (CONFIG_IPV6_ROUTER_PREF): without one
    # the check changes nothing and is skipped.
    reachable = not ctx.state.sysctls.ipv6_forwarding_all and ctx.neighbours.failed6
    hit = _walk6(ctx, index, flow, tr, label, reachable)
    if hit.err == EAGAIN and hit.route is None and reachable and _any_failed(ctx, index, flow):
        if tr.on:
            tr.add(TABLE, f"table {label}: again without the neighbour check (rt6_select)")
        hit = _walk6(ctx, index, flow, tr, label, False)
    return hit


def _any_failed(ctx: Context, index: TableIndex, flow: Flow) -> bool:
    """A matching route has a gateway whose neighbour is FAILED (a second walk may differ)."""
    for _plen, _net, routes in index.matches(flow.dst):
        for route in routes:
            for nh in route.nexthops():
                state = ctx.neighbours.state(nh.gateway, nh.oif) if nh.gateway else None
                if state is not None and state & NUD_FAILED:
                    return True
    return False


def _walk6(
    ctx: Context, index: TableIndex, flow: Flow, tr: Tracer, label: str, reachable: bool
) -> Hit:
    on = tr.on
    matches: Iterable[Match]
    if on:
        listed = index.matches(flow.dst)
        describe_matches(tr, label, index.family, listed)
        matches = listed
    else:
        matches = index.iter_matches(flow.dst)
    subtrees = index.table in ctx.subtrees6
    nodes = fib6_nodes(matches, flow.src) if subtrees else plain_nodes(matches)
    previous: str | None = None
    for node in nodes:
        where = node_text(index.family, node)
        if node.skipped:
            if on:
                tr.add(
                    TABLE,
                    f"table {label}: {where} has routes only for other sources ("
                    + ", ".join(sorted({src_text(r) for r in node.routes if r.src_len}))
                    + f"), none holding {to_text(index.family, flow.src)}: the kernel passes "
                    "over this prefix, its routes without `from` included (fib6_node_lookup)",
                )
            continue
        routes = node.routes
        if on and previous is not None:
            tr.add(TABLE, f"table {label}: nothing usable at {previous}, falling back to {where}")
        best = _best6(ctx, routes, flow, tr, where, reachable)
        if best is not None:
            route, nh, number, _score = best
            if on:
                tr.add(
                    ROUTE,
                    f"{route_text(ctx, route)} chosen{_why_first(ctx, route, routes)}",
                    route=route_text(ctx, route),
                )
            err = TYPE_ERROR.get(route.type, 0)
            if err and on:
                tr.add(
                    ROUTE,
                    f"{type_name(route.type)} route: "
                    + ("a miss, the rule layer goes on" if err == EAGAIN else errno.errorcode[err]),
                )
            return Hit(err, route.table, route, node.plen, node.net, nh, number)
        previous = where
    return Hit(EAGAIN, index.table)


def src_text(route: Route) -> str:
    """``from 2001:db8:1::/64`` as ``ip route`` writes a route's source prefix."""
    bits = 32 if route.family == AF_INET else 128
    plen = route.src_len
    return f"from {route.src}" + ("" if plen == bits else f"/{plen}")


def node_text(family: int, node: Node6) -> str:
    """A fib6 node in words: ``2001:db8:600::/48`` or ``2001:db8:600::/48 from 2001:db8:1::/64``."""
    where = prefix_text(family, node.net, node.plen)
    if node.src_len:
        src = to_text(family, node.src_net)
        where += f" from {src}" + ("" if node.src_len == 128 else f"/{node.src_len}")
    return where


def gateway_text(nh: Nexthop | None) -> str | None:
    """The next hop's gateway as text (None for a direct route)."""
    return nh.gateway if nh is not None and nh.gateway else None


__all__ = ["lookup4", "lookup6", "route_text", "to_text", "type_name"]
