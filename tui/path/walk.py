"""The walk: a lookup in each namespace, then the crossing to the next one, until the packet
is delivered, leaves the host, is dropped, enters a tunnel, loops, or cannot be decided.

The packet keeps its destination and source (NAT is not modelled), its protocol and ports,
its tos (DSCP) and flow label; its mark survives only a crossing within one namespace
(``skb_scrub_packet`` clears it when a veth hands it to another namespace); the uid belongs to
the sending socket, the first hop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from tui.fib.query import Query, QueryError
from tui.fib.trace import Trace
from tui.model import NamespaceInfo, NetnsState
from tui.path.host import PathHost
from tui.path.result import (
    DELIVERED,
    DROPPED,
    LOOP,
    UNPREDICTED,
    UNRESOLVED,
    Crossing,
    End,
    Hop,
    PathResult,
)
from tui.path.segment import Answer, Segment, segment_of, who_answers
from tui.path.vxlan import Encap, decapsulate, encapsulate
from tui.path.world import PathStop, Place, World

MAX_HOPS = 64

# Asks the kernel one hop's question: (namespace, its state, query, our trace) -> (the kernel's
# answer in the verdict's terms, the differences from ours).
Ask = Callable[[NamespaceInfo, NetnsState, Query, Trace], tuple[dict[str, Any], list[str]]]


def follow(
    host: PathHost, start: NamespaceInfo, query: Query, ask: Ask | None = None
) -> PathResult:
    """The path of ``query`` sent from ``start`` (or arriving on ``query.iif`` there)."""
    world = World(host)
    hops: list[Hop] = []
    seen: set[tuple[int, str | None, str]] = set()
    info, iif, src, mark, uid = start, query.iif, query.src, query.mark, query.uid
    packet, oif = query, None  # the packet on the wire now (an outer one inside a vxlan)
    inside: list[Encap] = []  # the inner packets carried, innermost first
    end: End | None = None
    while end is None:
        if len(hops) >= MAX_HOPS:
            end = End(LOOP, info.label, iif, f"still going after {MAX_HOPS} hops")
            break
        key = (info.inode, iif, packet.dst)
        if key in seen:
            end = End(LOOP, info.label, iif, f"back in {info.label} on {iif} (a routing loop)")
            break
        seen.add(key)
        try:
            hop_query = dataclasses.replace(packet, src=src, iif=iif, oif=oif, mark=mark, uid=uid)
            hop, end, nxt = _hop(world, info, hop_query, ask)
            if end is not None and end.kind == DELIVERED and inside:
                hop, end, nxt = _decapsulated(world, info, hop, inside.pop())
        except PathStop as stop:
            end = End(stop.kind, stop.netns or info.label, stop.dev, stop.reason)
            break
        except (QueryError, ValueError) as exc:  # a name or address of the state is unusable
            end = End(UNRESOLVED, info.label, iif, f"the state of {info.label} is unusable: {exc}")
            break
        hops.append(hop)
        if nxt is None:
            break
        next_info, iif, src, enc = nxt
        oif = None
        if enc is not None and enc.outer is not packet:  # sent in the underlay namespace
            inside.append(enc)
            packet, oif = enc.outer, enc.outer.oif
        elif enc is not None:  # decapsulated: the inner packet goes on
            packet = enc.inner
        if next_info.inode != info.inode:
            mark = 0
        info, uid = next_info, None
    assert end is not None
    return PathResult(query, start.label, tuple(hops), end)


def _decapsulated(
    world: World, info: NamespaceInfo, hop: Hop, enc: Encap
) -> tuple[Hop, End | None, Next | None]:
    """The outer packet delivered in ``info``: its vxlan device takes the inner frame."""
    place, answer = decapsulate(world, info, enc)
    how = f"UDP {enc.port} is for vxlan: {place.where} decapsulates VNI {enc.vni}; {answer.words}"
    crossing = Crossing(
        dev=place.link.name,
        kind="vxlan",
        how=how,
        to_netns=info.label,
        to_dev=place.link.name,
        answer=answer.kind,
    )
    hop = dataclasses.replace(hop, crossing=crossing)
    return hop, None, (info, place.link.name, enc.inner.src, enc)


# Where the packet goes next: (namespace, iif, source, the vxlan encapsulation it enters, or
# the one it has just left when the packet is that encapsulation's outer one).
Next = tuple[NamespaceInfo, str | None, str | None, "Encap | None"]


def _hop(
    world: World, info: NamespaceInfo, query: Query, ask: Ask | None
) -> tuple[Hop, End | None, Next | None]:
    """One namespace: its lookup, then where the packet goes (or how it ends)."""
    engine = world.engine(info)
    trace = engine.lookup(query)
    verdict = trace.verdict
    hop = Hop(info.label, info.inode, query.iif, query.src, trace)
    if ask is not None:
        kernel, diff = ask(info, world.state(info), query, trace)
        hop = dataclasses.replace(hop, kernel=kernel, agree=not diff, differences=tuple(diff))
        if not trace.predicted and not kernel.get("error"):
            verdict = dataclasses.replace(
                verdict, dev=kernel.get("dev"), gateway=kernel.get("gateway")
            )
            hop = dataclasses.replace(hop, followed_kernel=True, agree=True, differences=())
    elif not trace.predicted:
        why = str(trace.reason)
        return (
            hop,
            End(UNPREDICTED, info.label, verdict.dev, why, _candidates(world, info, trace)),
            None,
        )
    if verdict.error:
        why = drop_reason(trace)
        return hop, End(DROPPED, info.label, query.iif, why), None
    if verdict.action == "deliver" or verdict.type in ("local", "broadcast"):
        return hop, End(DELIVERED, info.label, _holder(world, info, query.dst), ""), None
    if verdict.type != "unicast" or verdict.dev is None:
        reason = f"a {verdict.type} route: the path follows unicast packets only"
        return hop, End(UNRESOLVED, info.label, verdict.dev, reason), None
    state = world.state(info)
    link = state.link_named(verdict.dev)
    if link is None:
        reason = f"device {verdict.dev} is not in {info.label}"
        return hop, End(UNRESOLVED, info.label, verdict.dev, reason), None
    src = query.src or verdict.prefsrc
    nh = verdict.gateway or query.dst
    out = Place(info, state, link)
    seg: Segment | None = None
    try:
        if link.kind == "vxlan":
            inner = dataclasses.replace(query, src=src, iif=None, oif=None, uid=None)
            enc = encapsulate(world, out, inner, nh)
            crossing = Crossing(link.name, "vxlan", enc.words, to_netns=enc.underlay.label)
            return (
                dataclasses.replace(hop, crossing=crossing),
                None,
                (enc.underlay, None, enc.outer.src, enc),
            )
        seg = segment_of(world, out)
        answer = who_answers(world, seg, nh, src, query.family)
    except PathStop as stop:
        how = _stop_words(stop, link.name, nh)
        if seg is not None:
            how = f"{_base(seg)}; {how}"
        peer = seg.peer if seg is not None else None
        crossing = Crossing(
            link.name,
            link.kind,
            how,
            peer_netns=peer.info.label if peer is not None else None,
            peer_dev=peer.link.name if peer is not None else None,
        )
        hop = dataclasses.replace(hop, crossing=crossing)
        end = End(stop.kind, stop.netns or info.label, stop.dev or link.name, stop.reason)
        return hop, end, None
    crossing = _crossing(seg, answer, nh)
    return (
        dataclasses.replace(hop, crossing=crossing),
        None,
        (answer.place.info, answer.place.link.name, src, None),
    )


def _candidates(world: World, info: NamespaceInfo, trace: Trace) -> tuple[str, ...]:
    """The next hops of the route the unpredicted lookup matched (``via G dev D``)."""
    verdict = trace.verdict
    if verdict.prefix is None or verdict.table is None:
        return ()
    state = world.state(info)
    names = state.link_names()
    dst, _, plen = verdict.prefix.partition("/")
    zero = "::" if trace.query.family != 2 else "0.0.0.0"
    dst, length = (zero, 0) if dst == "default" else (dst, int(plen or 0))
    for route in state.routes:
        same = route.table == verdict.table and route.dst == dst and route.dst_len == length
        if same and route.multipath:
            return tuple(
                " ".join(
                    (["via", nh.gateway] if nh.gateway else [])
                    + ["dev", names.get(nh.oif or 0, f"if{nh.oif}")]
                )
                for nh in route.multipath
            )
    return ()


def drop_reason(trace: Trace) -> str:
    """Why a hop drops the packet, in words: the refusing route, or the failed check."""
    verdict = trace.verdict
    checks = [s.text for s in trace.steps if s.kind == "check"]
    words = f"{verdict.error_name}"
    if verdict.type in ("blackhole", "unreachable", "prohibit"):
        words = f"{verdict.type} route {verdict.prefix or ''}".rstrip() + f" ({words})"
    elif checks:
        words = f"{checks[-1]}"
        if verdict.error_name and verdict.error_name not in words:
            words += f" ({verdict.error_name})"
    elif verdict.prefix is None and verdict.type is None:
        words = f"no route to {trace.query.dst} ({verdict.error_name})"
    return words


def _holder(world: World, info: NamespaceInfo, dst: str) -> str | None:
    """The device holding ``dst`` in ``info`` (None: a local route without an address)."""
    state = world.state(info)
    names = state.link_names()
    for addr in state.addresses:
        if (addr.local or addr.address) == dst:
            return names.get(addr.index)
    return None


def _stop_words(stop: PathStop, dev: str, nh: str) -> str:
    if stop.kind == "left_host" and stop.reason.startswith("leaves via"):
        stop.reason = f"leaves via {dev} towards {nh}"
        return f"{dev} has no peer on this host: the packet leaves via {dev} towards {nh}"
    return stop.reason


def _base(seg: Segment) -> str:
    """What the output device is: ``eth0 is a veth; its peer cali7 is in node``."""
    out, peer, bridge = seg.out, seg.peer, seg.bridge
    if peer is not None and bridge is None:
        return f"{out.link.name} is a veth; its peer {peer.link.name} is in {peer.info.label}"
    if peer is not None and bridge is not None:
        return (
            f"{out.link.name} is a veth; its peer {peer.link.name} is a port of bridge "
            f"{bridge.link.name} in {bridge.info.label}"
        )
    return f"{out.link.name} is a bridge in {out.info.label}"


def _who(seg: Segment, answer: Answer, nh: str) -> str:
    """Who takes the frame, in words that follow ``_base``."""
    place, bridge = answer.place, seg.bridge
    owner = answer.kind == "owner"
    if bridge is None:
        return f", which holds {nh}" if owner else f"; {answer.words}"
    if place.link.index == bridge.link.index and place.info.inode == bridge.info.inode:
        label, name = bridge.info.label, bridge.link.name
        who = f"{label} holds {nh} and answers on {name}" if owner else answer.words
        return f"; {who}: the packet enters {label} on {name}"
    behind = f" (behind port {answer.port})" if answer.port else ""
    if owner:
        return f"; {place.link.name} in {place.info.label}{behind}, which holds {nh}"
    return f"; {answer.words} (in {place.info.label}{behind})"


def _crossing(seg: Segment, answer: Answer, nh: str) -> Crossing:
    peer, place = seg.peer, answer.place
    return Crossing(
        dev=seg.out.link.name,
        kind=seg.out.link.kind,
        how=_base(seg) + _who(seg, answer, nh),
        peer_netns=peer.info.label if peer is not None else None,
        peer_dev=peer.link.name if peer is not None else None,
        to_netns=place.info.label,
        to_dev=place.link.name,
        answer=answer.kind,
        port=answer.port,
    )


__all__ = ["DELIVERED", "DROPPED", "MAX_HOPS", "follow"]
