"""The entry point: an ``Engine`` indexes a state once and answers any number of queries.

``lookup(state, query, table_names)`` is the one-shot form; a batch builds one ``Engine`` (the
index of a million routes takes seconds, a lookup microseconds) and calls ``Engine.lookup``.
"""

from __future__ import annotations

from collections.abc import Mapping

from tui.fib.context import Context
from tui.fib.devkinds import note_device
from tui.fib.flow import Flow
from tui.fib.input import input4, input6
from tui.fib.output import output4, output6
from tui.fib.query import IPPROTO_UDP, Query, QueryError
from tui.fib.trace import VERDICT, Trace, Tracer
from tui.model import AF_INET, NetnsState

INVALID_UID = 0xFFFFFFFF


class Engine:
    """A state indexed for lookups; reuse it for every query on the same state."""

    def __init__(self, state: NetnsState, table_names: Mapping[int, str] | None = None) -> None:
        self.ctx = Context(state, table_names)

    def _dev(self, word: str, name: str | None) -> int:
        if name is None:
            return 0
        link = self.ctx.by_name.get(name)
        if link is None:
            raise QueryError(f"{word}: no device named {name!r}")
        return link.index

    def flow_of(self, query: Query) -> Flow:
        """The kernel's flow for a query, as ``inet_rtm_getroute`` (and the IPv6 one) fill it."""
        iif = self._dev("iif", query.iif)
        oif = self._dev("oif", query.oif)
        v4 = query.family == AF_INET
        if iif:
            uid = 0 if v4 else (query.uid if query.uid is not None else INVALID_UID)
        else:
            uid = query.uid if query.uid is not None else 0
        proto = query.ipproto if query.ipproto is not None else (IPPROTO_UDP if v4 else 0)
        return Flow(
            family=query.family,
            dst=query.dst_int,
            src=query.src_int,
            iif=iif or self.ctx.lo_index,
            oif=0 if iif else oif,
            mark=query.mark,
            dscp=query.tos & 0xFC,
            uid=uid,
            proto=proto,
            sport=query.sport or 0,
            dport=query.dport or 0,
            # RT6_LOOKUP_F_HAS_SADDR: ``!ipv6_addr_any(saddr)``, so ``from ::`` is no source.
            has_saddr=query.src is not None and (v4 or query.src_int != 0),
            l4=(proto, query.sport or 0, query.dport or 0),
            flowlabel=query.flowlabel or 0,
        )

    def lookup(self, query: Query, steps: bool = True) -> Trace:
        """Answer one query; ``steps=False`` skips building the explanation (batch speed)."""
        flow = self.flow_of(query)
        tr = Tracer(steps)
        ctx = self.ctx
        if query.iif is not None:
            verdict = input4(ctx, flow, tr) if flow.family == AF_INET else input6(ctx, flow, tr)
        elif flow.family == AF_INET:
            verdict = output4(ctx, flow, tr, query.src is not None)
        else:
            verdict = output6(ctx, flow, tr)
        if steps:
            note_device(ctx, verdict, tr)
            tr.add(
                VERDICT, f"Verdict: {verdict.words(query, ctx.table_names)}", **verdict.to_json()
            )
        predicted = not tr.unpredicted
        return Trace(
            query,
            verdict,
            tuple(tr.steps),
            predicted,
            None if predicted else "; ".join(tr.unpredicted),
            tuple(tr.candidates),
            tr.matched if verdict.prefix is not None else None,  # the verdict came from it
        )


def lookup(state: NetnsState, query: Query, table_names: Mapping[int, str] | None = None) -> Trace:
    """One lookup on a state (indexes the state: use ``Engine`` for many queries)."""
    return Engine(state, table_names).lookup(query)
