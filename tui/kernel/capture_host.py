"""Assembling a HostState from a Source for a capture file."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from tui.kernel.netlink.dump import hostname_and_kernel
from tui.kernel.netlink.nsid import nsid_map
from tui.kernel.netns import NetnsError
from tui.model import HostState, Namespace, NamespaceInfo
from tui.source import Source, find_namespace


def capture_host(source: Source, only: list[str] | None, *, cmdline: bool = False) -> HostState:
    """Read every namespace (or only those named); unreadable ones keep their error.

    Processes are kept by name and pid: a command line may hold a password, and a capture
    travels.  ``cmdline`` keeps them whole when the user asks for it."""
    return _capture(source, only, cmdline, None)


def capture_host_streamed(
    source: Source, only: list[str] | None, *, cmdline: bool = False
) -> tuple[HostState, dict[int, dict[str, Any]]]:
    """``capture_host`` with a live namespace's routes streamed into capture columns (by
    namespace position) instead of its state's ``routes``: a full table never sits in memory
    as objects.  A capture source's routes stay in its states."""
    columns: dict[int, dict[str, Any]] = {}
    host = _capture(source, only, cmdline, columns if source.live else None)
    return host, columns


def _read_streamed(info: NamespaceInfo) -> tuple[Namespace, dict[str, Any] | None]:
    """A live namespace without its routes, and its routes as columns (or its error)."""
    from tui.kernel.capture_stream import route_columns
    from tui.kernel.entry import path_of
    from tui.kernel.netlink.dump import read_netns

    try:
        path = path_of(info)
        state = read_netns(path, routes=False)
        return Namespace(info=info, state=state), route_columns(path)
    except NetnsError as exc:
        return Namespace(info=info, error=str(exc)), None
    except OSError as exc:
        return Namespace(info=info, error=f"{path or 'own namespace'}: {exc.strerror or exc}"), None


def _capture(
    source: Source,
    only: list[str] | None,
    cmdline: bool,
    columns: dict[int, dict[str, Any]] | None,
) -> HostState:
    infos = source.namespaces()
    if only:
        infos = [find_namespace(infos, name) for name in only]
    if not cmdline:
        infos = [_without_cmdlines(info) for info in infos]
    hostname, kernel = hostname_and_kernel()
    if columns is None:
        namespaces = [source.read(info) for info in infos]
    else:
        namespaces = []
        for i, info in enumerate(infos):
            ns, routes = _read_streamed(info)
            namespaces.append(ns)
            if routes is not None:
                columns[i] = routes
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
