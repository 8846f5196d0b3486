"""Printing a capture's routes straight from its checked columns (version 2), without a Route
object per route (pure, no I/O).

A route's text is a function of its fields, and in a big table every field but the
destination is one of a few values: a run over many routes, or a palette entry.  So the
routes are cut into *segments* where every run-length column holds one value; in a segment,
the text of a route depends only on its destination and its values of the columns that vary
per route (palette indexes, plain values).  Each distinct combination gets a template: the
caller's ``render`` (the very formatter the general path uses) applied to one Route built
from that combination with ``DST_MARK`` as destination, the mark then made a ``%`` slot, as
the live dump's printer does per message shape (``tui.kernel.netlink.route_print``).  A
segment with nothing varying is one template joined around its destinations (a C join); the
others are a dict lookup and ``str.__mod__`` per route, in C loops (``map``).

Why this is exact: every field but ``dst`` is part of a template's key (a run's value, a
palette entry, a plain value), converted as ``route_columns.build`` converts it, so the Route
a template is rendered from equals every route it stands for except the destination, which
``render`` must show at most once and as it is (checked: more than one mark is refused).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from tui.capture.route_columns import ROUTE_DEFAULTS, ROUTE_FIELDS, Column, make_route
from tui.capture.route_tables import ROUTE
from tui.model import Route

# A route's complete text with its final newline, "" for a route that is not shown.
Render = Callable[[Route], str]

# Stands for the destination while a template is rendered: wider than any padded column, and
# with NUL bytes no link or table name has (the same mark as the live printer's).
DST_MARK = "\0fibscope destination address\0"
BLOCK = 1 << 16  # routes per piece of text: a full table's text is never whole at once
_TEXTS_MAX = 1 << 16  # route shapes' texts kept (a table of unique routes): bounded memory
_NAMES = [f.name for f in ROUTE_FIELDS]
_DST = _NAMES.index("dst")
_MOD = operator.mod


def _converted(name: str, value: Any) -> Any:
    """A column value as the model holds it (``route_columns.build``'s conversion)."""
    conv = ROUTE[name].convert
    if conv is None or value is None:
        return value
    return conv(value) if value else (() if value == [] else value)


class _Varying:
    """A column whose value changes route by route: its per-route keys and their values."""

    def __init__(self, name: str, column: Column) -> None:
        self.position = _NAMES.index(name)
        if column.palette is not None:
            assert column.index is not None
            self.keys: Sequence[Hashable] = column.index
            palette = [_converted(name, v) for v in column.palette]
            self.value: Callable[[Any], Any] = palette.__getitem__
        else:
            assert column.values is not None
            if ROUTE[name].convert is None:  # numbers, addresses, None: their own keys
                self.keys = column.values
            else:  # next hops, metrics, extras as model values: hashable and comparable
                self.keys = [_converted(name, v) for v in column.values]
            self.value = _same


def _same(value: Any) -> Any:
    return value


class _Runs:
    """A run-length column read in order: its (converted) value at a route, and where that
    run ends."""

    def __init__(self, name: str, column: Column) -> None:
        assert column.runs is not None
        self.position = _NAMES.index(name)
        self.name = name
        self.runs = column.runs
        self.k = -1
        self.value: Any = None
        self.end = 0

    def at(self, start: int) -> tuple[Any, int]:
        if start >= self.end:
            runs = self.runs
            k = self.k + 1
            while runs[k][1] + runs[k][2] <= start:
                k += 1
            value, first, n = runs[k]
            self.k, self.value, self.end = k, _converted(self.name, value), first + n
        return self.value, self.end


class ColumnPrinter:
    """Text of routes held as checked columns, through ``render`` (see the module)."""

    def __init__(self, render: Render, dst_conversion: str = "%s") -> None:
        self.render = render
        self.dst_conversion = dst_conversion
        self._texts: dict[tuple[Any, ...], str] = {}

    def texts(self, count: int, columns: dict[str, Column]) -> Iterator[str]:
        """The text of every route in order, a piece per segment or BLOCK routes."""
        dsts = columns["dst"].full(count)
        fixed: list[Any] = [ROUTE_DEFAULTS[name] for name in _NAMES]
        runs: list[_Runs] = []
        varying: list[_Varying] = []
        for name, column in columns.items():
            if name == "dst":
                continue
            if column.runs is not None:
                runs.append(_Runs(name, column))
            else:
                varying.append(_Varying(name, column))
        start = 0
        while start < count:
            end = min(count, start + BLOCK)
            for run in runs:
                fixed[run.position], run_end = run.at(start)
                end = min(end, run_end)
            if varying:
                yield self._varying(fixed, varying, dsts, start, end)
            else:
                yield self._fixed(fixed, dsts, start, end)
            start = end

    def _fixed(self, fixed: list[Any], dsts: list[Any], start: int, end: int) -> str:
        """A segment whose routes differ only in their destination."""
        text = self._text(fixed)
        if not text:
            return ""
        if DST_MARK not in text:  # "default", or the destination not shown
            return text * (end - start)
        if self.dst_conversion == "%s":
            before, after = text.split(DST_MARK)
            return before + (after + before).join(dsts[start:end]) + after
        return "".join(map(self._template(text).__mod__, dsts[start:end]))

    def _varying(
        self, fixed: list[Any], varying: list[_Varying], dsts: list[Any], start: int, end: int
    ) -> str:
        """A segment where palette or value columns change route by route: each distinct
        key's text once, then the lines joined around the destinations in C."""
        keys: list[Any]
        if len(varying) == 1:
            keys = list(varying[0].keys[start:end])
        else:
            keys = list(zip(*(column.keys[start:end] for column in varying), strict=True))
        texts: dict[Any, str] = {}
        for key in dict.fromkeys(keys):  # distinct, in order of appearance
            values = key if len(varying) > 1 else (key,)
            for column, one in zip(varying, values, strict=True):
                fixed[column.position] = column.value(one)
            texts[key] = self._text(fixed)
        parts = {key: text.split(DST_MARK) for key, text in texts.items()}
        if self.dst_conversion != "%s" or any(len(p) != 2 for p in parts.values()):
            templates = {key: self._template(text) for key, text in texts.items()}
            return "".join(map(_MOD, map(templates.__getitem__, keys), dsts[start:end]))
        n = end - start
        pres = {before for before, _ in parts.values()}
        if len(pres) == 1:  # pre, dst, post + pre, dst, post + pre, ..., dst, post
            pre = pres.pop()
            glue = {key: after + pre for key, (_, after) in parts.items()}
            buf = [pre] * (2 * n + 1)
            buf[1::2] = dsts[start:end]
            buf[2::2] = map(glue.__getitem__, keys)
            buf[-1] = parts[keys[-1]][1]
            return "".join(buf)
        before_of = {key: before for key, (before, _) in parts.items()}
        after_of = {key: after for key, (_, after) in parts.items()}
        buf = [""] * (3 * n)
        buf[0::3] = map(before_of.__getitem__, keys)
        buf[1::3] = dsts[start:end]
        buf[2::3] = map(after_of.__getitem__, keys)
        return "".join(buf)

    def _text(self, fields: list[Any]) -> str:
        """``render`` of the route with these fields and the mark as its destination (a
        text per distinct route shape, kept: segments share them)."""
        key = tuple(fields)
        text = self._texts.get(key)
        if text is None:
            fields = list(fields)
            fields[_DST] = DST_MARK
            text = self.render(make_route(*fields))
            if text.count(DST_MARK) > 1:
                raise ValueError("render() shows the destination more than once")
            if len(self._texts) >= _TEXTS_MAX:
                self._texts.clear()
            self._texts[key] = text
        return text

    def _template(self, text: str) -> str:
        """A route's text as a ``%``-template with one slot for its destination."""
        template = text.replace("%", "%%").replace(DST_MARK, self.dst_conversion)
        if DST_MARK not in text:  # the destination is consumed unseen
            template = "%.0s" + template
        return template
