"""A policy rule's selectors: whether a flow matches them (and why not), and the rule in
``ip rule`` words (fib_rule_match, fib4_rule_match, fib6_rule_match; print_rule)."""

from __future__ import annotations

import errno
from functools import lru_cache

from tui.fib.addr import MASKS, to_int, to_text
from tui.fib.context import Context
from tui.fib.flow import Flow
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
