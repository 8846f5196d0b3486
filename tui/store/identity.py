"""What identifies a FIB entry to the kernel (family, table, prefix, tos, metric, source
prefix), and when two routes are the same entry: the store's and the loader's keys."""

from __future__ import annotations

from tui.model import RTNH_F_DEAD, RTNH_F_LINKDOWN, Route

Key = tuple[int, int, str, int, int, int | None, str | None, int]
Ident = tuple[str, int, int, int | None, str | None, int]
# Next hop state the kernel changes without a route event (carrier, device down).
VOLATILE = RTNH_F_DEAD | RTNH_F_LINKDOWN


def route_key(route: Route) -> Key:
    """The kernel's identity of a FIB entry."""
    return (
        route.family,
        route.table,
        route.dst,
        route.dst_len,
        route.tos,
        route.priority,
        route.src,
        route.src_len,
    )


def entry_ident(route: Route) -> Ident:
    """The identity of a FIB entry within one (family, table)."""
    return (route.dst, route.dst_len, route.tos, route.priority, route.src, route.src_len)


def same_entry_ident(a: Route, b: Route) -> bool:
    """The same key within a table (compared field by field: no tuples made)."""
    return (
        a.dst == b.dst
        and a.dst_len == b.dst_len
        and a.tos == b.tos
        and a.priority == b.priority
        and a.src == b.src
        and a.src_len == b.src_len
    )


def _hops(route: Route) -> list[tuple[str | None, int | None, int]]:
    """Next hops without their volatile state: (gateway, oif, weight)."""
    if route.multipath:
        return [(nh.gateway, nh.oif, nh.weight) for nh in route.multipath]
    return [(route.gateway, route.oif, 1)]


def same_entry(a: Route, b: Route) -> bool:
    """The same FIB entry, perhaps in another next hop state (linkdown, dead).

    Field by field (equal routes pass too): a dataclass ``==`` builds two tuples of every
    field, which a flap of a million deletes would pay each time."""
    return (
        a.type == b.type
        and a.gateway == b.gateway
        and a.oif == b.oif
        and (a.flags & ~VOLATILE) == (b.flags & ~VOLATILE)
        and a.protocol == b.protocol
        and a.scope == b.scope
        and a.prefsrc == b.prefsrc
        and a.nhid == b.nhid
        and a.metrics == b.metrics
        and len(a.multipath) == len(b.multipath)
        and (not a.multipath or _hops(a) == _hops(b))
    )


def uses_link(route: Route, ifindex: int) -> bool:
    """True when a next hop of ``route`` goes out through ``ifindex``."""
    return route.oif == ifindex or any(nh.oif == ifindex for nh in route.multipath)
