"""Who receives a frame sent out of a device: the L2 segment behind it and who answers ARP
(or neighbour discovery) for the next hop.

The segment is a veth's peer, or a bridge with all its ports and their veth peers.  For IPv4
it follows net/ipv4/arp.c ``arp_process``: the request is routed as an input packet (target
as destination, sender address as source, on the receiving device); a local answer is given
subject to ``arp_ignore``; a forwarded one by proxy when ``proxy_arp`` is on and the route
leaves through another device (``arp_fwd_proxy``), or through the same one with
``proxy_arp_pvlan``, or for a proxy neighbour entry (``ip neigh add proxy``).  For IPv6
(net/ipv6/ndisc.c ``ndisc_recv_ns``) the target must be an address of the receiving device
itself, or have a proxy entry there with proxy_ndp and forwarding on.  A permanent (or noarp)
neighbour entry of the sender skips the question: the frame goes to that link-layer address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.fib.addr import int4, text4
from tui.fib.input import DELIVER, FORWARD
from tui.fib.query import Query, QueryError
from tui.fib.srcaddr import inet_select_addr
from tui.model import AF_INET, AF_INET6, NUD_NOARP, NUD_PERMANENT, RT_SCOPE_LINK, Neighbour
from tui.path.world import PathStop, Place, World

TUNNEL_KINDS = frozenset(
    {
        "vxlan",
        "geneve",
        "gre",
        "gretap",
        "ip6gre",
        "ip6gretap",
        "erspan",
        "ip6erspan",
        "ipip",
        "sit",
        "ip6tnl",
        "wireguard",
        "bareudp",
        "ipvtap",
    }
)
LEAVES_KINDS = frozenset({None, "vlan", "bond", "team"})  # frames go out on the wire
IFA_F_TENTATIVE = 0x40


@dataclass
class Segment:
    """The devices that see a frame sent out of ``out``."""

    out: Place
    peer: Place | None = None  # the veth's other end
    bridge: Place | None = None
    receivers: list[tuple[Place, str | None]] = field(default_factory=list)  # (place, port)
    outside: list[str] = field(default_factory=list)
    tunnels: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def segment_of(world: World, out: Place) -> Segment:
    """The segment behind ``out`` (a veth or a bridge); PathStop for anything else."""
    kind = out.link.kind
    seg = Segment(out)
    if kind == "veth":
        peer = world.peer(out)
        seg.peer = peer
        if not peer.link.up:
            raise PathStop(
                "dropped",
                f"the peer {peer.where} is down: the veth drops the frame",
                out.info.label,
                out.link.name,
            )
        master = (
            peer.state.link_by_index().get(peer.link.master)
            if peer.link.master is not None
            else None
        )
        if peer.link.master is None or (master is not None and master.kind == "vrf"):
            # A VRF slave receives like any device; the VRF only changes the lookup there
            # (tui.fib.l3mdev: modelled, not verified on a live kernel).
            seg.receivers.append((peer, None))
            return seg
        if master is None or master.kind != "bridge":
            what = master.kind if master is not None else "missing"
            raise PathStop(
                "unresolved",
                f"{peer.where} is a port of a {what} device: not modelled",
                peer.info.label,
                peer.link.name,
            )
        bridge = Place(peer.info, peer.state, master)
        seg.bridge = bridge
        _bridge_ports(world, seg, bridge, exclude=peer.link.index, include_bridge=True)
        return seg
    if kind == "bridge":
        seg.bridge = out
        _bridge_ports(world, seg, out, exclude=None, include_bridge=False)
        return seg
    if kind in TUNNEL_KINDS:
        raise PathStop("tunnel", f"enters {kind} device {out.where}", out.info.label, out.link.name)
    if kind == "dummy":
        raise PathStop(
            "dropped",
            f"{out.where} is a dummy device: it discards what it is sent",
            out.info.label,
            out.link.name,
        )
    if kind in LEAVES_KINDS:
        raise PathStop("left_host", f"leaves via {out.link.name}", out.info.label, out.link.name)
    raise PathStop(
        "unresolved",
        f"crossing a {kind} device ({out.where}) is not modelled",
        out.info.label,
        out.link.name,
    )


def _bridge_ports(
    world: World, seg: Segment, bridge: Place, exclude: int | None, include_bridge: bool
) -> None:
    if include_bridge and bridge.link.up:
        seg.receivers.append((bridge, None))
    for port in bridge.state.links:
        if port.master != bridge.link.index or port.index == exclude:
            continue
        where = f"{port.name} in {bridge.info.label}"
        if not port.up:
            continue
        if port.kind == "veth":
            try:
                peer = world.peer(Place(bridge.info, bridge.state, port))
            except PathStop as stop:
                seg.skipped.append(stop.reason)
                continue
            if peer.link.master is not None:
                seg.skipped.append(f"{peer.where} is itself enslaved: not followed")
            elif peer.link.up:
                seg.receivers.append((peer, port.name))
        elif port.kind in TUNNEL_KINDS:
            seg.tunnels.append((where, port.kind or ""))
        elif port.kind in LEAVES_KINDS:
            seg.outside.append(where)
        else:
            seg.skipped.append(f"port {where} ({port.kind}) is not modelled")


def arp_source(world: World, out: Place, src: str | None, target: str) -> str | None:
    """The sender address of the ARP request (``arp_solicit`` with arp_announce 0): the
    packet's source when it is local here, else ``inet_select_addr`` on the device."""
    ctx = world.engine(out.info).ctx
    if src is not None and int4(src) in ctx.local4:
        return src
    value, _ = inet_select_addr(ctx, out.link.index, int4(target), RT_SCOPE_LINK, False)
    return text4(value) if value else None


@dataclass(frozen=True, slots=True)
class Answer:
    """Who takes the frame for the next hop, and in which words."""

    place: Place
    port: str | None
    kind: str  # owner, proxy_arp, proxy_arp_pvlan
    words: str


def _proxy_entry(place: Place, nh: str, family: int) -> bool | None:
    """A proxy neighbour entry for ``nh`` on the device (or on every device): None when the
    neighbour table was not read."""
    entries = place.state.neighbours
    if entries is None:
        return None
    return any(
        e.proxy and e.family == family and e.dst == nh and e.ifindex in (0, place.link.index)
        for e in entries
    )


def static_entry(out: Place, nh: str, family: int) -> Neighbour | None:
    """The sender's permanent (or noarp) neighbour entry for ``nh`` on the device."""
    for entry in out.state.neighbours or ():
        if (
            not entry.proxy
            and entry.family == family
            and entry.ifindex == out.link.index
            and entry.dst == nh
            and entry.state & (NUD_PERMANENT | NUD_NOARP)
            and entry.lladdr
        ):
            return entry
    return None


def _answers4(world: World, place: Place, nh: str, sip: str | None) -> tuple[str | None, str]:
    """(kind of answer or None, why not / 'unknown: ...') for one receiving device."""
    engine = world.engine(place.info)
    ctx = engine.ctx
    conf, conf_all = ctx.conf(place.link.index), ctx.conf_all
    on_dev = any(
        (a.local or a.address) == nh for a in place.state.addresses if a.index == place.link.index
    )
    if sip is None:  # arp_process: a probe from 0.0.0.0 is answered for a local address only
        local = int4(nh) in ctx.local4
        return ("owner", "") if local else (None, "")
    try:
        trace = engine.lookup(Query(dst=nh, src=sip, iif=place.link.name), steps=False)
    except QueryError as exc:
        return None, str(exc)
    verdict = trace.verdict
    if not trace.predicted:
        return None, f"unknown: routing the ARP request in {place.info.label}: {trace.reason}"
    if verdict.action == DELIVER and verdict.type == "local":
        ignore = max(conf_all.arp_ignore, conf.arp_ignore)
        if ignore == 0 or (ignore == 1 and on_dev):
            return "owner", ""
        if ignore in (1, 8):
            return None, f"arp_ignore={ignore} on {place.where}"
        return None, f"unknown: arp_ignore={ignore} on {place.where} is not modelled"
    if verdict.action == FORWARD and not verdict.error:
        if verdict.dev != place.link.name and (conf_all.proxy_arp or conf.proxy_arp):
            if conf.medium_id:
                return None, f"unknown: medium_id={conf.medium_id} on {place.where}"
            return "proxy_arp", ""
        if verdict.dev == place.link.name and conf.proxy_arp_pvlan:
            return "proxy_arp_pvlan", ""
        if verdict.dev != place.link.name:
            entry = _proxy_entry(place, nh, AF_INET)
            if entry:
                return "proxy_entry", ""
            if entry is None:
                return None, f"unknown: the neighbour table of {place.info.label} was not read"
    return None, ""


def _answers6(world: World, place: Place, nh: str) -> tuple[str | None, str]:
    for addr in place.state.addresses:
        if addr.index == place.link.index and addr.address == nh:
            if addr.flags & IFA_F_TENTATIVE:
                return None, f"{nh} on {place.where} is tentative (DAD)"
            return "owner", ""
    ctx = world.engine(place.info).ctx
    proxy = place.state.sysctls.ipv6_proxy_ndp_all or place.link.inet6_proxy_ndp
    if proxy and ctx.forwarding6(place.link.index):
        entry = _proxy_entry(place, nh, AF_INET6)
        if entry:
            return "proxy_ndp", ""
        if entry is None:
            return None, (
                f"unknown: proxy_ndp is on at {place.where} and its neighbour table (the proxy "
                "entries) was not read"
            )
    return None, ""


def who_answers(world: World, seg: Segment, nh: str, src: str | None, family: int) -> Answer:
    """The one device that takes the frame for ``nh``; PathStop when none or several do."""
    static = static_entry(seg.out, nh, family)
    if static is not None:
        return _by_lladdr(seg, nh, static)
    sip = arp_source(world, seg.out, src, nh) if family == AF_INET else None
    owners: list[Answer] = []
    proxies: list[Answer] = []
    unknown: list[str] = []
    for place, port in seg.receivers:
        if family == AF_INET:
            kind, why = _answers4(world, place, nh, sip)
        else:
            kind, why = _answers6(world, place, nh)
        if kind is not None:
            answer = Answer(place, port, kind, _words(place, kind, nh))
            (owners if kind == "owner" else proxies).append(answer)
        elif why.startswith("unknown: "):
            unknown.append(why.removeprefix("unknown: "))
    here, dev = seg.out.info.label, seg.out.link.name
    proto = "ARP" if family == AF_INET else "neighbour discovery"
    for chosen in (owners, proxies):
        if len(chosen) > 1:
            names = ", ".join(a.place.where for a in chosen)
            raise PathStop(
                "unpredicted",
                f"several devices answer {proto} for {nh} ({names}): the first reply wins",
                here,
                dev,
            )
        if chosen and not unknown:
            return chosen[0]
    if unknown:
        raise PathStop("unpredicted", "; ".join(unknown), here, dev)
    if seg.tunnels:
        where, kind = seg.tunnels[0]
        raise PathStop(
            "tunnel",
            f"nobody on this host answers {proto} for {nh}: the frame is flooded into {kind} "
            f"device {where}",
            here,
            dev,
        )
    if seg.outside:
        raise PathStop(
            "left_host",
            f"nobody on this host answers {proto} for {nh}: the frame leaves through "
            f"{seg.outside[0]}",
            here,
            dev,
        )
    reason = f"nobody on the segment owns {nh} or answers by proxy: {proto} would fail"
    if seg.out.state.neighbours is None:
        reason += " (the sender's neighbour table was not read: a static entry may exist)"
    if seg.skipped:
        reason += " [" + "; ".join(seg.skipped) + "]"
    raise PathStop("unresolved", reason, here, dev)


def _by_lladdr(seg: Segment, nh: str, entry: Neighbour) -> Answer:
    """The frame goes to the entry's link-layer address: the device that has it takes it."""
    lladdr = (entry.lladdr or "").lower()
    here, dev = seg.out.info.label, seg.out.link.name
    found = [
        (place, port)
        for place, port in seg.receivers
        if (place.link.address or "").lower() == lladdr
    ]
    if len(found) == 1:
        place, port = found[0]
        words = f"{place.where} has {lladdr}, the static neighbour entry for {nh}"
        return Answer(place, port, "static_entry", words)
    if len(found) > 1:
        names = ", ".join(p.where for p, _ in found)
        raise PathStop("unpredicted", f"several devices have {lladdr} ({names})", here, dev)
    what = (
        f"the static neighbour entry for {nh} points to {lladdr}, which no device on the "
        "segment has"
    )
    if seg.outside:
        raise PathStop("left_host", f"{what}: the frame leaves through {seg.outside[0]}", here, dev)
    raise PathStop("unresolved", f"{what}: the frame is lost", here, dev)


def _words(place: Place, kind: str, nh: str) -> str:
    if kind == "owner":
        return f"{place.info.label}, which holds {nh}"
    if kind == "proxy_arp_pvlan":
        return f"{place.link.name} answers {nh} by proxy ARP (private VLAN)"
    if kind == "proxy_entry":
        return f"{place.link.name} answers {nh} for its proxy neighbour entry"
    if kind == "proxy_ndp":
        return f"{place.link.name} answers {nh} by proxy NDP (its proxy entry)"
    return f"{place.link.name} answers {nh} by proxy ARP"
