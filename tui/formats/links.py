"""Links, their addresses and forwarding settings as text lines (pure)."""

from __future__ import annotations

from tui.formats.safe_text import safe_text
from tui.model import AF_INET, AF_INET6, NetnsState

RP_FILTER = {0: "off", 1: "strict", 2: "loose"}
STATES = {"LOWERLAYERDOWN": "LLDOWN", "NOTPRESENT": "ABSENT"}


def _onoff(value: int | None) -> str:
    return "-" if value is None else ("on" if value else "off")


def links_lines(state: NetnsState, width: int = 78) -> list[str]:
    """One line per device (state, carrier, forwarding, effective rp_filter), then its
    addresses on indented lines that fit ``width``."""
    by_index = state.link_by_index()
    sysctls = state.sysctls
    fwd = "on: routes between devices" if sysctls.ip_forward else "off: a host, no forwarding"
    lines = [
        f"ip_forward {fwd}",
        f"conf/all forwarding {sysctls.conf_all.forwarding} rp_filter {sysctls.conf_all.rp_filter}"
        f"  ·  ipv6 forwarding {sysctls.ipv6_forwarding_all}",
        " ",
        f"{'IDX':>4} {'DEVICE':<16} {'STATE':<8} {'CARRIER':<7} {'FWD':<4} {'RP_FILTER':<9} FWD6",
    ]
    for link in state.links:
        conf = link.inet
        rp = max(conf.rp_filter, sysctls.conf_all.rp_filter) if conf else None
        name = link.name
        if link.master is not None and link.master in by_index:
            name += f"@{by_index[link.master].name}"
        name = safe_text(name)
        rp_text = RP_FILTER.get(rp, str(rp)) if rp is not None else "-"
        lines.append(
            f"{link.index:>4} {name:<16} {STATES.get(link.operstate, link.operstate):<8} "
            f"{'yes' if link.carrier else 'NO':<7} {_onoff(conf.forwarding if conf else None):<4} "
            f"{rp_text:<9} {_onoff(link.inet6_forwarding)}"
        )
        addrs = [
            f"{a.local or a.address}/{a.prefixlen}"
            for a in state.addresses
            if a.index == link.index and a.family in (AF_INET, AF_INET6)
        ]
        current = " " * 6
        for addr in addrs:
            if len(current) + len(addr) + 1 > width and current.strip():
                lines.append(current.rstrip())
                current = " " * 6
            current += addr + "  "
        if current.strip():
            lines.append(current.rstrip())
    return lines
