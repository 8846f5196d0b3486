"""The output path: a packet this host sends (``ip route get DST`` without ``iif``).

IPv4 follows net/ipv4/route.c ``ip_route_output_key_hash_rcu`` and ``__mkroute_output``: a
given source must be local (else ENETUNREACH), a given oif must exist and be up; the rules and
tables decide; with an oif and no route the kernel assumes the destination is on-link; a local
destination goes through ``lo``; multipath and equal-metric defaults are chosen by flow hash and
neighbour state (not predictable from a dump); then the source address.
IPv6 follows ``ip6_route_output_flags`` and ``rt6_fill_node``.
"""

from __future__ import annotations

import errno
from dataclasses import replace

from tui.fib.addr import (
    int4,
    prefix_text,
    text4,
    to_text,
    v4_lbcast,
    v4_local_multicast,
    v4_loopback,
    v4_multicast,
    v4_zeronet,
    v6_need_strict,
)
from tui.fib.anycast6 import anycast_on_lo
from tui.fib.context import Context
from tui.fib.defaults import select_default
from tui.fib.flow import Flow, Hit
from tui.fib.l3mdev import master_of
from tui.fib.lookup import gateway_text, lookup4, type_name
from tui.fib.multipath import candidate_json, flow_hash, pick_multipath
from tui.fib.nexthops import path_choice, source_address, source_device6
from tui.fib.rule_match import ACTION_NAMES
from tui.fib.rules import fib_lookup
from tui.fib.siblings6 import select_sibling6
from tui.fib.srcaddr import inet_select_addr, ipv6_dev_get_saddr
from tui.fib.trace import CHECK, NEXTHOP, PATH, SOURCE, Tracer, Verdict
from tui.fib.via import gateway_family, gw4_union
from tui.model import (
    AF_INET,
    IFF_LOOPBACK,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RT_SCOPE_UNIVERSE,
    RT_TABLE_LOCAL,
    RTN_ANYCAST,
    RTN_BROADCAST,
    RTN_LOCAL,
    RTN_MULTICAST,
    RTN_UNICAST,
    Nexthop,
)

IPPROTO_IGMP = 2


def route_prefix(hit: Hit | None) -> str | None:
    """The matched prefix as text, straight from the route (already canonical)."""
    if hit is None or hit.route is None:
        return None
    route = hit.route
    return f"{route.dst}/{route.dst_len}" if route.dst_len else "default"


def error_verdict(hit: Hit) -> Verdict:
    """The verdict for a lookup that ended in an error."""
    if hit.rule_action is not None:
        kind: str | None = ACTION_NAMES.get(hit.rule_action)
    else:
        kind = type_name(hit.type)
    family = hit.route.family if hit.route is not None else AF_INET
    prefix = prefix_text(family, hit.net, hit.plen) if hit.route is not None else None
    return Verdict(kind, hit.err, hit.table, hit.rule, prefix)


def ip_dev_find(ctx: Context, addr: int) -> int | None:
    """__ip_dev_find: the device holding the address, or a local route of table local
    (127.0.0.0/8, local ranges) covering it."""
    dev = ctx.local4.get(addr)
    if dev is not None:
        return dev
    if next(ctx.local_types4.iter_matches(addr), None) is None:
        return None
    index = ctx.merged4 if ctx.merged4 is not None else ctx.table(AF_INET, RT_TABLE_LOCAL)
    if index is None:
        return None
    hit = lookup4(ctx, index, Flow(AF_INET, addr), Tracer(False), "local")
    if hit.err == 0 and hit.type == RTN_LOCAL and hit.nh is not None:
        return hit.nh.oif
    return None


def uses_gateway(ctx: Context, nh: Nexthop | None, tr: Tracer) -> str | None:
    """rt_set_nexthop: the gateway counts only when the next hop has link scope; a gateway
    that is one of this host's own addresses resolves through a host-scope local route."""
    gateway = gateway_text(nh)
    if gateway is None or gateway_family(gateway) != AF_INET:
        return gateway  # an IPv6 neighbour (RTA_VIA) is never one of our IPv4 addresses
    if ip_dev_find(ctx, int4(gateway)) is not None:
        tr.add(
            PATH,
            f"gateway {gateway} is a local address: its next hop has host scope, so "
            "the kernel sends directly (no gateway)",
        )
        return None
    return gateway


def _path_choice(ctx: Context, hit: Hit, flow: Flow, tr: Tracer) -> Hit:
    """fib_select_path: without an oif, a multipath route's next hop (fib_select_multipath),
    else among equal default routes (fib_select_default); the hit as the kernel leaves it."""
    route = hit.route
    if (group := path_choice(ctx, hit, flow, tr)) is not None:  # a nexthop group
        return group
    if route is None or flow.oif:
        return hit
    if len(route.multipath) > 1:
        return pick_multipath(ctx, hit, flow, tr, flow_hash(ctx, flow))
    choice = select_default(ctx, route, hit.plen, flow)
    if choice is None:
        return hit
    for note in choice.notes:
        tr.add(NEXTHOP, note)
    if choice.route is None:
        tr.candidates = [candidate_json(ctx, r.nexthops()[0], 1, None) for r in choice.candidates]
        tr.unpredictable(choice.reason or "fib_select_default")
        return hit
    chosen = choice.route
    if chosen is not route:
        tr.add(
            PATH,
            f"default via {chosen.gateway} is taken instead (fib_select_default: its gateway "
            "looks alive)",
        )
    else:
        tr.add(PATH, f"default via {route.gateway} stays (fib_select_default)")
    return replace(hit, route=chosen, nh=chosen.nexthops()[0], nh_index=0)


def output4(ctx: Context, flow: Flow, tr: Tracer, src_given: bool) -> Verdict:
    """``ip_route_output_key_hash_rcu`` for IPv4."""
    on = tr.on
    dev_out: int | None = None
    if flow.src:
        if v4_multicast(flow.src) or v4_lbcast(flow.src) or v4_zeronet(flow.src):
            tr.add(
                CHECK,
                f"source {to_text(AF_INET, flow.src)} is multicast, broadcast or 0.0.0.0/8: EINVAL",
            )
            return Verdict(None, errno.EINVAL)
        owner = ip_dev_find(ctx, flow.src)
        if owner is None:
            tr.add(
                CHECK, f"source {to_text(AF_INET, flow.src)} is not a local address: ENETUNREACH"
            )
            return Verdict(None, errno.ENETUNREACH)
        if not flow.oif and (v4_multicast(flow.dst) or v4_lbcast(flow.dst)):
            flow.oif = owner
            tr.add(
                CHECK, f"multicast/broadcast from a local address: sent on {ctx.dev_name(owner)}"
            )
            return _make(ctx, flow, tr, None, owner, RTN_UNICAST, src_given)
        if on:
            tr.add(
                CHECK, f"source {to_text(AF_INET, flow.src)} is local (on {ctx.dev_name(owner)})"
            )
    if flow.oif:
        link = ctx.links.get(flow.oif)
        dev_out = flow.oif
        if link is None:
            return Verdict(None, errno.ENODEV)
        if not link.up:
            tr.add(CHECK, f"oif {link.name} is down: ENETUNREACH")
            return Verdict(None, errno.ENETUNREACH)
        if v4_local_multicast(flow.dst) or v4_lbcast(flow.dst) or flow.proto == IPPROTO_IGMP:
            if not flow.src:
                flow.src, why = inet_select_addr(ctx, dev_out, 0, RT_SCOPE_LINK)
                tr.add(SOURCE, f"source {to_text(AF_INET, flow.src)}: {why}")
            return _make(ctx, flow, tr, None, dev_out, RTN_UNICAST, src_given)
        if not flow.src and v4_multicast(flow.dst):
            flow.src, _ = inet_select_addr(ctx, dev_out, 0, RT_SCOPE_UNIVERSE)
        elif not flow.src and not flow.dst:
            flow.src, _ = inet_select_addr(ctx, dev_out, 0, RT_SCOPE_HOST)
    if not flow.dst:
        flow.dst = flow.src or 0x7F000001
        flow.src = flow.src or 0x7F000001
        tr.add(CHECK, "destination 0.0.0.0: the packet loops back to this host")
        return _make(ctx, flow, tr, None, ctx.lo_index, RTN_LOCAL, src_given)
    hit = fib_lookup(ctx, flow, tr)
    if hit.err:
        if flow.oif and flow.l3mdev and not v4_multicast(flow.dst) and on:
            tr.add(
                PATH,
                f"no usable route in VRF {ctx.dev_name(flow.l3mdev)}: with an oif in a VRF "
                "the kernel does not assume the destination is on-link",
            )
        if flow.oif and dev_out is not None and (v4_multicast(flow.dst) or not flow.l3mdev):
            tr.add(
                PATH,
                f"no usable route, but oif {ctx.dev_name(dev_out)} is given: the kernel "
                "assumes the destination is on-link there",
            )
            if not flow.src:
                flow.src, why = inet_select_addr(ctx, dev_out, 0, RT_SCOPE_LINK)
                if on:
                    tr.add(SOURCE, f"source {to_text(AF_INET, flow.src)}: {why}")
            return _make(ctx, flow, tr, None, dev_out, RTN_UNICAST, src_given, table=0)
        return error_verdict(hit)
    route = hit.route
    assert route is not None and hit.nh is not None
    if route.type == RTN_LOCAL:
        if not flow.src:
            if route.prefsrc:
                flow.src = int4(route.prefsrc)
                why = "the local route's prefsrc"
            else:
                flow.src, why = flow.dst, "the destination itself"
            if on:
                tr.add(SOURCE, f"source {to_text(AF_INET, flow.src)}: {why}")
        vrf = master_of(ctx, hit.nh.oif)
        if vrf:
            tr.add(
                PATH,
                f"local destination in VRF {ctx.dev_name(vrf)}: the VRF device is the loopback "
                "of its domain (l3mdev_master_dev_rcu)",
            )
        else:
            tr.add(PATH, "local destination: the packet is delivered through lo")
        return _make(ctx, flow, tr, hit, vrf or ctx.lo_index, RTN_LOCAL, src_given)
    hit = _path_choice(ctx, hit, flow, tr)
    route = hit.route
    assert route is not None and hit.nh is not None
    if not flow.src:
        if route.prefsrc:
            flow.src = int4(route.prefsrc)
            why = f"prefsrc of {prefix_text(AF_INET, hit.net, hit.plen)}"
        elif (picked := source_address(ctx, hit, tr)) is not None:
            flow.src, why = picked
        else:
            gw = gw4_union(hit.nh.gateway)
            flow.src, why = inet_select_addr(ctx, hit.nh.oif or 0, gw, route.scope, on)
        if on:
            tr.add(SOURCE, f"source {to_text(AF_INET, flow.src)}: {why}")
    return _make(ctx, flow, tr, hit, hit.nh.oif or 0, route.type, src_given)


def _make(
    ctx: Context,
    flow: Flow,
    tr: Tracer,
    hit: Hit | None,
    dev: int,
    rtype: int,
    src_given: bool,
    table: int | None = None,
) -> Verdict:
    """__mkroute_output: loopback sources, broadcast/multicast types, the gateway."""
    link = ctx.links.get(dev)
    is_lo = link is not None and bool(link.flags & IFF_LOOPBACK)
    if v4_loopback(flow.src) and not is_lo and not ctx.route_localnet(dev):
        tr.add(
            CHECK,
            f"source {to_text(AF_INET, flow.src)} is a loopback address leaving "
            f"{ctx.dev_name(dev)} without route_localnet: EINVAL",
        )
        return Verdict(None, errno.EINVAL)
    use_fi = hit is not None
    if v4_lbcast(flow.dst):
        rtype, use_fi = RTN_BROADCAST, False
    elif v4_multicast(flow.dst):
        rtype = RTN_MULTICAST
        if hit is not None and hit.plen < 4:
            use_fi = False
    elif v4_zeronet(flow.dst):
        tr.add(CHECK, "destination in 0.0.0.0/8: EINVAL")
        return Verdict(None, errno.EINVAL)
    gateway = uses_gateway(ctx, hit.nh, tr) if use_fi and hit is not None else None
    if hit is not None and table is None:
        table = hit.table
    prefix = route_prefix(hit)
    prefsrc = text4(flow.src) if flow.src else None
    verdict = Verdict(
        type_name(rtype),
        0,
        table,
        hit.rule if hit else None,
        prefix,
        gateway,
        ctx.dev_name(dev) if dev else None,  # none: a next hop that was not read (nhid)
        prefsrc,
    )
    return verdict


def output6(ctx: Context, flow: Flow, tr: Tracer) -> Verdict:
    """``ip6_route_output_flags``: strict for link-local/multicast or an oif without source."""
    flow.strict_iface = v6_need_strict(flow.dst) or bool(flow.oif and not flow.has_saddr)
    flow.score_oif = flow.oif
    if flow.oif and flow.oif not in ctx.links:
        return Verdict(None, errno.ENODEV)
    if tr.on and flow.strict_iface and flow.oif:
        tr.add(CHECK, f"only routes through {ctx.dev_name(flow.oif)} qualify")
    hit = fib_lookup(ctx, flow, tr)
    if hit.err:
        if tr.on and not flow.has_saddr and ctx.subtrees6:
            tr.add(
                PATH,
                "ip route get looks up once with source ::, as answered here; a socket "
                "sending without a bound source (ip6_dst_lookup_tail) would pick a source and "
                "look up again, which source-specific routes may then match",
            )
        return error_verdict(hit)
    return finish6(ctx, flow, tr, hit, output=True)


def finish6(ctx: Context, flow: Flow, tr: Tracer, hit: Hit, output: bool) -> Verdict:
    """The IPv6 route as rt6_fill_node reports it: dev (lo for local and the kernel's own
    anycast routes), gateway, prefsrc."""
    if (chosen := path_choice(ctx, hit, flow, tr)) is not None:  # a nexthop group
        hit = chosen  # hashed whatever the oif (fib6_select_path)
    else:
        select_sibling6(ctx, hit, flow, tr)
    route, nh = hit.route, hit.nh
    assert route is not None and nh is not None
    on_lo = route.type == RTN_LOCAL
    if route.type == RTN_ANYCAST:
        lo = anycast_on_lo(ctx, route)
        if lo is None:
            tr.unpredictable(
                f"anycast route {route_prefix(hit)} is proto kernel but /proc/net/ipv6_route "
                "does not say whether the kernel made it (RTF_ANYCAST: answered on lo) or a "
                "user did (answered on its device)"
            )
        on_lo = lo is not False
        if tr.on:
            tr.add(
                PATH,
                "anycast address of this host (RTF_ANYCAST): the answer names lo"
                if on_lo
                else "anycast route added by a user (no RTF_ANYCAST): the answer names its "
                "device and gateway",
            )
    dev = ctx.lo_index if on_lo else (nh.oif or 0)
    prefsrc: str | None = None
    if output:
        if route.prefsrc:
            prefsrc = route.prefsrc
            why = "the route's prefsrc"
        else:
            src_dev = source_device6(route, nh)
            value, why = ipv6_dev_get_saddr(ctx, src_dev, flow.dst)
            if src_dev != nh.oif and why:
                why += f" (as for {ctx.dev_name(src_dev)}: the group's first member)"
            prefsrc = to_text(route.family, value) if value is not None else None
        if tr.on and prefsrc:
            tr.add(SOURCE, f"source {prefsrc}: {why}")
    if route.type == RTN_LOCAL and tr.on:
        tr.add(PATH, "local destination: delivered through lo")
    return Verdict(
        type_name(route.type),
        0,
        hit.table,
        hit.rule,
        prefix_text(route.family, hit.net, hit.plen),
        None if on_lo else gateway_text(nh),
        ctx.dev_name(dev) if dev else None,
        prefsrc,
    )
