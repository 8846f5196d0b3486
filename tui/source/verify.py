"""Asking the kernel the engine's question (the comparison itself is ``tui.fib.compare``)."""

from __future__ import annotations

from typing import Any

from tui.fib.lookup import TYPE_NAMES
from tui.fib.query import Query
from tui.model import NamespaceInfo, NetnsState
from tui.source import Source


class Verifier:
    """Asks the live kernel the same question (RTM_GETROUTE with the same selectors)."""

    def __init__(self, source: Source, info: NamespaceInfo, state: NetnsState) -> None:
        self.source = source
        self.info = info
        self.devs = {link.index: link.name for link in state.links}
        self.index = {link.name: link.index for link in state.links}

    def ask(self, query: Query) -> dict[str, Any]:
        """The kernel's answer in the verdict's terms."""
        from tui.kernel.live_source import LiveSource

        assert isinstance(self.source, LiveSource)
        answer = self.source.ask_kernel(
            self.info,
            query.family,
            query.dst,
            src=query.src,
            iif=self.index.get(query.iif) if query.iif else None,
            oif=self.index.get(query.oif) if query.oif else None,
            mark=query.mark or None,
            tos=query.tos,
            uid=query.uid,
            ipproto=query.ipproto,
            sport=query.sport,
            dport=query.dport,
            flowlabel=query.flowlabel,
        )
        return answer.to_json(self.devs, TYPE_NAMES)
