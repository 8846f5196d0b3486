"""Following a packet through a vxlan device: the outer packet, then decapsulation.

A frame sent out of a vxlan device (drivers/net/vxlan/vxlan_core.c ``vxlan_xmit``) goes to the
remote of the forwarding entry for its destination MAC, or of the all-zeros default entries
(where ARP requests, being broadcasts, go too).  The destination MAC is the sender's static
neighbour entry's, else the answer to ARP flooded to the default remotes; so with one default
remote (the usual ``remote R`` or a single ``bridge fdb append 00:00:00:00:00:00 dst R``) both
go to R.  The outer packet is UDP from the device's ``local`` address to R, destination port
the device's (or the entry's), and is routed as a locally sent packet in the underlay
namespace (the device's link-netns), through its underlay device when one is set.

Where the outer packet is delivered, the vxlan socket of that namespace for the port takes it
(``vxlan_rcv``) and hands the inner frame to the vxlan device of the VNI there; the device's
own address (or its proxies) must be the one the sender's frame was addressed to.  Not
modelled, and said so: several default remotes (the answering one decides), multicast groups,
``external`` (collect_metadata) devices, vxlan devices enslaved to a bridge, and a receiving
device that lives in another namespace than its socket.  The outer source port is a hash of
the inner flow: rules or multipath by source port in the underlay cannot be predicted.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from tui.fib.query import Query
from tui.model import FdbEntry, NamespaceInfo
from tui.path.segment import Answer, Segment, static_entry, who_answers
from tui.path.world import PathStop, Place, World

ZERO_MAC = "00:00:00:00:00:00"
IPPROTO_UDP = 17


@dataclass(frozen=True, slots=True)
class Encap:
    """The inner packet in flight inside an outer one."""

    sender: Place  # the vxlan device the inner frame was sent out of
    inner: Query  # the inner packet as it left (its source filled in)
    nh: str  # the inner next hop (gateway or destination)
    vni: int
    port: int
    remote: str
    underlay: NamespaceInfo
    outer: Query
    words: str


def _unicast(addr: str) -> bool:
    try:
        return not ipaddress.ip_address(addr).is_multicast
    except ValueError:
        return False


def encapsulate(world: World, out: Place, inner: Query, nh: str) -> Encap:
    """Where the frame for ``nh`` sent out of the vxlan ``out`` goes; PathStop when that
    cannot be told (or the frame is dropped)."""
    here, dev = out.info.label, out.link.name
    vx = out.link.vxlan
    fdb = out.state.fdb
    if vx is None or fdb is None:
        raise PathStop(
            "tunnel",
            f"enters vxlan device {out.where} (its settings or forwarding entries were not read)",
            here,
            dev,
        )
    if vx.external:
        raise PathStop(
            "tunnel",
            f"enters vxlan device {out.where} in external mode: each packet's VNI and remote "
            "come from its metadata (not modelled)",
            here,
            dev,
        )
    entries = [e for e in fdb if e.ifindex == out.link.index]
    defaults = [e for e in entries if e.lladdr == ZERO_MAC]
    static = static_entry(out, nh, inner.family)
    how = "the default forwarding entry"
    chosen: list[FdbEntry] = defaults
    if static is not None:
        mac = (static.lladdr or "").lower()
        exact = [e for e in entries if e.lladdr == mac]
        if exact:
            chosen, how = exact, f"the forwarding entry for {mac} (static neighbour of {nh})"
    if not chosen:
        if vx.group and not _unicast(vx.group):
            raise PathStop(
                "tunnel",
                f"{out.where} floods to multicast group {vx.group}: not modelled",
                here,
                dev,
            )
        what = "ARP for" if static is None else "the frame for"
        raise PathStop(
            "dropped" if static is not None else "unresolved",
            f"{out.where} has no forwarding entry (nor a default one): {what} {nh} is dropped",
            here,
            dev,
        )
    if len(chosen) > 1:
        remotes = ", ".join(e.dst for e in chosen)
        raise PathStop(
            "unpredicted",
            f"{out.where} floods to several remotes ({remotes}): whichever answers ARP for "
            f"{nh} gets the packet",
            here,
            dev,
        )
    entry = chosen[0]
    if not _unicast(entry.dst):
        raise PathStop(
            "tunnel", f"{out.where} sends to multicast group {entry.dst}: not modelled", here, dev
        )
    vni = entry.vni if entry.vni is not None else vx.vni
    port = entry.port if entry.port is not None else vx.port
    underlay = out.info
    if out.link.link_netnsid is not None:
        found, why = world.host.peer_namespace(out.info, out.link.link_netnsid)
        if found is None:
            raise PathStop("unresolved", f"the underlay namespace of {out.where}: {why}", here, dev)
        underlay = found
    under_state = world.state(underlay)
    via = entry.via if entry.via is not None else vx.link
    oif = None
    if via:
        lower = under_state.link_by_index().get(via)
        if lower is None:
            raise PathStop(
                "unresolved",
                f"the underlay device (ifindex {via}) of {out.where} is not in {underlay.label}",
                here,
                dev,
            )
        oif = lower.name
    outer = Query(
        dst=entry.dst,
        src=vx.local,
        oif=oif,
        ipproto=IPPROTO_UDP,
        dport=port,
    )
    words = (
        f"{dev} is a vxlan (VNI {vni}, UDP {port}); {how} sends the frame for {nh} to "
        f"{entry.dst}: the outer packet {vx.local or '(source chosen by the route)'} -> "
        f"{entry.dst} is sent in {underlay.label}"
        + (f" through {oif}" if oif else "")
        + " (its source port hashes the inner flow)"
    )
    return Encap(out, inner, nh, vni, port, entry.dst, underlay, outer, words)


def decapsulate(world: World, info: NamespaceInfo, enc: Encap) -> tuple[Place, Answer]:
    """The vxlan device of ``info`` that takes the outer packet delivered there, and who on it
    takes the inner frame; PathStop when none (or several) do."""
    state = world.state(info)
    here = info.label
    found = [
        link
        for link in state.links
        if link.kind == "vxlan"
        and link.vxlan is not None
        and link.link_netnsid is None
        and link.vxlan.vni == enc.vni
        and link.vxlan.port == enc.port
        and not link.vxlan.external
        and (link.vxlan.local is None or link.vxlan.local == enc.remote)
    ]
    if not found:
        unread = any(link.kind == "vxlan" and link.vxlan is None for link in state.links)
        why = f"no vxlan device of {here} takes VNI {enc.vni} on UDP port {enc.port}"
        if unread:
            why += " (the settings of its vxlan devices were not read)"
        else:
            why += " (one moved to another namespace is not searched): the outer packet is dropped"
        raise PathStop("unresolved", why, here, None)
    if len(found) > 1:
        names = ", ".join(link.name for link in found)
        raise PathStop(
            "unpredicted", f"several vxlan devices of {here} take VNI {enc.vni}: {names}", here
        )
    link = found[0]
    place = Place(info, state, link)
    if link.master is not None:
        raise PathStop(
            "unresolved",
            f"{place.where} is a bridge port: the inner frame's way through the bridge is not "
            "modelled",
            here,
            link.name,
        )
    if not link.up:
        raise PathStop("dropped", f"{place.where} is down: the inner frame is dropped", here)
    seg = Segment(enc.sender, receivers=[(place, None)])
    answer = who_answers(world, seg, enc.nh, enc.inner.src, enc.inner.family)
    return place, answer
