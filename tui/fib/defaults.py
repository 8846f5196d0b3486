"""Default routes of equal metric: ``fib_select_default`` (net/ipv4/fib_semantics.c).

When the lookup ends on a default route of a table holding more than one default route
(``tb_num_default``), the kernel walks that prefix's routes of the same metric and tos and
takes the first whose gateway's neighbour entry looks alive (``fib_detect_death``): no entry,
or REACHABLE, is alive; another valid state (STALE, PERMANENT, ...) is alive unless it is the
route taken last time (``fa_default``, remembered in the kernel and not dumped), which makes
such gateways take turns; failing all, the last resort.

``fa_default`` is not in any dump, so every value it can hold is tried: the choice is
predicted when they all agree (always so when the first gateway is REACHABLE or has no entry,
or only the first failed), and otherwise the candidates are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.fib.context import Context
from tui.fib.flow import Flow
from tui.fib.multipath import _link_scope_gateway
from tui.fib.neigh import nud_name, nud_valid
from tui.model import AF_INET, NUD_INCOMPLETE, NUD_REACHABLE, RTN_UNICAST, RTNH_F_DEAD, Route


@dataclass(frozen=True, slots=True)
class DefaultChoice:
    """The route the kernel takes (None: it depends on what the dump lacks), the routes it
    chooses among, and sentences saying which neighbour state decided."""

    route: Route | None
    candidates: tuple[Route, ...]
    notes: tuple[str, ...]
    reason: str | None = None


def _num_default(ctx: Context, table: int) -> int:
    """tb_num_default: the table's default routes, of any type, tos or metric (the index's
    default prefix, which in the merged trie also holds table local's)."""
    index = ctx.table(AF_INET, table)
    return 0 if index is None else sum(1 for r in index.at(0, 0) if r.table == table)


def _candidates(ctx: Context, route: Route, flow: Flow) -> list[Route] | None:
    """The walk of ``fib_select_default`` up to the point where neighbour states matter:
    the routes it considers in order (None: it breaks off and keeps the lookup's route)."""
    index = ctx.table(AF_INET, route.table)
    if index is None:
        return None
    tos = flow.dscp & 0x1C
    last_prio, last_tos = route.priority or 0, 0
    chosen: list[Route] = []
    for fa in index.at(0, 0):
        if fa.tos and fa.tos != tos:
            continue
        if fa.table != route.table:
            continue
        prio = fa.priority or 0
        if prio > last_prio and fa.tos == last_tos:
            if last_tos:
                continue
            break
        if fa.flags & RTNH_F_DEAD and not fa.multipath:
            continue
        last_tos, last_prio = fa.tos, prio
        if fa.scope != route.scope or fa.type != RTN_UNICAST:
            continue
        nh = fa.nexthops()[0]
        if not _link_scope_gateway(ctx, nh):
            continue
        if not chosen and fa is not route:
            return None
        chosen.append(fa)
    return chosen


def _walk(states: list[int | None], dflt: int) -> int:
    """The index ``fib_select_default`` ends on for neighbour ``states`` (None: no entry)
    when ``fa_default`` is ``dflt``."""
    last_idx = -1
    last_resort = 0

    def dead(order: int) -> bool:
        nonlocal last_idx, last_resort
        state = states[order]
        if state is None or state == NUD_REACHABLE:
            return False
        if nud_valid(state) and order != dflt:
            return False
        if nud_valid(state) or (last_idx < 0 and order > dflt and state != NUD_INCOMPLETE):
            last_resort, last_idx = order, order
        return True

    for order in range(len(states) - 1):
        if not dead(order):
            return order
    if not dead(len(states) - 1):
        return len(states) - 1
    return last_resort if last_idx >= 0 else 0


def select_default(ctx: Context, route: Route, plen: int, flow: Flow) -> DefaultChoice | None:
    """The default route the kernel takes instead of ``route`` (None: the rule does not
    apply, the lookup's route stays)."""
    if plen != 0 or route.type != RTN_UNICAST or route.multipath:
        return None
    if _num_default(ctx, route.table) <= 1:
        return None
    routes = _candidates(ctx, route, flow)
    if routes is None or len(routes) < 2:
        return None
    notes: list[str] = []
    if not ctx.neighbours.known:
        return DefaultChoice(
            None,
            tuple(routes),
            (),
            "several default routes of equal metric: the kernel chooses by the neighbour "
            "state of their gateways, and the neighbour table was not captured",
        )
    states: list[int | None] = []
    for r in routes:
        nh = r.nexthops()[0]
        state = ctx.neighbours.state(nh.gateway or "", nh.oif)
        states.append(state)
        word = "no neighbour entry" if state is None else nud_name(state)
        notes.append(f"gateway {nh.gateway} on {ctx.dev_name(nh.oif)}: {word}")
    picks = {_walk(states, dflt) for dflt in range(-1, len(states) + 1)}
    if len(picks) == 1:
        return DefaultChoice(routes[picks.pop()], tuple(routes), tuple(notes))
    return DefaultChoice(
        None,
        tuple(routes[i] for i in sorted(picks)),
        tuple(notes),
        "several default routes of equal metric whose gateways' neighbour entries are valid "
        "but not REACHABLE: the kernel takes them in turn (fib_select_default remembers the "
        "last one, which no dump shows)",
    )
