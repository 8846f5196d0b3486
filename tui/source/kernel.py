"""The optional kernel capability of a Source: questions only a live kernel can answer.

A capture has no kernel (``Source.kernel()`` is None); a live source hands out a
``KernelAccess`` that asks ``RTM_GETROUTE`` (what ``ip route get`` asks) and streams a route
dump as text.  Callers ask the source for it instead of downcasting the source, and the
answers are plain frozen data, so this module stays pure.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from tui.model import NamespaceInfo, NexthopObject, Route

Render = Callable[[Route], str]


class StreamInterrupted(Exception):
    """The routes changed while they were dumped (NLM_F_DUMP_INTR): what was yielded may be
    skewed.  Raised at the end of a stream, after every route has been yielded."""


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """The selectors of one ``RTM_GETROUTE`` question (devices as ifindex).

    ``fibmatch`` asks for the routing table entry that matched (``ip route get ... fibmatch``,
    RTM_F_FIB_MATCH) instead of the route the packet would take.
    """

    family: int
    dst: str
    src: str | None = None
    iif: int | None = None
    oif: int | None = None
    mark: int | None = None
    tos: int = 0
    uid: int | None = None
    ipproto: int | None = None
    sport: int | None = None
    dport: int | None = None
    flowlabel: int | None = None
    fibmatch: bool = False


@dataclass(frozen=True, slots=True)
class KernelAnswer:
    """The kernel's answer: a route, or the errno it refused with."""

    route: Route | None
    errno: int | None

    def to_json(self, devs: dict[int, str], type_names: dict[int, str]) -> dict[str, Any]:
        """The answer in the verdict's terms: type, error, table, gateway, dev, prefsrc."""
        route = self.route
        if route is None:
            return {
                "type": None,
                "error": self.error,
                "table": None,
                "gateway": None,
                "dev": None,
                "prefsrc": None,
            }
        return {
            "type": type_names.get(route.type, str(route.type)),
            "error": None,
            "table": route.table,
            "gateway": route.gateway,
            "dev": devs.get(route.oif, f"if{route.oif}") if route.oif else None,
            "prefsrc": route.prefsrc,
        }

    @property
    def error(self) -> str | None:
        """The errno's symbolic name (ENETUNREACH, ...) or None."""
        return errno.errorcode.get(self.errno, str(self.errno)) if self.errno else None


class KernelAccess(Protocol):
    """What a live kernel can be asked.  Every method raises ``SourceError`` (one line for the
    user) when the namespace cannot be entered or the kernel cannot be asked."""

    def route_get(self, info: NamespaceInfo, request: RouteRequest) -> KernelAnswer:
        """``RTM_GETROUTE`` in ``info``: what ``ip route get`` would answer."""
        ...

    def link_names(self, info: NamespaceInfo) -> dict[int, str]:
        """ifindex -> name of every link of ``info``, read now."""
        ...

    def route_texts(
        self,
        info: NamespaceInfo,
        family: int,
        render: Render,
        *,
        table: int | None = None,
        dst_conversion: str = "%s",
    ) -> Iterator[str]:
        """The routes of ``info`` rendered by ``render``, straight from the kernel's dump, a
        datagram at a time (``family`` 0: IPv4 then IPv6; ``table`` None: every table);
        ``StreamInterrupted`` at the end when the dump was interrupted."""
        ...

    def nexthops(self, info: NamespaceInfo) -> tuple[NexthopObject, ...] | None:
        """The nexthop objects of ``info`` (resilient groups with their buckets), read now;
        None when the kernel has none to give (no nexthop support)."""
        ...
