"""Comparing the engine's verdict with the kernel's own ``ip route get`` answer (pure)."""

from __future__ import annotations

from typing import Any

from tui.fib.lookup import TYPE_NAMES
from tui.fib.query import Query
from tui.model import NamespaceInfo, NetnsState
from tui.source import Source

COMPARED = ("type", "error", "table", "gateway", "dev", "prefsrc")


def differences(
    ours: dict[str, Any], kernel: dict[str, Any], query: Query | None = None
) -> list[str]:
    """The fields that differ, each as ``field: ours X, kernel Y``.

    On an error only the error is compared: the kernel says nothing else then.  The kernel
    reports no prefsrc on the input path, and none when it equals the asked ``from``
    (``rt_fill_info``), so that is what it means.
    """
    fields: tuple[str, ...] = COMPARED
    if kernel.get("error") or ours.get("error"):
        fields = ("error",)
    elif query is not None and query.iif is not None:
        fields = tuple(f for f in COMPARED if f != "prefsrc")
    elif query is not None and query.src is not None and kernel.get("prefsrc") is None:
        kernel = {**kernel, "prefsrc": query.src}
    out = []
    for name in fields:
        if ours.get(name) != kernel.get(name):
            out.append(f"{name}: ours {ours.get(name)!r}, kernel {kernel.get(name)!r}")
    return out


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
