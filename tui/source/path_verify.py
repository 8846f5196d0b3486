"""Asking the kernel each hop of a path: the same question ``lookup --verify`` asks, in the
namespace of the hop, through the source's kernel capability."""

from __future__ import annotations

from typing import Any

from tui.fib.compare import differences
from tui.fib.query import Query
from tui.fib.trace import Trace
from tui.model import NamespaceInfo, NetnsState
from tui.path.walk import Ask
from tui.source import SourceError
from tui.source.kernel import KernelAccess
from tui.source.verify import Verifier


def path_asker(kernel: KernelAccess) -> Ask:
    """A per-hop kernel question for ``tui.path.follow`` (a Verifier per namespace)."""
    verifiers: dict[int, Verifier] = {}

    def ask(
        info: NamespaceInfo, state: NetnsState, query: Query, trace: Trace
    ) -> tuple[dict[str, Any], list[str]]:
        verifier = verifiers.get(info.inode)
        if verifier is None:
            verifier = verifiers[info.inode] = Verifier(kernel, info, state)
        try:
            answer = verifier.ask(query)
        except SourceError as exc:  # the namespace went away, or netlink refused
            return {"error": None, "not_asked": str(exc)}, [f"the kernel was not asked: {exc}"]
        return answer, differences(trace.verdict.to_json(), answer, query)

    return ask
