"""Resolving a route's ``nhid`` into the next hops of its nexthop object (pure data).

Kept apart from the lookup decisions (``tui.fib.nexthops``) so the context can resolve
routes while it indexes them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from tui.model import (
    RTN_BLACKHOLE,
    RTN_UNICAST,
    NexthopObject,
    Route,
)
from tui.model import Nexthop as Hop


def _hop(obj: NexthopObject, weight: int = 1) -> Hop:
    return Hop(obj.gateway, obj.oif, weight, obj.flags & 0xFF)


def problem_of(obj: NexthopObject | None, objects: Mapping[int, NexthopObject]) -> str | None:
    """Why a lookup through ``obj`` cannot be predicted whatever the flow (None: it can)."""
    if obj is None:
        return None
    if obj.unknown:
        kinds = ", ".join(f"NHA type {kind}" for kind, _ in obj.unknown)
        return f"nexthop object {obj.id} carries attributes fibscope does not decode ({kinds})"
    if obj.encap is not None:
        return f"nexthop object {obj.id} has an encapsulation (not modelled)"
    if obj.fdb:
        return f"nexthop object {obj.id} is an fdb next hop (bridge/vxlan only)"
    for member in obj.group:
        sub = objects.get(member.id)
        if sub is None:
            return f"member {member.id} of nexthop group {obj.id} was not read"
        if (why := problem_of(sub, objects)) is not None:
            return why
    return None


def _members(obj: NexthopObject, objects: Mapping[int, NexthopObject]) -> tuple[Hop, ...] | None:
    """A group's members as next hops with their weights, in group order (a resilient
    group's buckets are read by ``nexthops.path_choice``); None when a member is missing."""
    hops = []
    for member in obj.group:
        sub = objects.get(member.id)
        if sub is None:
            return None
        hops.append(_hop(sub, member.weight))
    return tuple(hops)


def resolve_route(route: Route, objects: Mapping[int, NexthopObject]) -> Route:
    """``route`` as the lookup sees it: its next hops taken from its nexthop object.

    A route whose object was not read keeps what its message carried (compat mode 1 dumps the
    next hops too); ``path_choice`` then says so when that is nothing.
    """
    obj = objects.get(route.nhid) if route.nhid is not None else None
    if obj is None:
        return route
    flags = route.flags & ~0xFF
    if obj.blackhole or (
        len(obj.group) == 1 and (sub := objects.get(obj.group[0].id)) is not None and sub.blackhole
    ):
        rtype = RTN_BLACKHOLE if route.type == RTN_UNICAST else route.type
        return replace(route, type=rtype, gateway=None, oif=None, multipath=(), flags=flags)
    if not obj.group:
        return replace(
            route, gateway=obj.gateway, oif=obj.oif, multipath=(), flags=flags | obj.flags & 0xFF
        )
    hops = _members(obj, objects)
    if hops is None:
        return route
    if len(hops) == 1:  # one path (fib_info_num_path 1): as a single next hop, as ip shows it
        one = hops[0]
        return replace(
            route, gateway=one.gateway, oif=one.oif, multipath=(), flags=flags | one.flags
        )
    return replace(route, gateway=None, oif=None, multipath=hops, flags=flags)


def resolve_routes(
    routes: Iterable[Route], objects: Mapping[int, NexthopObject]
) -> Iterator[Route]:
    """Every route, those with an ``nhid`` resolved (the rest as they are)."""
    if not objects:
        yield from routes
        return
    for route in routes:
        yield route if route.nhid is None else resolve_route(route, objects)


def first_hop_route(route: Route, objects: Mapping[int, NexthopObject], lo_index: int) -> Route:
    """``route`` as /proc/net/route (``route -n``) shows it: ``fib_info_nhc(fi, 0)``, the
    object's own next hop or its group's first member, whatever the compat mode; a blackhole
    object's device is ``lo``.  Routes without a known object are returned as they are."""
    obj = objects.get(route.nhid) if route.nhid is not None else None
    if obj is not None and obj.group:
        obj = objects.get(obj.group[0].id)
    if obj is None:
        return route
    oif = lo_index if obj.blackhole else obj.oif
    return replace(route, gateway=obj.gateway, oif=oif, multipath=())
