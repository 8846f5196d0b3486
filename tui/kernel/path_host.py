"""The live kernel as a PathHost: a namespace is read only when the path reaches it, and a
namespace id is resolved by asking the namespace that holds it (RTM_GETNSID)."""

from __future__ import annotations

import os
from collections.abc import Callable

from tui.kernel.namespaces import SELF_NS, is_own
from tui.kernel.netlink.nsid import nsid_map
from tui.kernel.netns import NetnsError
from tui.model import NamespaceInfo, NetnsState
from tui.source import Source


def open_path(info: NamespaceInfo) -> str | None:
    """A path that opens ``info`` (our own namespace's link when it is ours)."""
    if is_own(info):
        return SELF_NS
    return next((p for p in info.paths if os.path.exists(p)), None)


class LiveHost:
    """Namespaces of the running kernel, read lazily."""

    def __init__(self, source: Source, enter: Callable[[NamespaceInfo], str | None]) -> None:
        """``enter``: where to enter a namespace (None: our own; NetnsError when it cannot
        be), ``tui.kernel.live_source.path_of``."""
        self.source = source
        self.enter = enter
        self._infos: list[NamespaceInfo] | None = None
        self._nsids: dict[tuple[int, int], NamespaceInfo] = {}
        self._states: dict[int, tuple[NetnsState | None, str | None]] = {}

    def table_names(self) -> dict[int, str]:
        """The host's table names."""
        return self.source.table_names()

    def infos(self) -> list[NamespaceInfo]:
        """Every namespace (discovered once)."""
        if self._infos is None:
            self._infos = self.source.namespaces()
        return self._infos

    def read_state(self, info: NamespaceInfo) -> tuple[NetnsState | None, str | None]:
        """Read the whole namespace (once: a path may come back to it)."""
        if info.inode not in self._states:
            ns = self.source.read(info)
            self._states[info.inode] = (ns.state, ns.error)
        return self._states[info.inode]

    def peer_namespace(self, info: NamespaceInfo, nsid: int) -> tuple[NamespaceInfo | None, str]:
        """Ask ``info`` which namespace it calls ``nsid``, trying each known one in turn."""
        cached = self._nsids.get((info.inode, nsid))
        if cached is not None:
            return cached, ""
        by_inode = {i.inode: i for i in self.infos()}
        candidates = [
            (i.inode, path)
            for i in self.infos()
            if i.inode != info.inode and (path := open_path(i)) is not None
        ]
        try:
            found = nsid_map(self.enter(info), [nsid], candidates)
        except NetnsError as exc:
            return None, str(exc)
        if nsid not in found:
            return None, (
                f"{info.label}'s namespace id {nsid} is none of the namespaces found "
                "(held by a socket only?)"
            )
        peer = by_inode[found[nsid]]
        self._nsids[(info.inode, nsid)] = peer
        return peer, ""
