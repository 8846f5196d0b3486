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
from functools import lru_cache

from tui.fib.addr import MASKS, prefix_text, to_int, to_text
from tui.fib.context import Context
from tui.fib.flow import EAGAIN, Flow, Hit
from tui.fib.l3mdev import ipv6_in_vrf
from tui.fib.l3mdev import rule_table as l3mdev_rule_table
from tui.fib.l3mdev import update_flow as l3mdev_update_flow
from tui.fib.lookup import lookup4, lookup6
from tui.fib.table import TableIndex
from tui.fib.trace import PATH, RULE, TABLE, Tracer
from tui.lwtunnel import encap_summary
from tui.model import (
    AF_INET,
    FR_ACT_BLACKHOLE,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_PROHIBIT,
    FR_ACT_TO_TBL,
    FR_ACT_UNREACHABLE,
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RTN_LOCAL,
    Route,
    Rule,
)
from tui.names import RULE_ACTION_NAMES, unknown_attr_words

ACTION_ERROR = {
    FR_ACT_BLACKHOLE: errno.EINVAL,
    FR_ACT_UNREACHABLE: errno.ENETUNREACH,
    FR_ACT_PROHIBIT: errno.EACCES,
}
# The words of the actions that end a lookup with an error (names.py holds every action word).
ACTION_NAMES = {action: RULE_ACTION_NAMES[action] for action in ACTION_ERROR}
DEFAULT_RULE_OF_TABLE = {RT_TABLE_LOCAL: 0, RT_TABLE_MAIN: 32766, RT_TABLE_DEFAULT: 32767}
FIB_RULE_FIND_SADDR = 0x10000

TableLookup = Callable[[Context, TableIndex, Flow, Tracer, str], Hit]


def _ports(rng: tuple[int, int] | None) -> tuple[int, int] | None:
    """A port range that is set (the kernel treats 0-0 as unset)."""
    if rng is None or not rng[0] or not rng[1]:
        return None
    return rng


def rule_text(ctx: Context, rule: Rule) -> str:
    """The rule in ``ip rule`` words, without its priority: ``from 10.2.0.0/24 lookup 100``."""
    bits = 32 if rule.family == AF_INET else 128
    parts = ["not"] if rule.inverted else []
    for word, addr, plen in (("from", rule.src, rule.src_len), ("to", rule.dst, rule.dst_len)):
        if plen:
            parts += [word, str(addr) if plen == bits else f"{addr}/{plen}"]
        elif word == "from":
            parts += ["from", "all"]
    if rule.tos:
        parts += ["tos", f"{rule.tos:#x}"]
    if rule.fwmark or rule.fwmask:
        mark = f"{rule.fwmark or 0:#x}"
        if rule.fwmask not in (None, 0xFFFFFFFF):
            mark += f"/{rule.fwmask:#x}"
        parts += ["fwmark", mark]
    if rule.iifname:
        parts += ["iif", rule.iifname]
    if rule.oifname:
        parts += ["oif", rule.oifname]
    if rule.uid_range is not None and rule.uid_range != (0, 0xFFFFFFFF):
        parts += ["uidrange", f"{rule.uid_range[0]}-{rule.uid_range[1]}"]
    if rule.ip_proto:
        parts += ["ipproto", str(rule.ip_proto)]
    for word, rng, mask in (
        ("sport", _ports(rule.sport_range), rule.sport_mask),
        ("dport", _ports(rule.dport_range), rule.dport_mask),
    ):
        if rng is not None and rng[0] == rng[1] and mask not in (None, 0xFFFF):
            parts += [word, f"{rng[0]:#x}/{mask:#x}"]
        elif rng is not None:
            parts += [word, str(rng[0]) if rng[0] == rng[1] else f"{rng[0]}-{rng[1]}"]
    if rule.tun_id:
        parts += ["tun_id", str(rule.tun_id)]
    if rule.dscp is not None:
        mask = rule.dscp_mask if rule.dscp_mask is not None else 0x3F
        parts += ["dscp", str(rule.dscp) if mask == 0x3F else f"{rule.dscp:#x}/{mask:#x}"]
    if rule.flowlabel is not None and rule.flowlabel_mask is not None:
        label = f"{rule.flowlabel:#x}"
        if rule.flowlabel_mask != 0xFFFFF:
            label += f"/{rule.flowlabel_mask:#x}"
        parts += ["flowlabel", label]
    if rule.l3mdev:
        parts += ["lookup", "[l3mdev-table]"]
    elif rule.action == FR_ACT_TO_TBL:
        parts += ["lookup", ctx.table_name(rule.table)]
    elif rule.action == FR_ACT_GOTO:
        parts += ["goto", str(rule.goto)]
    elif rule.action == FR_ACT_NOP:
        parts.append("nop")
    else:
        parts.append(ACTION_NAMES.get(rule.action, f"action {rule.action}"))
    if rule.suppress_prefixlen is not None:
        parts += ["suppress_prefixlength", str(rule.suppress_prefixlen)]
    if rule.suppress_ifgroup is not None:
        parts += ["suppress_ifgroup", str(rule.suppress_ifgroup)]
    parts += [unknown_attr_words(kind, data) for kind, data in rule.unknown]
    return " ".join(parts)


@lru_cache(maxsize=4096)
def _net(family: int, addr: str, plen: int) -> int:
    return to_int(family, addr) & MASKS[family][plen]


def _addr_ok(family: int, value: int, addr: str | None, plen: int) -> bool:
    if not plen or addr is None:
        return True
    return (value & MASKS[family][plen]) == _net(family, addr, plen)


def mismatch(ctx: Context, rule: Rule, flow: Flow) -> str | None:
    """Why the rule's selectors do not match the flow (before ``not``), None when they do."""
    family = flow.family
    if rule.iifname:
        link = ctx.by_name.get(rule.iifname)
        if link is None:
            return f"iif {rule.iifname} does not exist"
        if link.index != flow.iif:
            return f"the packet comes in on {ctx.dev_name(flow.iif)}, not {rule.iifname}"
    if rule.oifname:
        link = ctx.by_name.get(rule.oifname)
        if link is None:
            return f"oif {rule.oifname} does not exist"
        if link.index != flow.oif:
            if not flow.oif:
                return "the lookup has no oif"
            return f"the oif is {ctx.dev_name(flow.oif)}, not {rule.oifname}"
    mark = rule.fwmark or 0
    mask = rule.fwmask if rule.fwmask is not None else (0xFFFFFFFF if mark else 0)
    if (flow.mark ^ mark) & mask:
        return f"mark {flow.mark:#x} does not match {mark:#x}/{mask:#x}"
    if rule.tun_id:
        return f"tun_id {rule.tun_id}: the lookup carries no tunnel id"
    if rule.l3mdev and not flow.l3mdev:
        return "the flow is not in a VRF (l3mdev)"
    if rule.uid_range is not None and not rule.uid_range[0] <= flow.uid <= rule.uid_range[1]:
        return f"uid {flow.uid} is outside {rule.uid_range[0]}-{rule.uid_range[1]}"
    if rule.src_len:
        if family != AF_INET and not flow.has_saddr and not rule.flags & FIB_RULE_FIND_SADDR:
            return "the lookup has no source address"
        if not _addr_ok(family, flow.src, rule.src, rule.src_len):
            return f"source {to_text(family, flow.src)} is outside {rule.src}/{rule.src_len}"
    if rule.dst_len and not _addr_ok(family, flow.dst, rule.dst, rule.dst_len):
        return f"destination {to_text(family, flow.dst)} is outside {rule.dst}/{rule.dst_len}"
    if rule.dscp is not None:
        # fib4_rule_match / fib6_rule_match with dscp_full: the whole DSCP under the mask
        # (the kernel keeps FRA_DSCP_MASK, 0x3f when none was given).
        dscp_mask = (rule.dscp_mask if rule.dscp_mask is not None else 0x3F) << 2
        if ((rule.dscp << 2) ^ flow.dscp) & dscp_mask:
            return (
                f"dscp {flow.dscp >> 2} does not match {rule.dscp:#x}/{dscp_mask >> 2:#x}"
                f" (dsfield {flow.dscp:#x})"
            )
    elif rule.tos:
        flow_tos = flow.dscp & 0x1C if family == AF_INET else flow.dscp
        if rule.tos != flow_tos:
            return f"tos {flow_tos:#x} is not {rule.tos:#x}"
    label, label_mask = rule.flowlabel, rule.flowlabel_mask
    if (
        label is not None
        and label_mask is not None
        and family != AF_INET
        and (label ^ flow.flowlabel) & label_mask
    ):
        return f"flow label {flow.flowlabel:#x} does not match {label:#x}/{label_mask:#x}"
    if rule.ip_proto and rule.ip_proto != flow.proto:
        return f"ipproto {flow.proto} is not {rule.ip_proto}"
    for word, rng, port_mask, port in (
        ("sport", rule.sport_range, rule.sport_mask, flow.sport),
        ("dport", rule.dport_range, rule.dport_mask, flow.dport),
    ):
        why = _port_mismatch(word, rng, port_mask, port)
        if why is not None:
            return why
    return None


def _port_mismatch(
    word: str, rng: tuple[int, int] | None, mask: int | None, port: int
) -> str | None:
    """fib_rule_port_match: ``(start ^ port) & mask``, and without a mask the range (a range
    with a zero end is unset)."""
    start = rng[0] if rng is not None else 0
    if mask and (start ^ port) & mask:
        return f"{word} {port} does not match {start:#x}/{mask:#x}"
    live = _ports(rng)
    if not mask and live is not None and not live[0] <= port <= live[1]:
        return f"{word} {port} is outside {live[0]}-{live[1]}"
    return None


def unknown_reason(rule: Rule) -> str | None:
    """Why a rule's match cannot be trusted: attributes fibscope does not understand."""
    if not rule.unknown:
        return None
    kinds = ", ".join(str(kind) for kind, _ in rule.unknown)
    return (
        f"rule {rule.priority} carries attribute(s) fibscope does not understand "
        f"(FRA type {kinds}): it may select flows differently"
    )


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
