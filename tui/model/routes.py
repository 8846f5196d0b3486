"""Routes: a FIB entry as the kernel dumps it (RTM_NEWROUTE), its next hops and rarer parts,
and a row of /proc/net/ipv6_route (frozen, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass


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
