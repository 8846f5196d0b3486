"""The batch's compiled lookup: which route decides an ordinary IPv4 output query, without
building a trace.

A batch of a million lookups asks the same kind of question again and again: an IPv4
destination, no input or output device.  For such a query everything but the destination is
the same from one line to the next, so the rule walk (``fib_rules_lookup`` in
``tui.fib.rules``) is compiled once per set of selectors (``Walk``): the rules that match
whatever the destination, in order, each with its table's prefix buckets; what is left per
query is the longest-prefix probe of each table in turn (``fib_table_lookup`` as
``tui.fib.lookup._quick4`` does it, on the same index).

``FastWalk.decide`` names the route (or rule, or end of the walk) that decides, with a key
under which answers can be shared: the walk's step and the route's *shape* (every field but
its destination; the route itself for a default route, which ``fib_select_default`` compares
with its neighbours).  Everything the output path does after the lookup depends on the route's
fields, not on its destination or the query's, as long as the destination is an ordinary
unicast address: not in 0/8, 127/8, multicast or above (``__mkroute_output``'s classes), in no
prefix of table local (the merged trie's shadowing) nor of a rule's ``to``, and the route is
a unicast route with one next hop (a multipath route or a nexthop group is chosen by the
flow's hash) or a reject route.  Anything else returns None: the caller asks the engine.
"""

from __future__ import annotations

import errno
from bisect import bisect_left
from collections.abc import Hashable
from dataclasses import fields
from operator import attrgetter
from typing import Any, Literal

from tui.fib.addr import MASK4, prefix_text, to_int
from tui.fib.context import Context
from tui.fib.flow import EAGAIN, Flow, Hit
from tui.fib.lookup import TYPE_ERROR, nexthop_unusable
from tui.fib.output import ip_dev_find
from tui.fib.rule_match import ACTION_ERROR, mismatch
from tui.fib.rules import _suppressed
from tui.fib.table import SortedBucket, TableIndex
from tui.model import (
    AF_INET,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_TO_TBL,
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RTN_UNICAST,
    RTNH_F_DEAD,
    RTNH_F_LINKDOWN,
    Route,
    Rule,
)

# One prefix length of a table: (plen, mask, sorted keys or None, their slots, a dict of the
# rest) -- a SortedBucket's arrays, or a small bucket's dict (keys None).
Probe = tuple[int, int, Any, Any, dict[int, Any]]
# What ``decide`` answers: (key, route or None, rule priority or None, prefix, route's dst).
Decision = tuple[Hashable, Route | None, int | None, str, str]

_SHAPE = attrgetter(*(f.name for f in fields(Route) if f.name != "dst"))
_UNUSABLE = RTNH_F_DEAD | RTNH_F_LINKDOWN
END = -1  # the walk's step after its last lookup
MAX_SIGNATURES = 1 << 16  # sets of selectors remembered; more go to the engine


def ordinary4(dst: int) -> bool:
    """Not 0/8, 127/8, multicast, class E or broadcast: the classes the output path treats
    apart (``ipv4_is_zeronet``, ``ipv4_is_loopback``, ``ipv4_is_multicast``, ``lbcast``)."""
    first = dst >> 24
    return 0 < first < 224 and first != 127


def probes(index: TableIndex) -> tuple[Probe, ...]:
    """The table's buckets, longest prefix first, unpacked for an inlined probe."""
    out: list[Probe] = []
    for plen, mask, bucket in index.lengths:
        if isinstance(bucket, SortedBucket):
            assert bucket.shift == 0  # IPv4
            out.append((plen, mask, bucket.keys, bucket.slots, bucket.extra))
        else:
            out.append((plen, mask, None, None, bucket))
    return tuple(out)


def _reachable(table: tuple[Probe, ...]) -> tuple[Probe, ...]:
    """The probes without the small buckets' prefixes no ordinary destination falls in
    (127.0.0.0/8 and the like): fewer probes per query."""
    out: list[Probe] = []
    for plen, mask, keys, slots, rest in table:
        if keys is None:
            last = 0xFFFFFFFF ^ mask
            rest = {
                net: slot
                for net, slot in rest.items()
                if any(ordinary4(o << 24) for o in range(net >> 24, ((net | last) >> 24) + 1))
            }
            if not rest:
                continue
        out.append((plen, mask, keys, slots, rest))
    return tuple(out)


class Walk:
    """The rule walk of one set of selectors: the lookups to try in order, each with the rule
    that asked for it (None: the kernel's merged trie without rules), then how the walk ends
    when every lookup misses.  Selectors whose walks visit the same rules, with the same
    source and tos, share one Walk: nothing after the lookup reads the mark,
    uid, protocol or ports of an output lookup whose route has one next hop."""

    __slots__ = ("end_error", "end_rule", "flow", "steps", "templates", "tos", "visited")

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.tos = flow.dscp & 0x1C
        self.steps: list[tuple[tuple[Probe, ...], Rule | None]] = []
        self.end_rule: int | None = None
        self.end_error = errno.ENETUNREACH
        # The rules' positions the walk goes through, each with whether the rule matched.
        self.visited: list[tuple[int, bool]] = []
        self.templates: dict[Hashable, Any] = {}  # the caller's answers by decision key


class FastWalk:
    """A namespace's IPv4 output lookups without a trace, for the queries described above."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.custom = ctx.custom_rules[AF_INET]
        self.usable = not ctx.vrf  # l3mdev changes the flow before the rules
        self.rule_dsts: tuple[tuple[int, int], ...] = ()
        self.local: tuple[Probe, ...] = ()
        if self.custom:
            dsts = []
            for rule in ctx.rules[AF_INET]:
                if rule.dst_len and rule.dst is not None:
                    try:
                        net = to_int(AF_INET, rule.dst) & MASK4[rule.dst_len]
                    except ValueError:
                        self.usable = False
                        continue
                    dsts.append((MASK4[rule.dst_len], net))
            self.rule_dsts = tuple(dsts)
        else:
            local = ctx.table(AF_INET, RT_TABLE_LOCAL)
            self.local = _reachable(probes(local)) if local is not None else ()
        self.walks: dict[Hashable, Walk | None] = {}
        self.shared: dict[Hashable, Walk] = {}
        self._probes: dict[int, tuple[Probe, ...]] = {}

    def probes(self, index: TableIndex) -> tuple[Probe, ...]:
        """The table's probes, made once."""
        made = self._probes.get(id(index))
        if made is None:
            made = self._probes[id(index)] = probes(index)
        return made

    def walk(self, signature: Hashable, flow: Flow, src_given: bool) -> Walk | None:
        """The compiled walk for a set of selectors (``flow`` is any query's flow with them),
        None when the output path leaves the lookup's answer before the rules (a source that
        is not plainly local) or the rules depend on something beyond the selectors."""
        if signature in self.walks:
            return self.walks[signature]
        if len(self.walks) >= MAX_SIGNATURES:
            return None
        walk = self._compile(flow, src_given) if self.usable else None
        if walk is not None:
            identity = (tuple(walk.visited), walk.flow.src, walk.flow.dscp)
            walk = self.shared.setdefault(identity, walk)
        self.walks[signature] = walk
        return walk

    def _compile(self, flow: Flow, src_given: bool) -> Walk | None:
        ctx = self.ctx
        if flow.iif != ctx.lo_index or flow.oif or flow.family != AF_INET:
            return None
        if src_given and (not ordinary4(flow.src) or ip_dev_find(ctx, flow.src) is None):
            return None  # output4 answers before the lookup (EINVAL, ENETUNREACH)
        walk = Walk(flow)
        if not self.custom:  # rules._fast4: the merged trie, then table default
            for table in (ctx.merged4, ctx.table(AF_INET, RT_TABLE_DEFAULT)):
                if table is not None:
                    walk.steps.append((self.probes(table), None))
            return walk
        rules = ctx.rules[AF_INET]
        position, budget = 0, 4 * len(rules) + 8  # as rules.walk_rules, every lookup a miss
        while position < len(rules) and budget > 0:
            budget -= 1
            rule = rules[position]
            if rule.l3mdev:
                return None
            if rule.dst_len and rule.dst is not None:
                selected = False  # the destination is outside (else the query goes elsewhere)
            else:
                selected = mismatch(ctx, rule, flow) is None
            walk.visited.append((position, selected != rule.inverted))
            if selected == rule.inverted:
                position += 1
                continue
            if rule.action == FR_ACT_GOTO:
                target = next(
                    (
                        i
                        for i, r in enumerate(rules)
                        if r.priority == rule.goto and r.priority > rule.priority
                    ),
                    None,
                )
                position = position + 1 if target is None else target
                continue
            if rule.action == FR_ACT_NOP:
                position += 1
                continue
            if rule.action != FR_ACT_TO_TBL:
                walk.end_rule = rule.priority
                walk.end_error = ACTION_ERROR.get(rule.action, errno.EINVAL)
                return walk
            index = ctx.table(AF_INET, rule.table)
            if index is not None:
                walk.steps.append((self.probes(index), rule))
            position += 1
        return walk

    def decide(self, walk: Walk, dst: int) -> Decision | None:
        """What decides for ``dst`` under ``walk``: (key, route, rule, prefix, route dst), the
        last two as the answer writes them; None when the engine must answer."""
        if not 0 < dst >> 24 < 224 or dst >> 24 == 127:
            return None
        for mask, net in self.rule_dsts:
            if dst & mask == net:
                return None
        for _plen, mask, keys, _slots, rest in self.local:
            if keys is not None:
                at = bisect_left(keys, dst & mask)
                if at < len(keys) and keys[at] == dst & mask:
                    return None
            if rest and dst & mask in rest:
                return None
        tos = walk.tos
        for step, (table, rule) in enumerate(walk.steps):
            for plen, mask, keys, slots, rest in table:
                net = dst & mask
                slot = None
                if keys is not None:
                    at = bisect_left(keys, net)
                    if at < len(keys) and keys[at] == net:
                        slot = slots[at]
                if slot is None and rest:
                    slot = rest.get(net)
                if slot is None:
                    continue
                found = self._resolve(walk, slot, tos)
                if found is None:
                    continue  # nothing usable at this prefix: a shorter one
                if found is False:
                    return None
                route, err = found
                if err == EAGAIN:
                    break  # a throw route: the next rule
                if (
                    rule is not None
                    and not err
                    and _suppressed(self.ctx, rule, Hit(0, route.table, route, plen, net))
                ):
                    break
                if err:
                    return (
                        (step, _SHAPE(route)),
                        route,
                        rule.priority if rule is not None else None,
                        prefix_text(AF_INET, net, plen),
                        f"{route.dst}/{route.dst_len}",
                    )
                if route.type != RTN_UNICAST or route.multipath or route.nhid is not None:
                    return None
                shape = _SHAPE(route) if route.dst_len else id(route)
                text = f"{route.dst}/{route.dst_len}"
                return (
                    (step, shape),
                    route,
                    rule.priority if rule is not None else None,
                    text if route.dst_len else "default",
                    text,
                )
        return ((END, walk.end_error), None, walk.end_rule, "", "")

    def _resolve(
        self, walk: Walk, slot: Any, tos: int
    ) -> tuple[Route, int] | Literal[False] | None:
        """lookup._quick4 at one prefix: (route, its error) for the route that ends the
        lookup here, None when nothing here is usable, False when the engine must answer (a
        multipath route or a nexthop group: their next hop is hashed per flow)."""
        for route in (slot,) if slot.__class__ is Route else slot:
            if route.tos and route.tos != tos:
                continue
            err = TYPE_ERROR.get(route.type, 0)
            if err:
                return route, err
            if route.multipath or route.nhid is not None:
                return False
            if route.flags & _UNUSABLE:
                nh = route.nexthops()[0]
                if nexthop_unusable(self.ctx, nh, walk.flow, AF_INET) is not None:
                    continue
            return route, 0
        return None
