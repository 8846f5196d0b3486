"""The IPv6 FIB entries behind one route key, and how a dump shows them (pure, no I/O).

IPv6 keeps one ``fib6_info`` per next hop.  Under one key (table, prefix, source, metric) the
entries sit in a list in insertion order; those that qualify for ECMP (a gateway, not from a
router advertisement) are linked as siblings, and a dump shows the siblings as *one* multipath
route where the first of them stands, then jumps past the last one: an entry inserted between
two siblings is not shown at all while they last (``fib6_dump_node``, seen on 6.18: a
blackhole appended between two gateway routes vanishes from ``ip -6 route`` until the second
gateway goes).  Following the entries, not the shown routes, keeps every sibling's own
weight and attributes and brings hidden entries back when they show again.

The events: an add or append of a sibling carries the whole sibling set (the new next hops
first); a replace puts its first next hop where the first entry of its kind (ECMP or not,
else the first entry) stood, drops that entry's siblings and appends the rest; a deleted
sibling comes as a plain route, ``ip -6 route del PREFIX`` of a multipath route as the whole
set.  Entries learnt from a dump are what the dump showed: hidden ones are not known, and
the siblings of a multipath route are assumed to share its attributes.
"""

from __future__ import annotations

from dataclasses import replace

from tui.model import AF_INET6, RTNH_F_DEAD, RTNH_F_LINKDOWN, Nexthop, Route

Entry = tuple[Route, int]  # one next hop's entry (a plain route) and its weight
RTPROT_RA = 9
VOLATILE = RTNH_F_DEAD | RTNH_F_LINKDOWN


def is_ecmp(route: Route) -> bool:
    """An IPv6 route the kernel makes a sibling of others of its key (gateway, not RA)."""
    if route.family != AF_INET6 or route.protocol == RTPROT_RA:
        return False
    if route.multipath:
        return all(nh.gateway is not None for nh in route.multipath)
    return route.gateway is not None


def split(route: Route) -> list[Entry]:
    """The entries a shown route stands for (one per next hop)."""
    if not route.multipath:
        return [(route, 1)]
    base = route.flags & ~0xFF
    return [
        (
            replace(route, gateway=nh.gateway, oif=nh.oif, flags=base | nh.flags, multipath=()),
            nh.weight,
        )
        for nh in route.multipath
    ]


def render(entries: list[Entry]) -> list[Route]:
    """What a dump shows of ``entries``: siblings merged where the first stands, and the
    entries between the first and the last sibling skipped."""
    sib = [i for i, (r, _) in enumerate(entries) if is_ecmp(r)]
    if len(sib) < 2:
        return [r for r, _ in entries]
    first, last = sib[0], sib[-1]
    head = entries[first][0]
    hops = tuple(Nexthop(r.gateway, r.oif, w, r.flags & 0xFF) for r, w in (entries[i] for i in sib))
    shown = replace(head, gateway=None, oif=None, flags=head.flags & ~0xFF, multipath=hops)
    return [r for r, _ in entries[:first]] + [shown] + [r for r, _ in entries[last + 1 :]]


def _same(a: Route, b: Route) -> bool:
    """One entry, perhaps in another next hop state (linkdown, dead)."""
    return a == b or replace(a, flags=a.flags & ~VOLATILE) == replace(b, flags=b.flags & ~VOLATILE)


def add(entries: list[Entry], route: Route) -> list[Entry]:
    """RTM_NEWROUTE without replace: a new entry at the end, or new siblings."""
    out = list(entries)
    if not route.multipath:
        hop = (route.type, route.gateway, route.oif)
        for i, (old, w) in enumerate(out):
            if (old.type, old.gateway, old.oif) == hop:  # the kernel refuses a second one
                out[i] = (route, w)  # a replayed event, or the same entry in a newer state
                return out
        out.append((route, 1))
        return out
    have = {(r.gateway, r.oif): i for i, (r, _) in enumerate(out) if is_ecmp(r)}
    for new, weight in split(route):
        at = have.get((new.gateway, new.oif))
        if at is None:
            out.append((new, weight))
        else:
            old = out[at][0]
            out[at] = (replace(old, flags=(old.flags & ~0xFF) | (new.flags & 0xFF)), weight)
    return out


def replace_entry(entries: list[Entry], route: Route) -> list[Entry]:
    """RTM_NEWROUTE with NLM_F_REPLACE."""
    news = split(route)
    if not entries:
        return news
    kind = is_ecmp(route)
    target = next((i for i, (r, _) in enumerate(entries) if is_ecmp(r) == kind), 0)
    drop_siblings = is_ecmp(entries[target][0])
    out: list[Entry] = []
    for i, entry in enumerate(entries):
        if i == target:
            out.append(news[0])
        elif not (drop_siblings and is_ecmp(entry[0])):
            out.append(entry)
    return out + news[1:]


def remove(entries: list[Entry], route: Route) -> list[Entry] | None:
    """RTM_DELROUTE: the entries without the deleted one(s); None when none matched."""
    if route.multipath:
        gone = {(nh.gateway, nh.oif) for nh in route.multipath}
        keep = [e for e in entries if not (is_ecmp(e[0]) and (e[0].gateway, e[0].oif) in gone)]
        return keep if len(keep) < len(entries) else None

    def same_next_hop(r: Route) -> bool:
        return (r.type, r.gateway, r.oif) == (route.type, route.gateway, route.oif)

    for match in (lambda r: _same(r, route), same_next_hop):
        for i, (old, _) in enumerate(entries):
            if match(old):
                return entries[:i] + entries[i + 1 :]
    return None
