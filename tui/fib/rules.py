"""Policy routing: which table the kernel looks in, rule by rule (``fib_rules_lookup``).

net/core/fib_rules.c and net/ipv4/fib_rules.c, net/ipv6/fib6_rules.c: rules in ascending
priority; a rule matches when all its selectors do (``not`` inverts); ``lookup`` searches a
table, and a missing table, a miss or a throw route continue with the next rule, as does a
result thrown away by ``suppress_prefixlength``/``suppress_ifgroup``; ``goto`` jumps (an
unresolved one is skipped), ``nop`` continues, blackhole/unreachable/prohibit end with EINVAL,
ENETUNREACH and EACCES.  While no rule was ever added the kernel skips all this: IPv4 searches
the merged local+main trie and then table default, IPv6 local then main.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from tui.fib.addr import prefix_text
from tui.fib.context import Context
from tui.fib.flow import EAGAIN, Flow, Hit
from tui.fib.l3mdev import ipv6_in_vrf
from tui.fib.l3mdev import rule_table as l3mdev_rule_table
from tui.fib.l3mdev import update_flow as l3mdev_update_flow
from tui.fib.lookup import lookup4, lookup6
from tui.fib.rule_match import ACTION_ERROR, ACTION_NAMES, mismatch, rule_text, unknown_reason
from tui.fib.table import TableIndex
from tui.fib.trace import PATH, RULE, TABLE, Tracer
from tui.lwtunnel import encap_summary
from tui.model import (
    AF_INET,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_TO_TBL,
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RTN_LOCAL,
    Route,
    Rule,
)
from tui.names import unknown_attr_words

TableLookup = Callable[[Context, TableIndex, Flow, Tracer, str], Hit]


def _suppressed(ctx: Context, rule: Rule, hit: Hit) -> str | None:
    """fib4_rule_suppress / fib6_rule_suppress: why a found route is thrown away."""
    if rule.suppress_prefixlen is not None and hit.plen <= rule.suppress_prefixlen:
        return f"its prefix length {hit.plen} is <= suppress_prefixlength {rule.suppress_prefixlen}"
    if rule.suppress_ifgroup is not None and hit.route is not None:
        if flow_family(hit) != AF_INET and hit.route.type == RTN_LOCAL:
            oif: int | None = ctx.lo_index
        else:
            oif = hit.route.nexthops()[0].oif
        link = ctx.links.get(oif) if oif is not None else None
        if link is not None and link.group == rule.suppress_ifgroup:
            return f"its device {link.name} is in group {link.group} (suppress_ifgroup)"
    return None


def flow_family(hit: Hit) -> int:
    """The family of a hit's route."""
    return hit.route.family if hit.route is not None else AF_INET


def _table_lookup(family: int) -> TableLookup:
    return lookup4 if family == AF_INET else lookup6


def fib_lookup(ctx: Context, flow: Flow, tr: Tracer) -> Hit:
    """``fib_lookup``: the rules (or the kernel's fast path without custom rules).  The entry
    found is noted on the tracer (``matched``: what ``fibmatch`` would answer)."""
    if ctx.custom_rules[flow.family]:
        l3mdev_update_flow(ctx, flow, tr)  # __fib_lookup / fib6_rule_lookup
    ipv6_in_vrf(ctx, flow, tr)
    if ctx.custom_rules[flow.family]:
        hit = walk_rules(ctx, flow, tr)
    elif flow.family == AF_INET:
        hit = _fast4(ctx, flow, tr)
    else:
        hit = _fast6(ctx, flow, tr)
    if hit.route is not None:
        route_attributes(hit.route, tr)
    tr.matched = hit.route
    return hit


def route_attributes(route: Route, tr: Tracer) -> None:
    """What the matched route carries beyond the FIB's answer: an encapsulation (the
    lookup's answer stands; the packet is then wrapped), and attributes fibscope does not
    understand (the answer cannot be trusted: not predicted, naming them)."""
    where = "the route" if not route.dst_len else f"route {route.dst}/{route.dst_len}"
    kinds = [kind for kind, _ in route.unknown]
    for hop in route.multipath:
        kinds += [kind for kind, _ in hop.unknown]
    if kinds:
        tr.unpredictable(
            f"{where} carries attribute(s) fibscope does not understand (RTA type "
            f"{', '.join(unknown_attr_words(k, '').removeprefix('unknown-attr ') for k in kinds)})"
        )
    if tr.on:
        for encap in [route.encap, *(hop.encap for hop in route.multipath)]:
            if encap is not None:
                tr.add(
                    PATH,
                    f"{where} has `{encap_summary(encap)}`: the kernel hands the packet to "
                    "this lightweight tunnel after the lookup (the lookup's answer is as shown)",
                )


def _fast4(ctx: Context, flow: Flow, tr: Tracer) -> Hit:
    """No custom rules: the merged local+main trie, then table default on a miss."""
    merged = ctx.merged4
    if tr.on:
        tr.add(
            RULE,
            "no policy rules besides the defaults: the kernel searches tables local "
            "and main together (one merged trie), then table default",
        )
    hit = lookup4(ctx, merged, flow, tr, "local+main") if merged is not None else Hit(EAGAIN)
    default = ctx.table(AF_INET, RT_TABLE_DEFAULT)
    if hit.err == EAGAIN and default is not None:
        hit = lookup4(ctx, default, flow, tr, "default")
    elif not hit.err and hit.table == RT_TABLE_MAIN and (AF_INET, RT_TABLE_LOCAL) in ctx.tables:
        local = ctx.tables[(AF_INET, RT_TABLE_LOCAL)]
        if (
            next(local.iter_matches(flow.dst), None) is not None
            and lookup4(ctx, local, flow, Tracer(False), "local").err != EAGAIN
        ):
            tr.unpredictable(
                "table local matches a shorter prefix than main: the merged trie "
                "(rules never changed) picks main, separate tables pick local"
            )
    if hit.err == EAGAIN:
        if tr.on:
            tr.add(TABLE, "no route in local, main or default: ENETUNREACH")
        return Hit(errno.ENETUNREACH)
    if hit.table == RT_TABLE_LOCAL:
        if tr.on:
            tr.add(
                TABLE,
                "the route belongs to table local, found through the merged trie: "
                "the kernel reports table main",
            )
        hit.table = RT_TABLE_MAIN
    return hit


def _fast6(ctx: Context, flow: Flow, tr: Tracer) -> Hit:
    """No custom IPv6 rules: table local, then main (fib6_rule_lookup's fast path)."""
    if tr.on:
        tr.add(RULE, "no policy rules besides the defaults: tables local, then main")
    for table in (RT_TABLE_LOCAL, RT_TABLE_MAIN):
        index = ctx.table(flow.family, table)
        if index is None:
            continue
        hit = lookup6(ctx, index, flow, tr, ctx.table_name(table))
        if hit.err != EAGAIN:
            return hit
    if tr.on:
        tr.add(TABLE, "no route in local or main: ENETUNREACH")
    return Hit(errno.ENETUNREACH)


def walk_rules(ctx: Context, flow: Flow, tr: Tracer) -> Hit:
    """``fib_rules_lookup`` over the rules of the flow's family."""
    rules = ctx.rules[flow.family]
    lookup = _table_lookup(flow.family)
    on = tr.on
    position, budget = 0, 4 * len(rules) + 8
    while position < len(rules) and budget > 0:
        budget -= 1
        rule = rules[position]
        head = f"rule {rule.priority} `{rule_text(ctx, rule)}`" if on else ""
        why = mismatch(ctx, rule, flow)
        if rule.unknown:
            tr.unpredictable(unknown_reason(rule) or "")
        table = rule.table
        if rule.l3mdev and why is None:
            vrf_table = l3mdev_rule_table(ctx, flow, tr)
            if vrf_table is None:
                why = "the flow's VRF has no known table (l3mdev)"
            else:
                table = vrf_table
        matched = (why is None) != rule.inverted
        if not matched:
            if on:
                reason = why if why is not None else "every selector matches and the rule is `not`"
                tr.add(RULE, f"{head}: skipped, {reason}", rule=rule.priority, matched=False)
            position += 1
            continue
        if rule.l3mdev and on:
            tr.add(
                RULE,
                f"{head}: the flow is in VRF {ctx.dev_name(flow.l3mdev)}, whose table is "
                f"{ctx.table_name(table)} (l3mdev_fib_rule_match)",
            )
        action = rule.action
        if action == FR_ACT_GOTO:
            target = next(
                (
                    i
                    for i, r in enumerate(rules)
                    if r.priority == rule.goto and r.priority > rule.priority
                ),
                None,
            )
            if target is None:
                if on:
                    tr.add(
                        RULE,
                        f"{head}: matches, but no rule has priority {rule.goto} "
                        "(unresolved goto): skipped",
                        rule=rule.priority,
                    )
                position += 1
                continue
            if on:
                tr.add(RULE, f"{head}: matches, jumping to rule {rule.goto}", rule=rule.priority)
            position = target
            continue
        if action == FR_ACT_NOP:
            if on:
                tr.add(RULE, f"{head}: matches, nop: next rule", rule=rule.priority)
            position += 1
            continue
        if action != FR_ACT_TO_TBL:
            err = ACTION_ERROR.get(action, errno.EINVAL)
            if on:
                tr.add(
                    RULE,
                    f"{head}: matches, {ACTION_NAMES.get(action, action)} rule: "
                    f"{errno.errorcode[err]}",
                    rule=rule.priority,
                    matched=True,
                )
            return Hit(err, rule=rule.priority, rule_action=action)
        index = ctx.table(flow.family, table)
        if index is None:
            if on:
                tr.add(
                    RULE,
                    f"{head}: matches, but table {ctx.table_name(table)} does not exist: next rule",
                    rule=rule.priority,
                    matched=True,
                )
            position += 1
            continue
        if on:
            tr.add(RULE, f"{head}: matches", rule=rule.priority, matched=True)
        hit = lookup(ctx, index, flow, tr, ctx.table_name(table))
        if hit.err == 0:
            suppressed = _suppressed(ctx, rule, hit)
            if suppressed is not None:
                if on:
                    tr.add(
                        RULE,
                        f"rule {rule.priority}: result "
                        f"{prefix_text(flow.family, hit.net, hit.plen)} suppressed, "
                        f"{suppressed}: next rule",
                        rule=rule.priority,
                    )
                position += 1
                continue
        if hit.err == EAGAIN:
            if on:
                tr.add(
                    RULE,
                    f"rule {rule.priority}: no route in table {ctx.table_name(table)}: next rule",
                    rule=rule.priority,
                )
            position += 1
            continue
        hit.rule = rule.priority
        return hit
    if on:
        tr.add(RULE, "no rule gave an answer: ENETUNREACH")
    return Hit(errno.ENETUNREACH)
