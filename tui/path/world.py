"""The namespaces a path has touched so far: each read once, each indexed once for lookups,
and veth peers resolved through the namespace-id maps."""

from __future__ import annotations

from dataclasses import dataclass

from tui.fib.engine import Engine
from tui.model import Link, NamespaceInfo, NetnsState
from tui.path.host import PathHost


class PathStop(Exception):
    """The path cannot go on; ``kind`` is the End kind and the message its reason."""

    def __init__(self, kind: str, reason: str, netns: str | None = None, dev: str | None = None):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.netns = netns
        self.dev = dev


@dataclass(frozen=True, slots=True)
class Place:
    """A device in a namespace."""

    info: NamespaceInfo
    state: NetnsState
    link: Link

    @property
    def where(self) -> str:
        """``cali7 in fbknode``."""
        return f"{self.link.name} in {self.info.label}"


class World:
    """Lazily read namespaces, their engines, and the veth peer of a device."""

    def __init__(self, host: PathHost) -> None:
        self.host = host
        self.names = host.table_names()
        self._states: dict[int, tuple[NetnsState | None, str | None]] = {}
        self._engines: dict[int, Engine] = {}

    def state(self, info: NamespaceInfo) -> NetnsState:
        """The state of ``info``; PathStop(unresolved) when it cannot be read."""
        if info.inode not in self._states:
            self._states[info.inode] = self.host.read_state(info)
        state, error = self._states[info.inode]
        if state is None:
            raise PathStop("unresolved", f"namespace {info.label} cannot be read: {error}")
        return state

    def engine(self, info: NamespaceInfo) -> Engine:
        """The lookup engine of ``info`` (built once)."""
        engine = self._engines.get(info.inode)
        if engine is None:
            engine = Engine(self.state(info), self.names)
            self._engines[info.inode] = engine
        return engine

    def peer(self, here: Place) -> Place:
        """The other end of a veth; PathStop(unresolved) when it cannot be found."""
        link = here.link
        if link.link is None:
            raise PathStop(
                "unresolved", f"veth {link.name} in {here.info.label}: its peer is not recorded"
            )
        if link.link_netnsid is None:
            info, state = here.info, here.state
        else:
            found, why = self.host.peer_namespace(here.info, link.link_netnsid)
            if found is None:
                raise PathStop("unresolved", f"the peer of {link.name} in {here.info.label}: {why}")
            info, state = found, self.state(found)
        peer = state.link_by_index().get(link.link)
        if peer is None:
            raise PathStop(
                "unresolved",
                f"the peer of {link.name} (ifindex {link.link}) is not in {info.label}",
            )
        return Place(info, state, peer)
