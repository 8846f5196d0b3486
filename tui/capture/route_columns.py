"""Routes as columns (capture version 2): a million routes in a few MB, checked and built at
C speed (pure, no I/O).

A namespace's ``routes`` is ``{"count": N, "columns": {FIELD: COLUMN, ...}}`` where FIELD is
a ``Route`` field (``tui.capture.route_tables.ROUTE``; an absent column holds the field's default
for every route) and COLUMN is either ``{"values": [v0, v1, ...]}`` (N values, one per route)
or ``{"runs": [[value, n], ...]}`` (run-length: ``n`` >= 1 routes in a row hold ``value``; the
``n`` add up to N).  A full table's family, table, type, protocol, gateway... are a handful of
runs; only the destinations are a list.  Values are written as in version 1's rows (next hops,
metrics and extras as positional rows).

Every value is checked against the same field tables as version 1's rows: a run's value once,
with the family of the routes it covers (a run crossing a family boundary is checked once per
family); a fault names the first route it concerns (``routes[12].dst_len``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, groupby, repeat
from typing import Any

from tui.capture.records import _Nested
from tui.capture.route_tables import ROUTE, ROUTE_REQUIRED, route_src_len
from tui.capture.schema import Ctx, SchemaError, show
from tui.model import Route

MAX_ROUTES = 2**26
_FAMILY_SLICES = 64  # family runs up to which a values column is checked slice by slice
_FIELDS = dataclasses.fields(Route)
_DEFAULTS = {f.name: (None if f.default is dataclasses.MISSING else f.default) for f in _FIELDS}
_DEFAULTS["multipath"] = _DEFAULTS["metrics"] = ()  # what an empty JSON list becomes
ROUTE_FIELDS = _FIELDS
ROUTE_DEFAULTS = _DEFAULTS


@dataclasses.dataclass
class Column:
    """A checked column: every value (``values``), runs of ``(value, start, count)``, or a
    ``palette`` of values and each route's ``index`` into it."""

    values: list[Any] | None = None
    runs: list[tuple[Any, int, int]] | None = None
    palette: list[Any] | None = None
    index: list[int] | None = None

    def full(self, count: int) -> list[Any]:
        """One value per route (a run or palette entry repeats the very same object)."""
        if self.values is not None:
            return self.values
        if self.palette is not None:
            assert self.index is not None
            return list(map(self.palette.__getitem__, self.index))
        assert self.runs is not None
        return list(chain.from_iterable(repeat(v, n) for v, _, n in self.runs))


# ---- checking ------------------------------------------------------------------------------


def check(value: Any, where: str, ctx: Ctx) -> tuple[int, dict[str, Column]]:
    """The route count and checked columns of a version-2 ``routes``; SchemaError otherwise."""
    if type(value) is not dict:
        raise SchemaError(where, f"{show(value)} is not an object")
    for key in value:
        if key not in ("count", "columns"):
            raise SchemaError(where, f"unknown field {show(key)}")
    count, raw = value.get("count"), value.get("columns")
    if type(count) is not int or not 0 <= count <= MAX_ROUTES:
        raise SchemaError(f"{where}.count", f"{show(count)} is not a count 0..{MAX_ROUTES}")
    if type(raw) is not dict:
        raise SchemaError(f"{where}.columns", f"{show(raw)} is not an object")
    for name in raw:
        if name not in ROUTE:
            raise SchemaError(f"{where}.columns", f"{show(name)} is not a route field")
    for name in ROUTE_REQUIRED:
        if name not in raw:
            raise SchemaError(f"{where}.columns", f"the column {name!r} is missing")
    columns = {name: _shape(raw[name], f"{where}.columns.{name}", count) for name in raw}
    family = columns["family"]
    _check_one(ROUTE["family"], "family", family, None, where, ctx, count)
    fam_runs = _family_runs(family, count)
    sliced = len(fam_runs) <= _FAMILY_SLICES
    needed = not sliced and any(c.values is not None for c in columns.values())
    fam_full = family.full(count) if needed else []
    for name, column in columns.items():
        if name == "family":
            continue
        if column.values is not None and sliced:
            # Mixed families (IPv4 and IPv6 on every host): each family's routes checked
            # as one slice of one family, not filtered out of the whole column per family.
            for fam, start, n in fam_runs:
                part = column if n == count else Column(values=column.values[start : start + n])
                _check_one(ROUTE[name], name, part, [fam] * n, where, ctx, n, start)
            continue
        fams = fam_full if column.values is not None else fam_runs
        _check_one(ROUTE[name], name, column, fams, where, ctx, count)
    src, src_len = columns.get("src"), columns.get("src_len")
    if src is not None and src_len is not None and _any_true(src_len):
        cols = {"src": src.full(count), "src_len": src_len.full(count)}
        found = route_src_len(cols, ctx)
        if found is not None:
            raise SchemaError(f"{where}[{found[0]}].{found[1]}", found[2])
    return count, columns


def _any_true(column: Column) -> bool:
    if column.values is not None:
        return any(column.values)
    assert column.runs is not None
    return any(v for v, _, _ in column.runs)


def _shape(raw: Any, where: str, count: int) -> Column:
    """A column's form: N values, or runs adding up to N (not yet its values' checks)."""
    if type(raw) is dict and raw.keys() == {"palette", "index"}:
        return _palette(raw["palette"], raw["index"], where, count)
    if type(raw) is not dict or len(raw) != 1 or next(iter(raw)) not in ("values", "runs"):
        raise SchemaError(where, "not values, runs, or a palette and an index")
    kind, items = next(iter(raw.items()))
    if type(items) is not list:
        raise SchemaError(f"{where}.{kind}", f"{show(items)} is not a list")
    if kind == "values":
        if len(items) != count:
            raise SchemaError(f"{where}.values", f"{len(items)} values for {count} routes")
        return Column(values=items)
    if len(items) > count:
        raise SchemaError(f"{where}.runs", f"{len(items)} runs for {count} routes")
    runs: list[tuple[Any, int, int]] = []
    start = 0
    for i, run in enumerate(items):
        if type(run) is not list or len(run) != 2:
            raise SchemaError(f"{where}.runs[{i}]", f"{show(run)} is not a [value, n] pair")
        n = run[1]
        if type(n) is not int or not 1 <= n <= count - start:
            raise SchemaError(f"{where}.runs[{i}][1]", f"{show(n)} is not a run length here")
        runs.append((run[0], start, n))
        start += n
    if start != count:
        raise SchemaError(f"{where}.runs", f"runs of {start} routes for {count}")
    return Column(runs=runs)


def _palette(palette: Any, index: Any, where: str, count: int) -> Column:
    """A palette of distinct values, each used, and an index into it per route."""
    if type(palette) is not list:
        raise SchemaError(f"{where}.palette", f"{show(palette)} is not a list")
    if type(index) is not list:
        raise SchemaError(f"{where}.index", f"{show(index)} is not a list")
    if len(index) != count:
        raise SchemaError(f"{where}.index", f"{len(index)} indexes for {count} routes")
    if not set(map(type, index)) <= {int}:
        i = next(i for i, v in enumerate(index) if type(v) is not int)
        raise SchemaError(f"{where}.index[{i}]", f"{show(index[i])} is not an integer")
    used = set(index)
    if used and (min(used) < 0 or max(used) >= len(palette)):
        i = next(i for i, v in enumerate(index) if not 0 <= v < len(palette))
        raise SchemaError(f"{where}.index[{i}]", f"{index[i]} is not an index of the palette")
    if len(used) != len(palette):
        k = min(set(range(len(palette))) - used)
        raise SchemaError(f"{where}.palette[{k}]", "a value no route uses")
    return Column(palette=palette, index=index)


def _family_runs(family: Column, count: int) -> list[tuple[Any, int, int]]:
    if family.runs is not None:
        return family.runs
    runs: list[tuple[Any, int, int]] = []
    start = 0
    for value, group in groupby(family.full(count)):  # values, or a palette's (not a crash)
        n = sum(1 for _ in group)
        runs.append((value, start, n))
        start += n
    return runs


def _pieces(
    runs: list[tuple[Any, int, int]], fams: list[tuple[Any, int, int]]
) -> Iterator[tuple[Any, Any, int]]:
    """Each run cut where the family changes: (value, family, first route)."""
    k = 0
    for value, start, n in runs:
        end = start + n
        while fams[k][1] + fams[k][2] <= start:
            k += 1
        j = k
        pos = start
        while pos < end:
            fam, fstart, fn = fams[j]
            yield value, fam, pos
            pos = fstart + fn
            j += 1


def _palette_uses(
    column: Column, fams: Sequence[Any] | None
) -> tuple[list[Any], list[Any], list[int]]:
    """Each palette value once per family it is used with, and the first route using it so."""
    palette, index = column.palette, column.index
    assert palette is not None and index is not None
    runs = fams if fams else [(None, 0, len(index))]
    uses: list[tuple[int, Any, int]] = []  # (first route, family, palette index)
    for fam, start, n in runs:
        part = index[start : start + n]
        wanted = len(set(part))
        seen: set[int] = set()
        for k, i in enumerate(part):  # stops once every value of this family is placed
            if i not in seen:
                seen.add(i)
                uses.append((start + k, fam, i))
                if len(seen) == wanted:
                    break
    uses.sort()
    return [palette[i] for _, _, i in uses], [f for _, f, _ in uses], [k for k, _, _ in uses]


def _check_one(
    fld: Any,
    name: str,
    column: Column,
    fams: Sequence[Any] | None,
    where: str,
    ctx: Ctx,
    count: int,
    offset: int = 0,
) -> None:
    """One column against its field: every value, or each run's value once per family;
    ``offset``: the first route's position when the column is a slice of the routes."""
    if column.values is not None:
        values: Sequence[Any] = column.values
        family = fams
        first: Sequence[int] | None = None
    elif column.palette is not None:
        values, family, first = _palette_uses(column, fams)
    else:
        assert column.runs is not None
        if fams is None:
            cut = [(v, None, s) for v, s, _ in column.runs]
        elif len(fams) == 1:
            cut = [(v, fams[0][0], s) for v, s, _ in column.runs]
        else:
            cut = list(_pieces(column.runs, list(fams)))
        values = [v for v, _, _ in cut]
        family = [f for _, f, _ in cut]
        first = [s for _, _, s in cut]
    try:
        bad = fld.check(values, Ctx(family=family, links=ctx.links))
    except _Nested as exc:
        index = offset + (exc.index if first is None else first[exc.index])
        raise SchemaError(f"{where}[{index}].{name}{exc.where}", exc.what) from None
    if bad is not None:
        index = offset + (bad[0] if first is None else first[bad[0]])
        raise SchemaError(f"{where}[{index}].{name}", bad[1])


# ---- building ------------------------------------------------------------------------------


def _converted(fld: Any, value: Any) -> Any:
    conv = fld.convert
    if conv is None or value is None:
        return value
    return conv(value) if value else (() if value == [] else value)


def _stream(name: str, column: Column | None, count: int) -> Iterable[Any]:
    fld = ROUTE[name]
    if column is None:
        return repeat(_DEFAULTS[name], count)
    if column.values is not None:
        if fld.convert is None:
            return column.values
        return [_converted(fld, v) for v in column.values]
    if column.palette is not None:
        assert column.index is not None
        palette = [_converted(fld, v) for v in column.palette]
        return map(palette.__getitem__, column.index)
    assert column.runs is not None
    return chain.from_iterable(repeat(_converted(fld, v), n) for v, _, n in column.runs)


def build(count: int, columns: dict[str, Column]) -> tuple[Route, ...]:
    """The routes of checked columns (a run's value converted once, shared by its routes)."""
    streams = [_stream(f.name, columns.get(f.name), count) for f in _FIELDS]
    return tuple(map(make_route, *streams))


def _twin_maker() -> Callable[..., Route]:
    """``Route(*values)`` without the frozen ``__init__``'s ``object.__setattr__`` per field:
    a plain class of the same slots is filled, then re-classed (checked; else Route itself)."""
    slots = Route.__dict__.get("__slots__")
    if not isinstance(slots, tuple) or Route.__bases__ != (object,):
        return Route
    twin = type("_RouteTwin", (), {"__slots__": slots})
    names = [f.name for f in _FIELDS]
    args = ", ".join(names)
    body = "".join(f"    o.{n} = {n}\n" for n in names)
    source = f"def make({args}):\n    o = new(twin)\n{body}    o.__class__ = Route\n    return o\n"
    env: dict[str, Any] = {"new": object.__new__, "twin": twin, "Route": Route}
    exec(source, env)  # our own field names, generated once
    make: Callable[..., Route] = env["make"]
    try:
        sample: list[Any] = list(range(len(names)))
        if make(*sample) == Route(*sample):
            return make
    except (TypeError, AttributeError):
        pass
    return Route


make_route = _twin_maker()
