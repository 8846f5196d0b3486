"""VRF (L3 master devices): which VRF a flow belongs to and what that changes.

Modelled from the kernel source (net/l3mdev/l3mdev.c, net/core/fib_rules.c, net/ipv4/route.c,
net/ipv4/devinet.c); this machine's kernel has no vrf module, so it is not verified on a live
kernel.  What it covers:

* ``l3mdev_master_ifindex``: a VRF device is its own master, a device enslaved to a VRF has
  the VRF as master, any other device has none (0).
* ``l3mdev_update_flow`` (run by ``__fib_lookup`` / ``fib6_rule_lookup`` only when custom rules
  exist, which a VRF's ``l3mdev`` rule makes so): the flow's VRF comes from the oif, else from
  an iif other than lo; an oif that is the VRF device itself is cleared (it only chose the
  table), an enslaved oif stays and binds the next hop.
* ``l3mdev_fib_rule_match``: an ``l3mdev`` rule matches a flow in a VRF and looks up the
  VRF's table (``lookup [l3mdev-table]``).

IPv6 inside a VRF (``l3mdev_link_scope_lookup``, the VRF's own dst, ``ipv6_dev_get_saddr``
per domain on the output device) is not modelled: such an answer is not predicted.
"""

from __future__ import annotations

from tui.fib.context import Context
from tui.fib.flow import Flow
from tui.fib.trace import RULE, Tracer
from tui.model import AF_INET

LOOPBACK_IFINDEX = 1
VRF_KIND = "vrf"


def master_of(ctx: Context, index: int | None) -> int:
    """``l3mdev_master_ifindex_rcu``: the VRF the device belongs to (itself for a VRF)."""
    if not index:
        return 0
    link = ctx.links.get(index)
    if link is None:
        return 0
    if link.kind == VRF_KIND:
        return link.index
    if link.master is not None:
        master = ctx.links.get(link.master)
        if master is not None and master.kind == VRF_KIND:
            return master.index
    return 0


def update_flow(ctx: Context, flow: Flow, tr: Tracer) -> None:
    """``l3mdev_update_flow`` before the rules are walked."""
    if not ctx.vrf:
        return
    if flow.oif and flow.oif in ctx.links:
        if not flow.l3mdev:
            flow.l3mdev = master_of(ctx, flow.oif)
        if master_of(ctx, flow.oif) == flow.oif:
            if tr.on:
                tr.add(
                    RULE,
                    f"oif {ctx.dev_name(flow.oif)} is a VRF device: it selects the VRF's table "
                    "and is cleared for the lookup (l3mdev_update_flow)",
                )
            flow.oif = 0
        elif flow.l3mdev and tr.on:
            tr.add(
                RULE,
                f"oif {ctx.dev_name(flow.oif)} is enslaved to VRF "
                f"{ctx.dev_name(flow.l3mdev)} (l3mdev_update_flow)",
            )
        return
    if flow.iif > LOOPBACK_IFINDEX and not flow.l3mdev:
        flow.l3mdev = master_of(ctx, flow.iif)
        if flow.l3mdev and tr.on:
            tr.add(
                RULE,
                f"iif {ctx.dev_name(flow.iif)} belongs to VRF {ctx.dev_name(flow.l3mdev)} "
                "(l3mdev_update_flow)",
            )


def rule_table(ctx: Context, flow: Flow, tr: Tracer) -> int | None:
    """``l3mdev_fib_rule_match``: the VRF's table for an ``l3mdev`` rule, None when the flow
    is in no VRF (the rule does not match).  A VRF whose table was not captured makes the
    answer unpredicted."""
    if not flow.l3mdev:
        return None
    link = ctx.links.get(flow.l3mdev)
    if link is None or link.kind != VRF_KIND:
        return None
    if link.vrf_table is None:
        tr.unpredictable(
            f"VRF {link.name}: its table (IFLA_VRF_TABLE) is not in the state, so the "
            "l3mdev rule's table is unknown"
        )
        return None
    return link.vrf_table


def ipv6_in_vrf(ctx: Context, flow: Flow, tr: Tracer) -> None:
    """IPv6 lookups in a VRF are not modelled: say so."""
    if flow.family == AF_INET or not ctx.vrf:
        return
    vrf = flow.l3mdev or master_of(ctx, flow.oif) or master_of(ctx, flow.iif)
    if vrf:
        tr.unpredictable(
            f"IPv6 inside VRF {ctx.dev_name(vrf)} (l3mdev): the VRF's IPv6 output, "
            "link-scope and source address rules are not modelled"
        )
