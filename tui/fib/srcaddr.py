"""Which source address the kernel picks when the caller gave none.

IPv4 (net/ipv4/devinet.c ``inet_select_addr``): the first primary address of the device whose
scope fits, preferring one whose subnet holds ``dst`` (the gateway); else, walking every device
from ``lo`` on, the first primary address that is not link-scoped and fits the scope.
IPv6 (net/ipv6/addrconf.c ``ipv6_dev_get_saddr``): RFC 6724's rules in the kernel's order.
"""

from __future__ import annotations

from tui.fib.addr import MASKS, to_text, v6_multicast, v6_scope
from tui.fib.context import (
    IFA_F_DEPRECATED,
    IFA_F_HOMEADDRESS,
    IFA_F_OPTIMISTIC,
    IFA_F_SECONDARY,
    IFA_F_TEMPORARY,
    IFA_F_TENTATIVE,
    Context,
)
from tui.fib.l3mdev import master_of
from tui.model import AF_INET, AF_INET6, RT_SCOPE_HOST, RT_SCOPE_LINK, Address
from tui.names import SCOPE_NAMES


def inet_select_addr(
    ctx: Context, dev: int, dst: int, scope: int, explain: bool = True
) -> tuple[int, str]:
    """The address and a sentence saying why it was chosen (0 when there is none); the
    sentence is only written when ``explain`` (batches skip it)."""
    localnet_scope = RT_SCOPE_LINK if ctx.route_localnet(dev) else RT_SCOPE_HOST
    found, why = 0, ""
    for value, peer, addr in ctx.addrs[AF_INET].get(dev, ()):
        if addr.flags & IFA_F_SECONDARY:
            continue
        if min(addr.scope, localnet_scope) > scope:
            continue
        mask = MASKS[AF_INET][addr.prefixlen]
        if not dst or (peer & mask) == (dst & mask):
            if not explain:
                return value, ""
            where = "" if not dst else f", in the same subnet as {to_text(AF_INET, dst)}"
            return value, f"first primary address of {ctx.dev_name(dev)}{where}"
        if not found:
            found, why = value, f"first primary address of {ctx.dev_name(dev)} with a fitting scope"
    if found:
        return found, why
    # For VRFs the VRF device takes the place of lo (its addresses first), and only devices
    # of the same L3 domain count: a device outside every VRF never lends an address to one
    # inside, nor the other way round.
    master = master_of(ctx, dev) if ctx.vrf else 0
    order = [master] if master else []
    order += [i for i in ctx.dev_order if master_of(ctx, i) == master] if ctx.vrf else ctx.dev_order
    for index in order:
        for value, _peer, addr in ctx.addrs[AF_INET].get(index, ()):
            if addr.flags & IFA_F_SECONDARY:
                continue
            if addr.scope != RT_SCOPE_LINK and addr.scope <= scope:
                return value, (
                    f"{ctx.dev_name(dev)} has no fitting address: first "
                    f"{SCOPE_NAMES.get(addr.scope, addr.scope)} address of "
                    f"{ctx.dev_name(index)}" + (f" (VRF {ctx.dev_name(master)})" if master else "")
                )
    where = f"in VRF {ctx.dev_name(master)}" if master else "on any device"
    return 0, f"no address of scope {SCOPE_NAMES.get(scope, scope)} or wider {where}"


# net/ipv6/addrlabel.c: the default policy table (longest prefix wins).
_LABELS: tuple[tuple[int, int, int], ...] = (
    (1, 128, 0),  # ::1/128
    (0xFFFF << 32, 96, 4),  # ::ffff:0:0/96
    (0, 96, 3),  # ::/96
    (0x20010010 << 96, 28, 7),  # 2001:10::/28
    (0x20010000 << 96, 32, 6),  # 2001::/32
    (0x2002 << 112, 16, 2),  # 2002::/16
    (0x3FFE << 112, 16, 12),  # 3ffe::/16
    (0xFEC0 << 112, 10, 11),  # fec0::/10
    (0xFC << 120, 7, 5),  # fc00::/7
    (0, 0, 1),  # ::/0
)


def addr_label(value: int) -> int:
    """ipv6_addr_label with the kernel's default table."""
    for net, plen, label in _LABELS:
        if (value & MASKS[AF_INET6][plen]) == net:
            return label
    return 1


def _common_bits(a: int, b: int) -> int:
    diff = a ^ b
    return 128 - diff.bit_length()


def _scores(
    value: int, addr: Address, dev: int, dst: int, dst_scope: int, dst_label: int, dst_dev: int
) -> tuple[int, ...]:
    """The per-rule scores of one candidate (higher is better), in the kernel's rule order."""
    scope = v6_scope(value)
    scopedist = -scope if scope >= dst_scope else scope - 128
    preferred = value == 1 or not addr.flags & IFA_F_DEPRECATED
    matchlen = min(_common_bits(value, dst), addr.prefixlen)
    return (
        1,  # INIT
        int(value == dst),  # LOCAL: the destination itself
        scopedist,  # SCOPE
        int(preferred),  # PREFERRED: not deprecated
        int(bool(addr.flags & IFA_F_HOMEADDRESS)),  # HOA
        int(not dst_dev or dst_dev == dev),  # OIF: on the outgoing interface
        int(addr_label(value) == dst_label),  # LABEL
        int(not addr.flags & IFA_F_TEMPORARY),  # PRIVACY: public over temporary
        1,  # ORCHID
        matchlen,  # PREFIX: longest match
        int(not addr.flags & IFA_F_OPTIMISTIC),  # NOT_OPTIMISTIC
    )


_RULE_WORDS = (
    "",
    "it is the destination",
    "its scope fits best",
    "it is not deprecated",
    "home address",
    "it is on the outgoing interface",
    "its label matches",
    "it is not temporary",
    "",
    "longest matching prefix",
    "it is not optimistic",
)


def ipv6_dev_get_saddr(ctx: Context, dst_dev: int, dst: int) -> tuple[int | None, str]:
    """The source for ``dst`` leaving through ``dst_dev`` (None when no address fits)."""
    # __ipv6_addr_src_scope: the unspecified address has no scope (-1), so every candidate's
    # scope is "wide enough" and the narrowest wins (seen: `ip route get ::` takes a link-local).
    dst_scope = v6_scope(dst) if dst else -1
    dst_label = addr_label(dst)
    # Multicast and link-local destinations take their source from the outgoing device only.
    only_oif = dst_dev and (v6_multicast(dst) or dst_scope <= 0x02)
    master = master_of(ctx, dst_dev) if not only_oif else 0
    # Only devices of the output device's L3 domain (VRF) are candidates; in a VRF the output
    # device and the VRF device are tried first, and suffice when their best address has a
    # wide enough scope (ipv6_get_saddr_master).
    domain = [i for i in ctx.dev_order if master_of(ctx, i) == master] if ctx.vrf else ctx.dev_order
    passes = [[dst_dev]] if only_oif else ([[dst_dev, master], domain] if master else [domain])
    best: tuple[int, ...] | None = None
    best_value: int | None = None
    decided = 0
    for number, devices in enumerate(passes):
        if number and best is not None and best[2] >= 0:
            break
        best, best_value, decided = _best_of(
            ctx, devices, dst, dst_scope, dst_label, dst_dev, best, best_value, decided
        )
    if best_value is None:
        return None, "no usable IPv6 address"
    why = _RULE_WORDS[decided] if decided else "the first candidate"
    return best_value, f"RFC 6724 source selection: {why}"


def _best_of(
    ctx: Context,
    devices: list[int],
    dst: int,
    dst_scope: int,
    dst_label: int,
    dst_dev: int,
    best: tuple[int, ...] | None,
    best_value: int | None,
    decided: int,
) -> tuple[tuple[int, ...] | None, int | None, int]:
    """The best candidate so far after scoring the addresses of ``devices``."""
    for dev in devices:
        for value, _peer, addr in ctx.addrs[AF_INET6].get(dev, ()):
            if addr.flags & IFA_F_TENTATIVE and not addr.flags & IFA_F_OPTIMISTIC:
                continue
            if value == 0 or v6_multicast(value):
                continue
            score = _scores(value, addr, dev, dst, dst_scope, dst_label, dst_dev)
            if best is None:
                best, best_value = score, value
                continue
            for rule, (mine, theirs) in enumerate(zip(score, best, strict=True)):
                if mine != theirs:
                    if mine > theirs:
                        best, best_value, decided = score, value, rule
                    break
    return best, best_value, decided
