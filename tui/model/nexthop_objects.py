"""Nexthop objects (RTM_NEWNEXTHOP, ip nexthop): single next hops, blackholes and groups,
as read from the kernel or a capture (frozen, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

# Nexthop group types (NEXTHOP_GRP_TYPE_*).
NEXTHOP_GRP_TYPE_MPATH = 0
NEXTHOP_GRP_TYPE_RES = 1


@dataclass(frozen=True, slots=True)
class NexthopGroupMember:
    """One member of a nexthop group (``struct nexthop_grp``); ``weight`` as the user gave
    it (the wire value plus one)."""

    id: int
    weight: int = 1


@dataclass(frozen=True, slots=True)
class ResilientGroup:
    """NHA_RES_GROUP of a resilient group; the timers in the kernel's clock_t (1/100 s)."""

    buckets: int
    idle_timer: int = 0
    unbalanced_timer: int = 0
    unbalanced_time: int = 0


@dataclass(frozen=True, slots=True)
class NexthopObject:
    """A nexthop object (RTM_NEWNEXTHOP): a single next hop, a blackhole or a group.

    ``bucket_nhids`` is a resilient group's bucket table (index -> member id) as
    RTM_GETNEXTHOPBUCKET dumped it, empty when not read.  Attributes fibscope does not decode
    are kept in ``unknown`` as (type, hex payload) so views and lookups can name them.
    """

    id: int
    family: int = 0
    scope: int = 0
    protocol: int = 0
    flags: int = 0
    gateway: str | None = None
    oif: int | None = None
    blackhole: bool = False
    fdb: bool = False
    group: tuple[NexthopGroupMember, ...] = ()
    group_type: int = NEXTHOP_GRP_TYPE_MPATH
    resilient: ResilientGroup | None = None
    bucket_nhids: tuple[int, ...] = ()
    master: int | None = None
    encap_type: int | None = None
    encap: str | None = None
    unknown: tuple[tuple[int, str], ...] = ()

    @property
    def is_group(self) -> bool:
        """A group of other nexthop objects."""
        return bool(self.group)
