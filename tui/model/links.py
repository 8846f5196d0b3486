"""A namespace's devices and what hangs off them: links (with a vxlan's settings and
forwarding entries), their addresses and neighbours (frozen, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from tui.model.constants import IFF_LOWER_UP, IFF_UP, NUD_NONE
from tui.model.sysctls import DevConf


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
class Neighbour:
    """One neighbour (ARP / NDISC) entry, or a proxy entry (RTM_NEWNEIGH)."""

    family: int
    ifindex: int
    dst: str
    state: int = NUD_NONE
    flags: int = 0
    lladdr: str | None = None
    proxy: bool = False
