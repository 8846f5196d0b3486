"""Links, their addresses and forwarding settings as text lines (pure)."""

from __future__ import annotations

from tui.model import AF_INET, AF_INET6, NetnsState


def _onoff(value: int | None) -> str:
    return "-" if value is None else ("on" if value else "off")


RP_FILTER = {0: "off", 1: "strict", 2: "loose"}


def links_lines(state: NetnsState) -> list[str]:
    """One line per device: state, carrier, master, forwarding, rp_filter, addresses."""
    by_index = state.link_by_index()
    sysctls = state.sysctls
    lines = [
        f"ip_forward={sysctls.ip_forward} ({'routing between devices' if sysctls.ip_forward else 'a host: no forwarding'})"
        f"  conf.all: forwarding={sysctls.conf_all.forwarding} rp_filter={sysctls.conf_all.rp_filter}"
        f"  ipv6 forwarding={sysctls.ipv6_forwarding_all}",
        "",
        f"{'IDX':>4} {'DEVICE':<15} {'STATE':<8} {'CARRIER':<7} {'FWD':<3} {'RPF':<6} {'FWD6':<4} ADDRESSES",
    ]
    for link in state.links:
        conf = link.inet
        rp = max(conf.rp_filter, sysctls.conf_all.rp_filter) if conf else None
        addrs = [
            f"{a.local or a.address}/{a.prefixlen}"
            for a in state.addresses
            if a.index == link.index and a.family in (AF_INET, AF_INET6)
        ]
        name = link.name
        if link.master is not None and link.master in by_index:
            name += f"@{by_index[link.master].name}"
        lines.append(
            f"{link.index:>4} {name:<15} {link.operstate:<8} {'yes' if link.carrier else 'NO':<7} "
            f"{_onoff(conf.forwarding if conf else None):<3} {RP_FILTER.get(rp, str(rp)) if rp is not None else '-':<6} "
            f"{_onoff(link.inet6_forwarding):<4} {' '.join(addrs) or '-'}"
        )
    return lines
