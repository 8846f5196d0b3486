"""The batch's fast path: answers to ordinary IPv4 queries written from shared templates.

Most lines of a batch ask ``{"dst": "a.b.c.d"}``, perhaps with the same few selectors, and
most answers differ from another line's only by the destination and the route's prefix.  So:

* a line's *shape* is its bytes around the ``"dst"`` member's address (found by a regular
  expression: a canonical dotted quad, as ``inet_pton`` reads and ``inet_ntop`` writes it).
  The first line of a shape is parsed as before (``json.loads``, ``Query``) and read again
  with another address in that place: when only the destination changes, the shape is
  remembered with the query's selectors, and later lines of that shape are not parsed at
  all (a string of digits and dots between quotes is one JSON string token, so any other
  such address gives the same object with that destination);
* ``tui.fib.fastwalk`` names what decides (a route, a rule, the end of the walk) with a key
  that says which answers are the same but for the destination and the route's prefix;
* the first time a key is met, the engine answers the line as it would anyway
  (``Lookups.answer``), and the answer becomes a template: its JSON with the destination,
  the result's prefix and the route's ``dst`` cut out.  It is kept only when the engine's
  route and rule are the ones the fast walk named, the template put back together gives
  the engine's text exactly, and none of the three values appears anywhere else in it
  (a value that did would mean the answer depends on it beyond those places);
* later lines with that key get the template filled in.

Anything the fast walk does not model exactly (input or output devices, IPv6, special
destinations, multipath, local routes, ...) is answered by the engine: never a guess.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Hashable
from dataclasses import fields
from typing import Any, Literal

from tui.cli.answers import Lookups
from tui.fib.engine import Engine
from tui.fib.fastwalk import FastWalk, Walk
from tui.fib.query import Query
from tui.model import AF_INET

_WS = rb"[ \t\n\r]*"  # JSON's whitespace (not \f or \v)
_OCTET = rb"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# The destination member: a canonical dotted quad (inet_pton's own form, nothing to strip).
DST = re.compile(rb'"dst"' + _WS + rb":" + _WS + rb'"(' + rb"\.".join([_OCTET] * 4) + rb')"')
_STAND_INS = ("192.0.2.1", "192.0.2.2")  # put in a line's place to prove where its dst is
MAX_SHAPES = 1 << 16
_MARKS = ("\x00fs-prefix\x00", "\x00fs-route\x00")
_ENCODED = tuple(json.dumps(mark)[1:-1] for mark in _MARKS)  # as they appear in the JSON
_HEAD = '{"query": {"dst": "'
_TRIES = 3  # templates refused per key before the key is left to the engine for good
Template = tuple[tuple[str, ...], int]
Signature = tuple[object, ...]


# Every field a query is made with but its destination (read from Query itself, so a
# selector added to Query one day is part of the signature without a change here).
_SELECTORS = tuple(f.name for f in fields(Query) if f.init and f.name != "dst")


def signature(query: Query) -> Signature:
    """Everything a query says but its destination."""
    return tuple(getattr(query, name) for name in _SELECTORS)


class FastBatch:
    """Answers from templates for one namespace's batch (no --verify, no --steps)."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.engine: Engine = lookups.engine
        self.fast = FastWalk(self.engine.ctx)
        # Line shapes (the bytes around the destination) already parsed: their walk and
        # selectors; False: a shape that must always be parsed.
        self.shapes: dict[tuple[int, bytes], tuple[Walk, Signature] | Literal[False]] = {}
        # What follows the destination in the answer's query object, by signature.
        self.query_rest: dict[Signature, str] = {}
        self.refused: dict[tuple[int, Hashable], int] = {}
        self.mismatches = 0  # fast walk and engine disagreed on what decides (a bug if ever)
        self.filled = 0  # answers written from a template
        self.learned = 0  # templates made

    def line(self, raw: bytes) -> tuple[str, int] | None:
        """The answer line and its status for a line of a shape met before (the same bytes
        but for the destination), None when the line must be parsed (``parsed`` then)."""
        match = DST.search(raw)
        if match is None:
            return None
        start, end = match.span(1)
        shape = self.shapes.get((start, raw[:start] + raw[end:]))
        if not shape:
            return None
        walk, sig = shape
        dst = raw[start:end].decode("ascii")
        return self._answer(walk, int.from_bytes(socket.inet_aton(dst), "big"), dst, sig, False)

    def parsed(self, query: Query, raw: bytes | None = None) -> tuple[str, int] | None:
        """The answer for a parsed query (``raw``: its line, whose shape is learnt), None
        when the engine must answer it."""
        if query.family != AF_INET or query.iif is not None or query.oif is not None:
            return None
        walk = self._walk_of(query)
        if walk is None:
            return None
        sig = signature(query)
        if raw is not None and len(self.shapes) < MAX_SHAPES:
            self._learn_shape(raw, query, walk, sig)
        return self._answer(walk, query.dst_int, query.dst, sig, query)

    def _learn_shape(self, raw: bytes, query: Query, walk: Walk, sig: Signature) -> None:
        """Remember the line's shape when its ``"dst"`` member is provably where the query's
        destination comes from: the line read again with another address there gives the
        same object but for that address (not a duplicate key, nor inside another value)."""
        match = DST.search(raw)
        if match is None:
            return
        start, end = match.span(1)
        key = (start, raw[:start] + raw[end:])
        if key in self.shapes:
            return
        dst = raw[start:end].decode("ascii")
        stand_in = _STAND_INS[dst == _STAND_INS[0]]
        try:
            data = json.loads(raw.decode("utf-8"))
            other = json.loads((raw[:start] + stand_in.encode() + raw[end:]).decode("utf-8"))
        except ValueError:  # not reached: the line was parsed already
            self.shapes[key] = False
            return
        same = (
            query.dst == dst
            and isinstance(data, dict)
            and isinstance(other, dict)
            and data.get("dst") == dst
            and other.pop("dst", None) == stand_in
            and data.pop("dst") == dst
            and data == other
        )
        self.shapes[key] = (walk, sig) if same else False

    def _walk_of(self, query: Query) -> Walk | None:
        key = signature(query)
        if key in self.fast.walks:
            return self.fast.walks[key]
        if query.family != AF_INET or query.iif is not None or query.oif is not None:
            return None
        return self.fast.walk(key, self.engine.flow_of(query), query.src is not None)

    def _answer(
        self, walk: Walk, value: int, dst: str, sig: Signature, query: Query | Literal[False]
    ) -> tuple[str, int] | None:
        """The template filled in; without one, the engine's answer to ``query`` (learnt
        from), or None when there is no query yet (``line``: the caller parses it)."""
        decision = self.fast.decide(walk, value)
        if decision is None:
            return None
        key, route, _rule, prefix, route_dst = decision
        template = walk.templates.get(key)
        rest = self.query_rest.get(sig)
        if template is None or rest is None:
            if query is False:
                return None
            return self._learn(walk, decision, dst, sig, query)
        if template is False:
            return None
        parts, status = template
        self.filled += 1
        if route is None:
            return _HEAD + dst + rest + parts[0], status
        return _HEAD + dst + rest + parts[0] + prefix + parts[1] + route_dst + parts[2], status

    def _learn(
        self, walk: Walk, decision: tuple[Any, ...], dst: str, sig: Signature, query: Query
    ) -> tuple[str, int]:
        """The engine's answer; kept as the key's template when it passes every check."""
        key, route, rule, prefix, route_dst = decision
        answer = self.lookups.answer(query, steps=False)
        text = json.dumps(answer.data) + "\n"
        trace = answer.trace
        if trace.route is not route or trace.verdict.rule != rule:
            self.mismatches += 1
            walk.templates[key] = False
            return text, answer.status
        head = json.dumps(answer.data["query"])
        start = '{"dst": "' + dst + '"'
        if not head.startswith(start) or not text.startswith('{"query": ' + head):
            return text, answer.status
        rest = self.query_rest.setdefault(sig, head[len(start) - 1 :])
        if rest != head[len(start) - 1 :] or key in walk.templates:
            return text, answer.status
        # A default route's key is the route itself: its prefix and dst are the template's own.
        guarded = (dst, prefix, route_dst) if route is not None and route.dst_len else (dst,)
        parts = _cut(
            answer.data, len('{"query": ' + head), route is not None, (prefix, route_dst), guarded
        )
        if parts is None or _join(_HEAD + dst + rest, parts, prefix, route_dst) != text:
            tries = self.refused.get((id(walk), key), 0) + 1
            self.refused[(id(walk), key)] = tries
            if tries >= _TRIES:
                walk.templates[key] = False
            return text, answer.status
        walk.templates[key] = (parts, answer.status)
        self.learned += 1
        return text, answer.status


def _cut(
    data: dict[str, Any],
    skip: int,
    with_route: bool,
    values: tuple[str, str],
    guarded: tuple[str, ...],
) -> tuple[str, ...] | None:
    """What follows the query object in the answer's JSON (``skip`` characters), split
    where the prefix and the route's dst go; None when a value is not where expected or a
    guarded one shows up anywhere else."""
    blank = dict(data)
    marks: tuple[str, ...] = ()
    if with_route:
        result = blank["result"] = dict(data["result"])
        route = result["route"] = dict(result["route"] or {})
        if result.get("prefix") != values[0] or route.get("dst") != values[1]:
            return None
        result["prefix"], route["dst"] = _MARKS
        marks = _ENCODED
    text = (json.dumps(blank) + "\n")[skip:]
    parts: list[str] = []
    for mark in marks:
        before, found, text = text.partition(mark)
        if not found or mark in text:
            return None
        parts.append(before)
    parts.append(text)
    for value in guarded:
        if any(value in part for part in parts):
            return None
    return tuple(parts)


def _join(head: str, parts: tuple[str, ...], prefix: str, route_dst: str) -> str:
    if len(parts) == 1:
        return head + parts[0]
    return head + parts[0] + prefix + parts[1] + route_dst + parts[2]
