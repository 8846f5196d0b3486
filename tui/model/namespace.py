"""Namespaces and the host: who a namespace is, everything read from it, and the whole
host's state that a capture file holds (frozen, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.model.links import Address, FdbEntry, Link, Neighbour
from tui.model.nexthop_objects import NexthopObject
from tui.model.routes import Ipv6ProcRoute, Route
from tui.model.rules import Rule
from tui.model.sysctls import Sysctls


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
