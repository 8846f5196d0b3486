"""``ip rule show`` / ``ip -6 rule show`` text, byte for byte as iproute2 6.1 prints it.

Rules from ip/iprule.c (print_rule), checked against the real ``ip`` in namespaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tui.formats.safe_text import safe_text
from tui.model import (
    AF_INET,
    AF_INET6,
    FIB_RULE_INVERT,
    FIB_RULE_UNRESOLVED,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_TO_TBL,
    RTN_NAT,
    Rule,
)
from tui.names import (
    RTPROT_KERNEL,
    RealmNamer,
    dscp_name,
    dsfield_name,
    group_name,
    ipproto_name,
    proto_name,
    rtntype_name,
    table_name,
    unknown_attr_words,
)

PORT_MAX_MASK = 0xFFFF
DSCP_MAX_MASK = 0x3F
LABEL_MAX_MASK = 0xFFFFF
FIB_RULE_IIF_DETACHED = 0x8
FIB_RULE_OIF_DETACHED = 0x10
_UNSET_U32 = (-1, 0xFFFFFFFF)
_HOST_LEN = {AF_INET: 32, AF_INET6: 128}


def _c_hex(value: int) -> str:
    """C's ``%#x``: ``0x5``, but plain ``0`` for zero."""
    return f"{value:#x}" if value else "0"


def _prefix(addr: str | None, plen: int, host_len: int) -> str | None:
    if addr is not None:
        return addr if plen == host_len else f"{addr}/{plen}"
    if plen:
        return f"0/{plen}"
    return None


def rule_line(
    rule: Rule,
    table_names: Mapping[int, str] | None = None,
    realms: RealmNamer | None = None,
) -> str:
    """One rule as ``ip rule show`` prints it (no trailing newline).

    ``realms`` carries iproute2's lazily loaded realm names across a whole listing.
    """
    host_len = _HOST_LEN.get(rule.family, 32)
    out = [f"{rule.priority & 0xFFFFFFFF}:\t"]
    if rule.flags & FIB_RULE_INVERT:
        out.append("not ")
    out.append("from " + (_prefix(rule.src, rule.src_len, host_len) or "all"))
    to = _prefix(rule.dst, rule.dst_len, host_len)
    if to is not None:
        out.append(f" to {to}")
    if rule.tos:
        out.append(f" tos {dsfield_name(rule.tos)}")
    if rule.fwmark is not None or rule.fwmask is not None:
        out.append(f" fwmark {_c_hex(rule.fwmark or 0)}")
        if rule.fwmask is not None and rule.fwmask != 0xFFFFFFFF:
            out.append(f"/{_c_hex(rule.fwmask)}")
    if rule.iifname is not None:
        out.append(f" iif {safe_text(rule.iifname)}")
        if rule.flags & FIB_RULE_IIF_DETACHED:
            out.append(" [detached]")
    if rule.oifname is not None:
        out.append(f" oif {safe_text(rule.oifname)}")
        if rule.flags & FIB_RULE_OIF_DETACHED:
            out.append(" [detached]")
    if rule.l3mdev:
        out.append(" lookup [l3mdev-table]")
    if rule.uid_range is not None:
        out.append(f" uidrange {rule.uid_range[0]}-{rule.uid_range[1]}")
    if rule.ip_proto:
        out.append(f" ipproto {ipproto_name(rule.ip_proto)}")
    for word, rng, mask in (
        ("sport", rule.sport_range, rule.sport_mask),
        ("dport", rule.dport_range, rule.dport_mask),
    ):
        if rng is not None:
            out.append(_port_words(word, rng, mask))
    if rule.tun_id is not None:
        out.append(f" tun_id {rule.tun_id}")
    if rule.table:
        out.append(f" lookup {safe_text(table_name(rule.table, table_names))}")
        if rule.suppress_prefixlen is not None and rule.suppress_prefixlen not in _UNSET_U32:
            plen = rule.suppress_prefixlen
            out.append(f" suppress_prefixlength {plen - (1 << 32) if plen >= 1 << 31 else plen}")
        if rule.suppress_ifgroup is not None and rule.suppress_ifgroup not in _UNSET_U32:
            out.append(f" suppress_ifgroup {group_name(rule.suppress_ifgroup)}")
    if rule.realms:
        namer = realms or RealmNamer()
        frm, to_realm = rule.realms >> 16, rule.realms & 0xFFFF
        out.append(f" realms {namer.name(frm)}/" if frm else " realms ")
        out.append(namer.name(to_realm))
    if rule.action == RTN_NAT:
        out.append(" masquerade")
    elif rule.action == FR_ACT_GOTO:
        out.append(f" goto {rule.goto}" if rule.goto is not None else " goto none")
        if rule.flags & FIB_RULE_UNRESOLVED:
            out.append(" [unresolved]")
    elif rule.action == FR_ACT_NOP:
        out.append(" nop")
    elif rule.action != FR_ACT_TO_TBL:
        out.append(f" {rtntype_name(rule.action)}")
    if rule.protocol and rule.protocol != RTPROT_KERNEL:
        out.append(f" proto {safe_text(proto_name(rule.protocol))}")
    out.append(newer_selector_words(rule))
    return "".join(out)


def _port_words(word: str, rng: tuple[int, int], mask: int | None) -> str:
    """`` sport 80``, `` sport 1000-2000``, or with an inexact mask `` sport 0x123/0xfff``."""
    if rng[0] != rng[1]:
        return f" {word} {rng[0]}-{rng[1]}"
    if mask is not None and mask != PORT_MAX_MASK:
        return f" {word} {_c_hex(rng[0])}/{_c_hex(mask)}"
    return f" {word} {rng[0]}"


def newer_selector_words(rule: Rule) -> str:
    """The selectors iproute2 6.1 does not print, in the words of a current iproute2 (6.16+,
    print_rule prints them last): `` dscp AF41``, `` dscp 0x10/0x30``, `` flowlabel
    0x12345/0xff``; then every attribute fibscope does not understand as
    `` unknown-attr TYPE 0xHEX``.  Empty for the rules ip 6.1 prints completely."""
    out: list[str] = []
    if rule.dscp is not None:
        mask = rule.dscp_mask
        if mask is None or mask == DSCP_MAX_MASK:
            out.append(f" dscp {dscp_name(rule.dscp)}")
        else:
            out.append(f" dscp {_c_hex(rule.dscp)}/{_c_hex(mask)}")
    if rule.flowlabel is not None and rule.flowlabel_mask is not None:
        out.append(f" flowlabel {_c_hex(rule.flowlabel)}")
        if rule.flowlabel_mask != LABEL_MAX_MASK:
            out.append(f"/{_c_hex(rule.flowlabel_mask)}")
    out += [f" {unknown_attr_words(kind, data)}" for kind, data in rule.unknown]
    return "".join(out)


def ip_rule_show(
    rules: Iterable[Rule],
    *,
    family: int = AF_INET,
    table_names: Mapping[int, str] | None = None,
) -> str:
    """The complete stdout of ``ip [-6] rule show`` (``ip rule`` without -6 lists IPv4)."""
    realms = RealmNamer()
    lines = [rule_line(r, table_names, realms) for r in rules if r.family == family]
    return "".join(line + "\n" for line in lines)
