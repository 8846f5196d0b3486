"""What the path engine needs of a host: its namespaces, their state, and the map from a
namespace's ids of other namespaces (IFLA_LINK_NETNSID) to those namespaces."""

from __future__ import annotations

from typing import Protocol

from tui.model import HostState, NamespaceInfo, NetnsState


class PathHost(Protocol):
    """A host whose namespaces can be read one at a time (only those on the path are)."""

    def table_names(self) -> dict[int, str]:
        """Table id -> name."""
        ...

    def read_state(self, info: NamespaceInfo) -> tuple[NetnsState | None, str | None]:
        """The namespace's state, or None and why it cannot be read."""
        ...

    def peer_namespace(self, info: NamespaceInfo, nsid: int) -> tuple[NamespaceInfo | None, str]:
        """The namespace ``info`` calls ``nsid``, or None and why it is not known."""
        ...


class CaptureHost:
    """A capture file as a PathHost: everything was recorded, nothing is asked."""

    def __init__(self, host: HostState) -> None:
        self.host = host
        self._by_inode = {ns.info.inode: ns for ns in host.namespaces}

    def table_names(self) -> dict[int, str]:
        """The names recorded in the capture."""
        return dict(self.host.table_names)

    def read_state(self, info: NamespaceInfo) -> tuple[NetnsState | None, str | None]:
        """The recorded state (or the recorded reason it was not read)."""
        ns = self._by_inode.get(info.inode)
        if ns is None:
            return None, "not in the capture"
        return ns.state, ns.error

    def peer_namespace(self, info: NamespaceInfo, nsid: int) -> tuple[NamespaceInfo | None, str]:
        """Through the recorded nsid map of ``info``."""
        ns = self._by_inode.get(info.inode)
        if ns is None or ns.state is None:
            return None, f"namespace {info.label} is not in the capture"
        if ns.state.nsids is None:
            return None, (
                f"the capture has no namespace ids for {info.label} (taken by an older "
                "fibscope): capture again"
            )
        for known, inode in ns.state.nsids:
            if known == nsid:
                peer = self._by_inode.get(inode)
                if peer is None:
                    return None, f"namespace net:[{inode}] is not in the capture"
                return peer.info, ""
        return None, f"{info.label}'s namespace id {nsid} names no captured namespace"
