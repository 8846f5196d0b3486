"""A policy routing rule (RTM_NEWRULE), frozen, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from tui.model.constants import FIB_RULE_INVERT


@dataclass(frozen=True, slots=True)
class Rule:
    """One policy routing rule (RTM_NEWRULE)."""

    family: int
    priority: int
    action: int
    table: int = 0
    src: str | None = None
    src_len: int = 0
    dst: str | None = None
    dst_len: int = 0
    tos: int = 0
    flags: int = 0
    iifname: str | None = None
    oifname: str | None = None
    fwmark: int | None = None
    fwmask: int | None = None
    goto: int | None = None
    suppress_prefixlen: int | None = None
    suppress_ifgroup: int | None = None
    uid_range: tuple[int, int] | None = None
    ip_proto: int | None = None
    sport_range: tuple[int, int] | None = None
    dport_range: tuple[int, int] | None = None
    l3mdev: int = 0
    protocol: int = 0
    realms: int | None = None
    tun_id: int | None = None
    dscp: int | None = None  # FRA_DSCP: the 6-bit DSCP (kernel 6.13+)
    dscp_mask: int | None = None  # FRA_DSCP_MASK (6.15+; the kernel sends 0x3f with FRA_DSCP)
    flowlabel: int | None = None  # FRA_FLOWLABEL, IPv6 (6.16+)
    flowlabel_mask: int | None = None
    sport_mask: int | None = None  # FRA_SPORT_MASK (6.15+): sport_range.start under this mask
    dport_mask: int | None = None
    unknown: tuple[tuple[int, str], ...] = ()  # attributes not understood: (type, hex bytes)

    @property
    def inverted(self) -> bool:
        """True for a ``not`` rule."""
        return bool(self.flags & FIB_RULE_INVERT)
