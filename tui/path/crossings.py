"""Each namespace's veths and where their other ends are: ``eth0 <-> fbknode:cali7``."""

from __future__ import annotations

from collections.abc import Sequence

from tui.model import Namespace
from tui.path.text import printable


def crossings(namespaces: Sequence[Namespace]) -> dict[int, list[str]]:
    """By namespace inode, one text per veth of a read namespace (the peer unknown: ``?``)."""
    by_inode = {ns.info.inode: ns for ns in namespaces}
    out: dict[int, list[str]] = {}
    for ns in namespaces:
        state = ns.state
        if state is None:
            continue
        nsids = dict(state.nsids or ())
        texts: list[str] = []
        for link in state.links:
            if link.kind != "veth" or link.link is None:
                continue
            if link.link_netnsid is None:
                peer_ns: Namespace | None = ns
            else:
                inode = nsids.get(link.link_netnsid)
                peer_ns = by_inode.get(inode) if inode is not None else None
            peer = None
            if peer_ns is not None and peer_ns.state is not None:
                peer = peer_ns.state.link_by_index().get(link.link)
            if peer_ns is None or peer is None:
                where = "?" if link.link_netnsid is None else f"?(nsid {link.link_netnsid})"
                texts.append(f"{link.name} <-> {where}")
            else:
                texts.append(f"{link.name} <-> {peer_ns.info.label}:{peer.name}")
        out[ns.info.inode] = [printable(text) for text in texts]
    return out
