"""``ip rule show`` / ``ip -6 rule show`` text, byte for byte as iproute2 6.1 prints it.

Rules from ip/iprule.c (print_rule), checked against the real ``ip`` in namespaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
    dsfield_name,
    group_name,
    ipproto_name,
    proto_name,
    rtntype_name,
    table_name,
)

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
        out.append(f" iif {rule.iifname}")
        if rule.flags & FIB_RULE_IIF_DETACHED:
            out.append(" [detached]")
    if rule.oifname is not None:
        out.append(f" oif {rule.oifname}")
        if rule.flags & FIB_RULE_OIF_DETACHED:
            out.append(" [detached]")
    if rule.l3mdev:
        out.append(" lookup [l3mdev-table]")
    if rule.uid_range is not None:
        out.append(f" uidrange {rule.uid_range[0]}-{rule.uid_range[1]}")
    if rule.ip_proto:
        out.append(f" ipproto {ipproto_name(rule.ip_proto)}")
    for word, rng in (("sport", rule.sport_range), ("dport", rule.dport_range)):
        if rng is not None:
            out.append(f" {word} {rng[0]}" if rng[0] == rng[1] else f" {word} {rng[0]}-{rng[1]}")
    if rule.table:
        out.append(f" lookup {table_name(rule.table, table_names)}")
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
        out.append(f" proto {proto_name(rule.protocol)}")
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
