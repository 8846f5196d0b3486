"""The answer of ``fibscope path``: hops, the crossing after each, and how the path ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.fib.query import Query
from tui.fib.trace import Trace

DELIVERED = "delivered"
LEFT_HOST = "left_host"
DROPPED = "dropped"
TUNNEL = "tunnel"
LOOP = "loop"
UNRESOLVED = "unresolved"
UNPREDICTED = "unpredicted"
END_KINDS = (DELIVERED, LEFT_HOST, DROPPED, TUNNEL, LOOP, UNRESOLVED, UNPREDICTED)
NETFILTER_NOTE = (
    "NAT and filtering rules are not read: a Service address or a firewall can change this path"
)


@dataclass(frozen=True, slots=True)
class Crossing:
    """How the packet leaves a namespace's device and where the frame is received."""

    dev: str
    kind: str | None
    how: str
    peer_netns: str | None = None
    peer_dev: str | None = None
    to_netns: str | None = None
    to_dev: str | None = None
    answer: str | None = None  # owner, proxy_arp, proxy_arp_pvlan
    port: str | None = None  # the bridge port behind which ``to_dev`` sits

    def to_json(self) -> dict[str, Any]:
        """The ``crossing`` member of a hop."""
        return {
            "dev": self.dev,
            "kind": self.kind,
            "peer_netns": self.peer_netns,
            "peer_dev": self.peer_dev,
            "how": self.how,
            "to_netns": self.to_netns,
            "to_dev": self.to_dev,
            "answer": self.answer,
            "port": self.port,
        }


@dataclass(frozen=True, slots=True)
class Hop:
    """One namespace's routing decision for the packet."""

    netns: str
    inode: int
    iif: str | None
    src: str | None
    trace: Trace
    crossing: Crossing | None = None
    kernel: dict[str, Any] | None = None
    agree: bool | None = None
    differences: tuple[str, ...] = ()
    followed_kernel: bool = False

    def to_json(self, steps: bool = False) -> dict[str, Any]:
        """One element of ``hops``."""
        out: dict[str, Any] = {
            "netns": self.netns,
            "inode": self.inode,
            "iif": self.iif,
            "from": self.src,
            "predicted": self.trace.predicted,
            "reason": self.trace.reason,
            "result": self.trace.verdict.to_json(),
        }
        if self.kernel is not None:
            out["kernel"] = self.kernel
            out["agree"] = self.agree
            if self.differences:
                out["differences"] = list(self.differences)
        if self.followed_kernel:
            out["followed_kernel"] = True
        out["crossing"] = self.crossing.to_json() if self.crossing is not None else None
        if steps:
            out["steps"] = [s.to_json() for s in self.trace.steps]
        return out


@dataclass(frozen=True, slots=True)
class End:
    """Where and why the path stops."""

    kind: str
    netns: str | None
    dev: str | None
    reason: str
    candidates: tuple[str, ...] = ()  # unpredicted: the next hops the kernel chooses among

    def to_json(self) -> dict[str, Any]:
        """The ``end`` member (``candidates`` only when the path ends unpredicted)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "netns": self.netns,
            "dev": self.dev,
            "reason": self.reason,
        }
        if self.kind == UNPREDICTED:
            out["candidates"] = list(self.candidates)
        return out


@dataclass(frozen=True, slots=True)
class PathResult:
    """The whole path of one query from one namespace."""

    query: Query
    start: str
    hops: tuple[Hop, ...]
    end: End

    @property
    def disagrees(self) -> bool:
        """A verified hop where the kernel answered otherwise."""
        return any(hop.agree is False for hop in self.hops)

    def exit_status(self) -> int:
        """0 delivered or left the host, 3 a hop disagrees with the kernel, 1 otherwise."""
        if self.disagrees:
            return 3
        return 0 if self.end.kind in (DELIVERED, LEFT_HOST) else 1

    def to_json(self, steps: bool = False) -> dict[str, Any]:
        """The ``--json`` document."""
        query = {"netns": self.start, **self.query.to_json()}
        return {
            "query": query,
            "hops": [hop.to_json(steps) for hop in self.hops],
            "end": self.end.to_json(),
            "note": NETFILTER_NOTE,
        }
