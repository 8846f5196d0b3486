"""What the output device's kind means after the routing decision.

Routing treats every device alike: a route through a GRE, IPIP, SIT, ip6tnl, WireGuard, VLAN,
bond or dummy device is looked up, chosen and answered exactly like one through a veth (the
lookup never reads the kind).  What happens to the packet *after* the decision depends on the
kind, and is beyond routing: a tunnel wraps it in an outer packet (whose own route is another
lookup, in the tunnel's underlay and possibly another namespace or VRF), WireGuard picks a peer
by its allowed-ips, a VLAN device tags it, a bond picks a slave, a dummy device drops it.  The
trace says so, so that an answer naming such a device is not read as the wire it leaves by.
"""

from __future__ import annotations

from tui.fib.context import Context
from tui.fib.trace import PATH, Tracer, Verdict

TUNNELS = frozenset(
    {
        "gre", "gretap", "ip6gre", "ip6gretap", "erspan", "ip6erspan", "ipip", "sit",
        "ip6tnl", "vti", "vti6", "xfrm", "vxlan", "geneve", "bareudp", "gtp", "wireguard",
    }
)  # fmt: skip
AFTER = {
    "wireguard": "WireGuard encrypts it to the peer whose allowed-ips hold the destination",
    "vlan": "the VLAN device tags the frame and sends it on its lower device",
    "macvlan": "the macvlan device sends it on its lower device",
    "bond": "the bond sends it on one of its slaves (by its mode and hash policy)",
    "team": "the team device sends it on one of its ports",
    "dummy": "a dummy device discards every packet it is given",
}


def note_device(ctx: Context, verdict: Verdict, tr: Tracer) -> None:
    """A step naming what the output device's kind does with the packet, if anything."""
    if verdict.error or verdict.dev is None:
        return
    link = ctx.by_name.get(verdict.dev)
    if link is None or not link.kind:
        return
    kind = link.kind
    if kind in TUNNELS:
        extra = f"; {AFTER[kind]}" if kind in AFTER else ""
        tr.add(
            PATH,
            f"{link.name} is a {kind} tunnel: the packet is encapsulated there{extra}; the outer "
            "packet's own route is another lookup, not part of this answer",
        )
    elif kind in AFTER:
        tr.add(PATH, f"{link.name} is a {kind} device: {AFTER[kind]} (beyond routing)")
