"""Asking the kernel each hop of a path: the same question ``lookup --verify`` asks, in the
namespace of the hop."""

from __future__ import annotations

from typing import Any

from tui.fib.query import Query
from tui.fib.trace import Trace
from tui.model import NamespaceInfo, NetnsState
from tui.path.walk import Ask
from tui.source import Source
from tui.source.verify import Verifier, differences


def path_asker(source: Source) -> Ask:
    """A per-hop kernel question for ``tui.path.follow`` (a Verifier per namespace)."""
    verifiers: dict[int, Verifier] = {}

    def ask(
        info: NamespaceInfo, state: NetnsState, query: Query, trace: Trace
    ) -> tuple[dict[str, Any], list[str]]:
        verifier = verifiers.get(info.inode)
        if verifier is None:
            verifier = verifiers[info.inode] = Verifier(source, info, state)
        try:
            kernel = verifier.ask(query)
        except OSError as exc:  # the namespace went away, or netlink refused
            return {"error": None, "not_asked": str(exc)}, [f"the kernel was not asked: {exc}"]
        return kernel, differences(trace.verdict.to_json(), kernel, query)

    return ask
