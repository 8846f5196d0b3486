"""The input path: a packet arriving on ``iif`` from ``from`` (``ip route get ... iif DEV``).

IPv4 follows net/ipv4/route.c ``ip_route_input_slow``: martians first (EINVAL), then the rules
and tables; no route is EHOSTUNREACH when the input device does not forward; local and
broadcast destinations are delivered after the source check; anything else needs forwarding
on the input device (else EHOSTUNREACH) and a source check against the output device.
The source check is ``fib_validate_source`` (net/ipv4/fib_frontend.c): rp_filter is the larger
of conf/all and conf/DEV; strict mode needs the reverse route to leave through the input
device, loose mode any route back; without rp_filter only a local source is refused.
IPv6 (``ip6_route_input_lookup``) routes without these checks; forwarding is decided later.
"""

from __future__ import annotations

import errno
from dataclasses import replace

from tui.fib.addr import to_text, v4_lbcast, v4_loopback, v4_multicast, v4_zeronet
from tui.fib.context import Context
from tui.fib.flow import Flow, Hit
from tui.fib.l3mdev import master_of
from tui.fib.lookup import type_name
from tui.fib.multipath import flow_hash, pick_multipath
from tui.fib.nexthops import path_choice
from tui.fib.output import error_verdict, finish6, uses_gateway
from tui.fib.rules import fib_lookup
from tui.fib.trace import CHECK, PATH, Tracer, Verdict
from tui.model import AF_INET, RTN_BROADCAST, RTN_LOCAL, RTN_UNICAST

DROP, DELIVER, FORWARD = "drop", "deliver", "forward"


def _drop(verdict: Verdict) -> Verdict:
    return replace(verdict, action=DROP)


def validate_source(ctx: Context, flow: Flow, oif: int, tr: Tracer) -> str | None:
    """``fib_validate_source``: None when the source is acceptable, else why not."""
    iif = flow.iif
    src_text = to_text(AF_INET, flow.src)
    rpf = ctx.rp_filter(iif)
    tx_redirects = ctx.forwarding(iif)  # send_redirects is not in the state: its default is 1
    if not rpf and (iif != oif or not tx_redirects):
        if ctx.accept_local(iif):
            tr.add(CHECK, "rp_filter=0 and accept_local=1: the source is not checked")
            return None
        if not (ctx.custom_local_routes or ctx.custom_rules[AF_INET]):
            if flow.src in ctx.local4:
                return f"source {src_text} is one of this host's addresses (rp_filter=0)"
            tr.add(CHECK, f"rp_filter=0: source {src_text} is not a local address, accepted")
            return None
    mode = {0: "off", 1: "strict", 2: "loose"}.get(rpf, str(rpf))
    rev = Flow(
        AF_INET,
        flow.src,
        flow.dst,
        oif or ctx.lo_index,
        0,
        flow.mark if ctx.src_valid_mark(iif) else 0,
        flow.dscp,
        0,
    )
    rev.l3mdev = master_of(ctx, iif)  # __fib_validate_source: the input device's VRF
    if ctx.dissect4:
        rev.proto, rev.sport, rev.dport = flow.proto, flow.dport, flow.sport
    quiet = Tracer(False)
    hit = fib_lookup(ctx, rev, quiet)
    if hit.err:
        if rpf:
            return f"rp_filter {mode}: no route back to {src_text}"
        tr.add(CHECK, f"no route back to {src_text}, accepted (rp_filter=0)")
        return None
    route = hit.route
    assert route is not None
    if route.type != RTN_UNICAST and not (route.type == RTN_LOCAL and ctx.accept_local(iif)):
        return f"the route back to {src_text} is of type {type_name(route.type)}" + (
            " (a local source needs accept_local)" if route.type == RTN_LOCAL else ""
        )
    # nhc_l3mdev_matches_dev: the next hop's device, or its VRF, is the input device
    if any(nh.oif == iif or master_of(ctx, nh.oif) == iif for nh in route.nexthops()) or (
        route.type == RTN_LOCAL and iif == ctx.lo_index
    ):
        tr.add(
            CHECK,
            f"rp_filter {mode}: the route back to {src_text} leaves through "
            f"{ctx.dev_name(iif)}, accepted",
        )
        return None
    if not ctx.addrs[AF_INET].get(iif):
        if rpf:
            return f"rp_filter {mode}: {ctx.dev_name(iif)} has no IPv4 address"
        return None
    back = ctx.dev_name(hit.nh.oif if hit.nh is not None else None)
    if rpf == 1:
        return (
            f"rp_filter strict: the route back to {src_text} leaves through {back}, not "
            f"{ctx.dev_name(iif)}"
        )
    tr.add(CHECK, f"rp_filter {mode}: a route back to {src_text} exists (via {back}), accepted")
    return None


def input4(ctx: Context, flow: Flow, tr: Tracer) -> Verdict:
    """``ip_route_input_slow``."""
    on = tr.on
    iif, src, dst = flow.iif, flow.src, flow.dst
    src_text, dst_text = to_text(AF_INET, src), to_text(AF_INET, dst)
    if v4_multicast(dst):
        tr.unpredictable(
            "a multicast destination on input depends on the groups the device "
            "joined and on multicast routing, which the state does not hold"
        )
        if dst == 0xE0000001:
            tr.add(PATH, "224.0.0.1 (all hosts) is joined by every IPv4 device: delivered")
            return Verdict("multicast", 0, 0, None, None, None, ctx.lo_name, None, DELIVER)
        tr.add(
            CHECK, "guess: the device has not joined the group and does not route multicast: EINVAL"
        )
        return Verdict(None, errno.EINVAL, action=DROP)
    if v4_multicast(src) or v4_lbcast(src):
        tr.add(CHECK, f"martian source {src_text} (multicast or broadcast): EINVAL")
        return Verdict(None, errno.EINVAL, action=DROP)
    if v4_lbcast(dst) or (src == 0 and dst == 0):
        return _broadcast(ctx, flow, tr, None)
    if v4_zeronet(src):
        tr.add(CHECK, f"martian source {src_text} (0.0.0.0/8): EINVAL")
        return Verdict(None, errno.EINVAL, action=DROP)
    if v4_zeronet(dst):
        tr.add(CHECK, f"martian destination {dst_text} (0.0.0.0/8): EINVAL")
        return Verdict(None, errno.EINVAL, action=DROP)
    if (v4_loopback(dst) or v4_loopback(src)) and not ctx.route_localnet(iif):
        which = "destination" if v4_loopback(dst) else "source"
        tr.add(
            CHECK,
            f"martian {which}: 127.0.0.0/8 arriving on {ctx.dev_name(iif)} without "
            "route_localnet: EINVAL",
        )
        return Verdict(None, errno.EINVAL, action=DROP)
    if not ctx.dissect4:
        flow.proto = flow.sport = flow.dport = 0
    hit = fib_lookup(ctx, flow, tr)
    forwarding = ctx.forwarding(iif)
    if hit.err:
        if not forwarding:
            tr.add(CHECK, f"no route, and forwarding is off on {ctx.dev_name(iif)}: EHOSTUNREACH")
            verdict = error_verdict(hit)
            return Verdict(
                verdict.type,
                errno.EHOSTUNREACH,
                verdict.table,
                verdict.rule,
                verdict.prefix,
                action=DROP,
            )
        return _drop(error_verdict(hit))
    route = hit.route
    assert route is not None and hit.nh is not None
    if route.type == RTN_BROADCAST:
        return _broadcast(ctx, flow, tr, hit)
    if route.type == RTN_LOCAL:
        why = validate_source(ctx, flow, 0, tr)
        if why is not None:
            tr.add(CHECK, f"{why}: EINVAL")
            return Verdict(None, errno.EINVAL, action=DROP)
        vrf = master_of(ctx, hit.nh.oif)
        if on:
            tr.add(PATH, f"{dst_text} is local: delivered to this host (ip_local_deliver)")
            if vrf:
                tr.add(PATH, f"in VRF {ctx.dev_name(vrf)}: the VRF device stands for lo")
        return _verdict(ctx, hit, RTN_LOCAL, vrf or ctx.lo_index, None, DELIVER)
    if not forwarding:
        tr.add(CHECK, f"forwarding is off on {ctx.dev_name(iif)}: EHOSTUNREACH")
        return Verdict(
            type_name(route.type),
            errno.EHOSTUNREACH,
            hit.table,
            hit.rule,
            _prefix(hit),
            action=DROP,
        )
    if route.type != RTN_UNICAST:
        tr.add(CHECK, f"a {type_name(route.type)} route cannot be forwarded: EINVAL")
        return Verdict(
            type_name(route.type), errno.EINVAL, hit.table, hit.rule, _prefix(hit), action=DROP
        )
    if (chosen := path_choice(ctx, hit, flow, tr)) is not None:  # a nexthop group
        hit = chosen
    elif len(route.multipath) > 1:
        # ip_mkroute_input: fib_select_multipath without a flow, so no source preference.
        hit = pick_multipath(ctx, hit, replace(flow, src=0), tr, flow_hash(ctx, flow))
    assert hit.nh is not None
    out = hit.nh.oif or 0
    why = validate_source(ctx, flow, out, tr)
    if why is not None:
        tr.add(CHECK, f"{why}: EINVAL")
        return Verdict(None, errno.EINVAL, action=DROP)
    if on:
        tr.add(PATH, f"forwarded out of {ctx.dev_name(out)}")
    return _verdict(ctx, hit, RTN_UNICAST, out, uses_gateway(ctx, hit.nh, tr), FORWARD)


def _prefix(hit: Hit) -> str | None:
    from tui.fib.addr import prefix_text

    if hit.route is None:
        return None
    return prefix_text(hit.route.family, hit.net, hit.plen)


def _verdict(
    ctx: Context, hit: Hit, rtype: int, dev: int, gateway: str | None, action: str
) -> Verdict:
    return Verdict(
        type_name(rtype),
        0,
        hit.table,
        hit.rule,
        _prefix(hit),
        gateway,
        ctx.dev_name(dev),
        None,
        action,
    )


def _broadcast(ctx: Context, flow: Flow, tr: Tracer, hit: Hit | None) -> Verdict:
    """brd_input: check a non-zero source, then deliver as broadcast."""
    if flow.src:
        why = validate_source(ctx, flow, 0, tr)
        if why is not None:
            tr.add(CHECK, f"{why}: EINVAL")
            return Verdict(None, errno.EINVAL, action=DROP)
    tr.add(PATH, f"broadcast to {to_text(AF_INET, flow.dst)}: delivered to this host")
    table = hit.table if hit is not None else 0
    return Verdict(
        "broadcast",
        0,
        table,
        hit.rule if hit else None,
        _prefix(hit) if hit else None,
        None,
        ctx.lo_name,
        None,
        DELIVER,
    )


def input6(ctx: Context, flow: Flow, tr: Tracer) -> Verdict:
    """``ip6_route_input_lookup``: the route; forwarding decides the fate afterwards."""
    from tui.fib.addr import v6_multicast, v6_need_strict

    flow.strict_iface = v6_need_strict(flow.dst)
    flow.score_oif = flow.iif
    if v6_multicast(flow.dst):
        tr.unpredictable(
            "a multicast destination on input is answered by IPv6 multicast routing "
            "(ip6mr_get_route), which the state does not hold"
        )
    hit = fib_lookup(ctx, flow, tr)
    if hit.err:
        return _drop(error_verdict(hit))
    verdict = finish6(ctx, flow, tr, hit, output=False)
    assert hit.route is not None
    if hit.route.type in (RTN_LOCAL, 4):
        action = DELIVER
    elif hit.route.type == RTN_UNICAST and ctx.forwarding6(flow.iif):
        action = FORWARD
    else:
        action = DROP
        if hit.route.type == RTN_UNICAST:
            tr.add(
                CHECK,
                f"IPv6 forwarding is off on {ctx.dev_name(flow.iif)}: the kernel finds "
                "the route but drops the packet in ip6_forward",
            )
    return replace(verdict, error=0, action=action)
