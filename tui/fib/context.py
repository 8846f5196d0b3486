"""Everything the engine derives from a ``NetnsState`` once, before any query.

Maps of links and addresses, the table indexes, the rules in kernel order and the facts the
kernel keeps as flags (custom rules, custom local routes, flow dissection for rules): building
them per query would scan the state, so an ``Engine`` builds one ``Context`` and reuses it.
"""

from __future__ import annotations

from collections.abc import Mapping

from tui.fib.addr import MASKS, to_int
from tui.fib.neigh import NeighbourIndex
from tui.fib.nh_resolve import resolve_routes
from tui.fib.table import TableIndex, build_indexes
from tui.model import (
    AF_INET,
    AF_INET6,
    FR_ACT_TO_TBL,
    IFF_LOOPBACK,
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RTN_LOCAL,
    Address,
    DevConf,
    Link,
    NetnsState,
    Rule,
)

RTPROT_KERNEL = 2
IFA_F_SECONDARY = 0x01
IFA_F_DEPRECATED = 0x20
IFA_F_TENTATIVE = 0x40
IFA_F_OPTIMISTIC = 0x04
IFA_F_HOMEADDRESS = 0x10
IFA_F_TEMPORARY = 0x01  # IPv6 reuses the SECONDARY bit for temporary (privacy) addresses
LOOPBACK_IFINDEX = 1

DEFAULT_TABLE_NAMES = {RT_TABLE_LOCAL: "local", RT_TABLE_MAIN: "main", RT_TABLE_DEFAULT: "default"}
_DEFAULT_RULES = {
    AF_INET: ((0, RT_TABLE_LOCAL), (32766, RT_TABLE_MAIN), (32767, RT_TABLE_DEFAULT)),
    AF_INET6: ((0, RT_TABLE_LOCAL), (32766, RT_TABLE_MAIN)),
}


def _is_plain(rule: Rule) -> bool:
    """A rule without any selector (what the default rules look like)."""
    return (
        not rule.src_len
        and not rule.dst_len
        and not rule.tos
        and not rule.iifname
        and not rule.oifname
        and not rule.fwmark
        and not rule.fwmask
        and rule.goto is None
        and rule.suppress_prefixlen is None
        and rule.suppress_ifgroup is None
        and rule.uid_range in (None, (0, 0xFFFFFFFF))
        and not rule.ip_proto
        and rule.sport_range in (None, (0, 0))
        and rule.dport_range in (None, (0, 0))
        and not rule.l3mdev
        and not rule.inverted
        and rule.action == FR_ACT_TO_TBL
    )


def _has_custom_rules(rules: list[Rule], family: int) -> bool:
    shape = tuple((r.priority, r.table) for r in rules)
    return shape != _DEFAULT_RULES[family] or not all(_is_plain(r) for r in rules)


def _needs_dissect(rule: Rule) -> bool:
    """fib_rule_requires_fldissect: a rule on ipproto or ports (other than iif lo)."""
    if rule.iifname == "lo":
        return False
    unset = (None, (0, 0))
    return bool(rule.ip_proto) or rule.sport_range not in unset or rule.dport_range not in unset


class Context:
    """The state, indexed for lookups."""

    def __init__(self, state: NetnsState, table_names: Mapping[int, str] | None = None) -> None:
        self.state = state
        self.table_names = dict(DEFAULT_TABLE_NAMES)
        self.table_names.update(table_names or {})
        self.links: dict[int, Link] = {link.index: link for link in state.links}
        self.by_name: dict[str, Link] = {link.name: link for link in state.links}
        lo = next((link for link in state.links if link.flags & IFF_LOOPBACK), None)
        self.lo_index = lo.index if lo is not None else LOOPBACK_IFINDEX
        self.lo_name = lo.name if lo is not None else "lo"
        self.vrf = any(link.kind == "vrf" for link in state.links)
        self.conf_all = state.sysctls.conf_all
        self.conf_default = state.sysctls.conf_default
        self.neighbours = NeighbourIndex(state.neighbours)

        # Addresses per device in dump order (= the kernel's ifa list order), as
        # (local int, IFA_ADDRESS int, the Address); IPv4 local ints for inet_lookup_ifaddr.
        # Both families: an address added with ``peer`` has IFA_LOCAL = ours and
        # IFA_ADDRESS = the peer (inet_fill_ifaddr, inet6_fill_ifaddr); without a peer
        # IPv6 sends IFA_ADDRESS alone.
        self.addrs: dict[int, dict[int, list[tuple[int, int, Address]]]] = {
            AF_INET: {},
            AF_INET6: {},
        }
        self.local4: dict[int, int] = {}
        for addr in state.addresses:
            if addr.family not in (AF_INET, AF_INET6):
                continue
            text = addr.local or addr.address
            try:
                value = to_int(addr.family, text)
                peer = to_int(addr.family, addr.address) if addr.address else value
            except ValueError:
                continue
            self.addrs[addr.family].setdefault(addr.index, []).append((value, peer, addr))
            if addr.family == AF_INET:
                self.local4.setdefault(value, addr.index)
        self.dev_order = sorted(self.links)  # for_each_netdev: registration order, lo first

        self.rules: dict[int, list[Rule]] = {}
        self.custom_rules: dict[int, bool] = {}
        for family in (AF_INET, AF_INET6):
            rules = sorted((r for r in state.rules if r.family == family), key=lambda r: r.priority)
            self.rules[family] = rules
            self.custom_rules[family] = _has_custom_rules(rules, family) if rules else False
        self.dissect4 = any(_needs_dissect(r) for r in self.rules[AF_INET])
        merge = not self.custom_rules[AF_INET]
        # Nexthop objects by id; routes with an nhid are indexed with their object's next hops.
        self.nexthops = {nh.id: nh for nh in state.nexthops or ()}
        self.nexthops_read = state.nexthops is not None
        self.tables = build_indexes(resolve_routes(state.routes, self.nexthops), merge)
        # IPv6 tables holding source-specific routes (``from``): their lookups walk the
        # fib6 source subtrees (tui.fib.subtrees6); the others skip that work.
        self.subtrees6: frozenset[int] = frozenset(
            route.table for route in state.routes if route.src_len and route.family == AF_INET6
        )
        self.merged4 = self.tables.get((AF_INET, RT_TABLE_MAIN)) if merge else None
        local = self.tables.get((AF_INET, RT_TABLE_LOCAL))
        self.local_types4 = TableIndex(AF_INET, RT_TABLE_LOCAL)  # RTN_LOCAL routes of local
        self.custom_local_routes = False
        for route in local.routes() if local is not None else ():
            if route.type == RTN_LOCAL:
                net = to_int(AF_INET, route.dst) & MASKS[AF_INET][route.dst_len]
                self.local_types4.add(route, net)
                if route.protocol != RTPROT_KERNEL:
                    self.custom_local_routes = True
        self.local_types4.finish()
        # Built by tui.fib.anycast6 when first needed: /proc/net/ipv6_route flags by route.
        self.ipv6_proc_index: dict[tuple[str, int, int, str, int], set[bool]] | None = None

    # --- names --------------------------------------------------------------------------
    def dev_name(self, index: int | None) -> str:
        """The name of a device (``if7`` when unknown)."""
        if index is None:
            return "?"
        link = self.links.get(index)
        return link.name if link is not None else f"if{index}"

    def table_name(self, table: int) -> str:
        """``main`` for 254, the number otherwise unless /etc/iproute2 names it."""
        return self.table_names.get(table, str(table))

    def table(self, family: int, table: int) -> TableIndex | None:
        """The index of a table, None when the table does not exist (no routes)."""
        return self.tables.get((family, table))

    # --- per-device IPv4 settings (IN_DEV_* macros) ---------------------------------------
    def conf(self, index: int) -> DevConf:
        """The device's IPv4 devconf (the ``default`` values when it was not read)."""
        link = self.links.get(index)
        if link is None or link.inet is None:
            return self.conf_default
        return link.inet

    def forwarding(self, index: int) -> bool:
        """IN_DEV_FORWARD: the device's own value (ip_forward writes every device's)."""
        return bool(self.conf(index).forwarding)

    def rp_filter(self, index: int) -> int:
        """IN_DEV_RPFILTER: the larger of conf/all and conf/DEV."""
        return max(self.conf_all.rp_filter, self.conf(index).rp_filter)

    def accept_local(self, index: int) -> bool:
        """IN_DEV_ACCEPT_LOCAL: all or the device."""
        return bool(self.conf_all.accept_local or self.conf(index).accept_local)

    def route_localnet(self, index: int) -> bool:
        """IN_DEV_ROUTE_LOCALNET: all or the device."""
        return bool(self.conf_all.route_localnet or self.conf(index).route_localnet)

    def src_valid_mark(self, index: int) -> bool:
        """IN_DEV_SRC_VMARK: all or the device."""
        return bool(self.conf_all.src_valid_mark or self.conf(index).src_valid_mark)

    def ignore_linkdown(self, index: int | None, family: int = AF_INET) -> bool:
        """Whether linkdown next hops through the device are skipped."""
        if index is None or family != AF_INET:
            return False
        return bool(
            self.conf_all.ignore_routes_with_linkdown
            or self.conf(index).ignore_routes_with_linkdown
        )

    def forwarding6(self, index: int) -> bool:
        """IPv6 forwarding of the device (all's value when the device's was not read)."""
        link = self.links.get(index)
        if link is not None and link.inet6_forwarding is not None:
            return bool(link.inet6_forwarding)
        return bool(self.state.sysctls.ipv6_forwarding_all)
