"""The device an IPv6 anycast route answers with: ``lo`` or its own.

``ip6_rt_get_dev_rcu`` (net/ipv6/route.c) puts ``lo`` in the result for routes carrying
``RTF_LOCAL`` or ``RTF_ANYCAST``.  Every local route has RTF_LOCAL, but RTF_ANYCAST is set only
on the anycast routes addrconf makes for the host's own anycast addresses
(``addrconf_f6i_alloc``: the subnet-router anycast of each prefix while forwarding is on, and
``ip -6 addr add ... anycast``).  An anycast route a user adds (``ip -6 route add anycast ...``)
has type anycast without the flag (``rtm_to_fib6_config`` sets only RTF_LOCAL) and answers with
its own device and gateway.  Netlink does not carry the flag; /proc/net/ipv6_route does
(``00100000`` in its flags), and the kernel's own routes are ``proto kernel``.
"""

from __future__ import annotations

from tui.fib.context import Context
from tui.model import Route

RTF_ANYCAST = 0x00100000
RTPROT_KERNEL = 2


RowKey = tuple[str, int, int, str, int]


def _rows_by_key(ctx: Context) -> dict[RowKey, set[bool]]:
    """/proc/net/ipv6_route rows by (dst, dst_len, src_len, dev, metric) -> their RTF_ANYCAST
    bits, built once per state on the first anycast answer."""
    index = ctx.ipv6_proc_index
    if index is None:
        index = {}
        for row in ctx.state.ipv6_proc_routes:
            key = (row.dst, row.dst_len, row.src_len, row.dev, row.metric)
            index.setdefault(key, set()).add(bool(row.flags & RTF_ANYCAST))
        ctx.ipv6_proc_index = index
    return index


def anycast_on_lo(ctx: Context, route: Route) -> bool | None:
    """True when the kernel answers ``dev lo`` for this anycast route, False when it answers
    with the route's device, None when the state cannot tell (no /proc row, or rows that
    disagree, for a ``proto kernel`` route)."""
    key = (route.dst, route.dst_len, route.src_len, ctx.dev_name(route.oif), route.priority or 0)
    flags = _rows_by_key(ctx).get(key)
    if flags is not None and len(flags) == 1:
        return next(iter(flags))
    if route.protocol != RTPROT_KERNEL:
        return False
    return None
