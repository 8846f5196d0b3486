"""Assembling a HostState from a Source for a capture file."""

from __future__ import annotations

import dataclasses
import datetime

from tui.kernel.netlink.dump import hostname_and_kernel
from tui.kernel.netlink.nsid import nsid_map
from tui.kernel.netns import NetnsError
from tui.model import HostState, Namespace, NamespaceInfo
from tui.source import Source, find_namespace


def capture_host(source: Source, only: list[str] | None, *, cmdline: bool = False) -> HostState:
    """Read every namespace (or only those named); unreadable ones keep their error.

    Processes are kept by name and pid: a command line may hold a password, and a capture
    travels.  ``cmdline`` keeps them whole when the user asks for it."""
    infos = source.namespaces()
    if only:
        infos = [find_namespace(infos, name) for name in only]
    if not cmdline:
        infos = [_without_cmdlines(info) for info in infos]
    hostname, kernel = hostname_and_kernel()
    namespaces = [source.read(info) for info in infos]
    if source.live:
        namespaces = with_nsids(source, namespaces)
    return HostState(
        namespaces=tuple(namespaces),
        table_names=source.table_names(),
        hostname=hostname,
        kernel=kernel,
        captured_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        proto_names=dict(getattr(source, "proto_names", {})),
    )


def with_nsids(source: Source, namespaces: list[Namespace]) -> list[Namespace]:
    """Each read namespace with its map of namespace ids (what IFLA_LINK_NETNSID values
    mean), so that ``path --state`` can cross veths.  A namespace whose peer's ifindex
    matches is asked about first; an id naming no captured namespace is left out."""
    from tui.kernel.entry import path_of
    from tui.kernel.path_host import open_path

    out: list[Namespace] = []
    paths = {ns.info.inode: open_path(ns.info) for ns in namespaces}
    for ns in namespaces:
        state = ns.state
        if state is None:
            out.append(ns)
            continue
        wanted = {link.link_netnsid for link in state.links if link.link_netnsid is not None}
        peers = {link.link for link in state.links if link.link_netnsid is not None}
        likely = {
            other.info.inode
            for other in namespaces
            if other.state is not None and any(link.index in peers for link in other.state.links)
        }
        order = sorted(paths, key=lambda inode: inode not in likely)
        candidates = [
            (inode, path)
            for inode in order
            if inode != ns.info.inode and (path := paths[inode]) is not None
        ]
        try:
            found = nsid_map(path_of(ns.info), wanted, candidates)
        except NetnsError:
            found = {}
        nsids = tuple(sorted(found.items()))
        out.append(dataclasses.replace(ns, state=dataclasses.replace(state, nsids=nsids)))
    return out


def _without_cmdlines(info: NamespaceInfo) -> NamespaceInfo:
    procs = tuple(dataclasses.replace(p, cmdline="") for p in info.processes)
    return dataclasses.replace(info, processes=procs)
