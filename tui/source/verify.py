"""Asking the kernel the engine's question through the source's kernel capability (the
comparison itself is ``tui.fib.compare``)."""

from __future__ import annotations

from typing import Any

from tui.fib.lookup import TYPE_NAMES
from tui.fib.query import Query
from tui.model import NamespaceInfo, NetnsState
from tui.source.kernel import KernelAccess, RouteRequest


def request_of(query: Query, index: dict[str, int]) -> RouteRequest:
    """The RTM_GETROUTE selectors of ``query`` (device names as this namespace's ifindex)."""
    return RouteRequest(
        query.family,
        query.dst,
        src=query.src,
        iif=index.get(query.iif) if query.iif else None,
        oif=index.get(query.oif) if query.oif else None,
        mark=query.mark or None,
        tos=query.tos,
        uid=query.uid,
        ipproto=query.ipproto,
        sport=query.sport,
        dport=query.dport,
        flowlabel=query.flowlabel,
    )


class Verifier:
    """Asks the live kernel the same question (RTM_GETROUTE with the same selectors)."""

    def __init__(self, kernel: KernelAccess, info: NamespaceInfo, state: NetnsState) -> None:
        self.kernel = kernel
        self.info = info
        self.devs = state.link_names()
        self.index = {link.name: link.index for link in state.links}

    def ask(self, query: Query) -> dict[str, Any]:
        """The kernel's answer in the verdict's terms; SourceError when it cannot be asked."""
        answer = self.kernel.route_get(self.info, request_of(query, self.index))
        return answer.to_json(self.devs, TYPE_NAMES)
