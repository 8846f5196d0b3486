"""Assembling a HostState from a Source for a capture file."""

from __future__ import annotations

import datetime

from tui.kernel.netlink.dump import hostname_and_kernel
from tui.model import HostState
from tui.source import Source, find_namespace


def capture_host(source: Source, only: list[str] | None) -> HostState:
    """Read every namespace (or only those named); unreadable ones keep their error."""
    infos = source.namespaces()
    if only:
        infos = [find_namespace(infos, name) for name in only]
    hostname, kernel = hostname_and_kernel()
    return HostState(
        namespaces=tuple(source.read(info) for info in infos),
        table_names=source.table_names(),
        hostname=hostname,
        kernel=kernel,
        captured_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        proto_names=dict(getattr(source, "proto_names", {})),
    )
