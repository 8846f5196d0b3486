"""The pure data model of a host's routing state.

Frozen dataclasses with ``__slots__`` and no I/O: the kernel reader builds them, the capture
file stores them, and the engine, formats and UI only read them.  Field names follow the
kernel's and iproute2's vocabulary (``prefsrc``, ``oif``, ``scope``, ``protocol``, ...).
Addresses are kept as canonical text (``socket.inet_ntop``), numbers as the kernel's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Nexthop objects have their own module; they are imported from here like the rest.
from tui.model.nexthop_objects import *  # noqa: F403
from tui.model.nexthop_objects import NexthopObject

AF_INET = 2
AF_INET6 = 10
AF_MPLS = 28  # MPLS routes (ip -f mpls route): kept and shown, never looked up

# Route types (RTN_*), as in <linux/rtnetlink.h>.
RTN_UNSPEC = 0
RTN_UNICAST = 1
RTN_LOCAL = 2
RTN_BROADCAST = 3
RTN_ANYCAST = 4
RTN_MULTICAST = 5
RTN_BLACKHOLE = 6
RTN_UNREACHABLE = 7
RTN_PROHIBIT = 8
RTN_THROW = 9
RTN_NAT = 10

# Scopes (RT_SCOPE_*).
RT_SCOPE_UNIVERSE = 0
RT_SCOPE_SITE = 200
RT_SCOPE_LINK = 253
RT_SCOPE_HOST = 254
RT_SCOPE_NOWHERE = 255

# Well-known tables.
RT_TABLE_UNSPEC = 0
RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255

# Next hop / route flags (RTNH_F_* in rtm_flags and rtnh_flags).
RTNH_F_DEAD = 1
RTNH_F_PERVASIVE = 2
RTNH_F_ONLINK = 4
RTNH_F_OFFLOAD = 8
RTNH_F_LINKDOWN = 16
RTNH_F_UNRESOLVED = 32
RTNH_F_TRAP = 64
RTM_F_CLONED = 0x200

# Rule actions (FR_ACT_*) and flags.
FR_ACT_TO_TBL = 1
FR_ACT_GOTO = 2
FR_ACT_NOP = 3
FR_ACT_BLACKHOLE = 6
FR_ACT_UNREACHABLE = 7
FR_ACT_PROHIBIT = 8
FIB_RULE_INVERT = 0x2
FIB_RULE_UNRESOLVED = 0x4

# Link flags (IFF_*).
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_LOWER_UP = 0x10000

# Neighbour states (NUD_*) and flags (NTF_*), as in <linux/neighbour.h>.
NUD_NONE = 0x00
NUD_INCOMPLETE = 0x01
NUD_REACHABLE = 0x02
NUD_STALE = 0x04
NUD_DELAY = 0x08
NUD_PROBE = 0x10
NUD_FAILED = 0x20
NUD_NOARP = 0x40
NUD_PERMANENT = 0x80
NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY
NTF_PROXY = 0x08
NTF_ROUTER = 0x80


@dataclass(frozen=True, slots=True)
class Nexthop:
    """One next hop of a multipath route (``rtnexthop``)."""

    gateway: str | None
    oif: int | None
    weight: int = 1
    flags: int = 0
    realms: int | None = None  # RTA_FLOW of this hop: (from << 16) | to
    encap: tuple[int, str] | None = None  # (RTA_ENCAP_TYPE, RTA_ENCAP payload as hex)
    unknown: tuple[tuple[int, str], ...] = ()  # attributes not understood: (type, hex bytes)


@dataclass(frozen=True, slots=True)
class RouteExtras:
    """The rarer parts of a route, kept apart so a million plain routes pay one slot."""

    realms: int | None = None  # RTA_FLOW
    encap: tuple[int, str] | None = None  # (RTA_ENCAP_TYPE, RTA_ENCAP payload as hex)
    unknown: tuple[tuple[int, str], ...] = ()  # attributes not understood: (type, hex bytes)


@dataclass(frozen=True, slots=True)
class Route:
    """One FIB entry as the kernel dumps it (RTM_NEWROUTE)."""

    family: int
    table: int
    type: int
    dst: str
    dst_len: int
    tos: int = 0
    protocol: int = 0
    scope: int = 0
    flags: int = 0
    priority: int | None = None
    prefsrc: str | None = None
    gateway: str | None = None
    oif: int | None = None
    src: str | None = None
    src_len: int = 0
    multipath: tuple[Nexthop, ...] = ()
    nhid: int | None = None
    metrics: tuple[tuple[int, int | str], ...] = ()  # RTAX_CC_ALGO (congctl) is a name
    pref: int | None = None
    expires: int | None = None
    extras: RouteExtras | None = None  # what few routes carry: one slot, not three

    @property
    def realms(self) -> int | None:
        """RTA_FLOW: (from realm << 16) | to realm."""
        return self.extras.realms if self.extras is not None else None

    @property
    def encap(self) -> tuple[int, str] | None:
        """(RTA_ENCAP_TYPE, RTA_ENCAP payload as hex)."""
        return self.extras.encap if self.extras is not None else None

    @property
    def unknown(self) -> tuple[tuple[int, str], ...]:
        """Attributes fibscope does not understand: (type, hex bytes)."""
        return self.extras.unknown if self.extras is not None else ()

    def nexthops(self) -> tuple[Nexthop, ...]:
        """The route's next hops: the multipath list, or the single one it carries."""
        if self.multipath:
            return self.multipath
        return (Nexthop(self.gateway, self.oif, 1, self.flags & 0xFF, self.realms, self.encap),)


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


@dataclass(frozen=True, slots=True)
class DevConf:
    """The IPv4 per-device (or all/default) sysctls that routing decisions depend on."""

    forwarding: int = 0
    rp_filter: int = 0
    accept_local: int = 0
    route_localnet: int = 0
    ignore_routes_with_linkdown: int = 0
    src_valid_mark: int = 0
    # Who answers ARP (``fibscope path``): arp_process, arp_fwd_proxy, arp_fwd_pvlan.
    proxy_arp: int = 0
    proxy_arp_pvlan: int = 0
    medium_id: int = 0
    arp_ignore: int = 0


@dataclass(frozen=True, slots=True)
class Vxlan:
    """A vxlan device's settings (IFLA_INFO_DATA): where its outer packets come from and go."""

    vni: int
    port: int = 4789  # the UDP destination port (IFLA_VXLAN_PORT)
    local: str | None = None  # the outer source address, when set
    group: str | None = None  # the default remote (or multicast group)
    link: int | None = None  # IFLA_VXLAN_LINK: the underlay device (in the link-netns)
    external: bool = False  # collect_metadata: VNI and remote come with each packet
    learning: bool = True


@dataclass(frozen=True, slots=True)
class FdbEntry:
    """A vxlan forwarding entry (``bridge fdb ... dev vx0 dst R``): frames for ``lladdr``
    (00:00:00:00:00:00: every unknown one) go to the remote ``dst``."""

    ifindex: int
    lladdr: str
    dst: str
    vni: int | None = None  # NDA_VNI, when not the device's
    port: int | None = None  # NDA_PORT, when not the device's
    via: int | None = None  # NDA_IFINDEX: the underlay device to send through


@dataclass(frozen=True, slots=True)
class Link:
    """A network device of the namespace."""

    index: int
    name: str
    flags: int
    operstate: str = "UNKNOWN"
    kind: str | None = None
    master: int | None = None
    mtu: int = 0
    group: int = 0
    address: str | None = None
    inet: DevConf | None = None
    inet6_forwarding: int | None = None
    # IFLA_LINK (a veth's peer ifindex, a tunnel's lower device) and IFLA_LINK_NETNSID (the
    # namespace of that device, as this namespace numbers it: see ``NetnsState.nsids``).
    link: int | None = None
    link_netnsid: int | None = None
    inet6_proxy_ndp: int | None = None
    # A VRF device's routing table (IFLA_INFO_DATA / IFLA_VRF_TABLE); None for other kinds
    # and for captures that predate it.
    vrf_table: int | None = None
    # A vxlan device's settings; None for other kinds and for captures that lack them.
    vxlan: Vxlan | None = None

    @property
    def up(self) -> bool:
        """Administratively up (IFF_UP)."""
        return bool(self.flags & IFF_UP)

    @property
    def carrier(self) -> bool:
        """Lower layer up (IFF_LOWER_UP): without it routes through the link are linkdown."""
        return bool(self.flags & IFF_LOWER_UP)


@dataclass(frozen=True, slots=True)
class Address:
    """An interface address (RTM_NEWADDR)."""

    family: int
    index: int
    address: str
    prefixlen: int
    scope: int = 0
    flags: int = 0
    local: str | None = None
    broadcast: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Sysctls:
    """Namespace-wide forwarding sysctls."""

    ip_forward: int = 0
    conf_all: DevConf = field(default_factory=DevConf)
    conf_default: DevConf = field(default_factory=DevConf)
    ipv6_forwarding_all: int = 0
    ipv6_forwarding_default: int = 0
    fib_multipath_hash_policy: int = 0
    # Multipath selection (None: not in the capture, so the engine may not rely on it).
    fib_multipath_use_neigh: int | None = None
    fib_multipath_hash_fields: int | None = None
    fib_multipath_hash_seed: int | None = None  # 0: a random per-boot key (6.11+)
    ipv6_multipath_hash_policy: int | None = None
    ipv6_multipath_hash_fields: int | None = None
    ipv6_proxy_ndp_all: int = 0


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One neighbour (ARP / NDISC) entry, or a proxy entry (RTM_NEWNEIGH)."""

    family: int
    ifindex: int
    dst: str
    state: int = NUD_NONE
    flags: int = 0
    lladdr: str | None = None
    proxy: bool = False


@dataclass(frozen=True, slots=True)
class Ipv6ProcRoute:
    """One row of /proc/net/ipv6_route: what ``route -n -A inet6`` prints (with refcnt)."""

    dst: str
    dst_len: int
    src: str
    src_len: int
    nexthop: str
    metric: int
    refcnt: int
    use: int
    flags: int
    dev: str


@dataclass(frozen=True, slots=True)
class Process:
    """A process that lives in a namespace."""

    pid: int
    name: str
    cmdline: str = ""  # captures keep it only when asked (``capture --cmdline``): secrets


@dataclass(frozen=True, slots=True)
class NamespaceInfo:
    """Identity of a network namespace: de-duplicated by (st_dev, st_ino)."""

    dev: int
    inode: int
    names: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    processes: tuple[Process, ...] = ()
    is_host: bool = False
    # What the namespace is, when its processes tell: the UTS hostname they see (a pod's
    # name), the container (``runtime:id``) and Kubernetes pod UID from their cgroup path.
    hostname: str | None = None
    container: str | None = None
    pod_uid: str | None = None

    def known_as(self, name: str) -> bool:
        """True when a user naming ``name`` means this namespace (a name, its label such as
        ``host``, its inode, or ``net:[inode]``)."""
        return name in self.names or name in (self.label, str(self.inode), f"net:[{self.inode}]")

    @property
    def label(self) -> str:
        """The name a user knows it by."""
        if self.is_host:
            return "host"
        if self.names:
            return self.names[0]
        return f"net:[{self.inode}]"


@dataclass(frozen=True, slots=True)
class NetnsState:
    """Everything read from one namespace."""

    links: tuple[Link, ...] = ()
    addresses: tuple[Address, ...] = ()
    rules: tuple[Rule, ...] = ()
    routes: tuple[Route, ...] = ()
    sysctls: Sysctls = field(default_factory=Sysctls)
    ipv6_proc_routes: tuple[Ipv6ProcRoute, ...] = ()
    # None: the neighbour table was not read (an older capture): choices that depend on it
    # cannot be predicted.  () is a read table that is empty.
    neighbours: tuple[Neighbour, ...] | None = None
    # This namespace's ids of other namespaces (RTM_GETNSID) as (nsid, namespace inode); None
    # when they were not read (a capture by an older fibscope): ``fibscope path`` needs them.
    nsids: tuple[tuple[int, int], ...] | None = None
    # None: not read (a capture made before fibscope read nexthop objects).
    nexthops: tuple[NexthopObject, ...] | None = None
    # The vxlan forwarding entries (AF_BRIDGE neighbours with a remote); None: not read.
    fdb: tuple[FdbEntry, ...] | None = None

    def link_by_index(self) -> dict[int, Link]:
        """Links keyed by ifindex."""
        return {link.index: link for link in self.links}

    def link_names(self) -> dict[int, str]:
        """Link names keyed by ifindex: how every view turns an ``oif`` into ``dev NAME``."""
        return {link.index: link.name for link in self.links}

    def link_named(self, name: str) -> Link | None:
        """The link with that name, if any."""
        for link in self.links:
            if link.name == name:
                return link
        return None


@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace and, when it could be read, its state (else ``error`` says why)."""

    info: NamespaceInfo
    state: NetnsState | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HostState:
    """The routing state of a whole host: what a capture file holds."""

    namespaces: tuple[Namespace, ...]
    table_names: dict[int, str] = field(default_factory=dict)
    hostname: str = ""
    kernel: str = ""
    captured_at: str = ""
    proto_names: dict[int, str] = field(default_factory=dict)  # rt_protos files (+ .d)
