"""Writing version 2's route columns (``tui.capture.route_columns`` says the format): routes
fed a chunk at a time, as a dump delivers them, each field kept as runs, a palette or values
(pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain, groupby, repeat
from operator import attrgetter
from typing import Any

from tui.capture.route_columns import ROUTE_DEFAULTS as _DEFAULTS
from tui.capture.route_columns import ROUTE_FIELDS as _FIELDS
from tui.capture.route_tables import ROUTE_REQUIRED
from tui.model import Route

#: A column goes from runs to a palette (or values) past this many runs, and from a palette
#: to values past this many distinct values.
RUNS_MAX = 1024
PALETTE_MAX = 4096


class _Palette(dict[Any, int]):
    """value -> its index, a new value getting the next one."""

    def __missing__(self, key: Any) -> int:
        self[key] = n = len(self)
        return n


class _Accumulator:
    """One column being written, a chunk of routes at a time."""

    def __init__(self, name: str) -> None:
        self.get = attrgetter(name)
        self.runs: list[list[Any]] | None = []
        self.palette: _Palette | None = None
        self.index: list[int] = []
        self.values: list[Any] | None = None

    def add(self, chunk: list[Route]) -> None:
        vals = list(map(self.get, chunk))
        if self.runs is not None:
            runs = self.runs
            if runs and vals.count(runs[-1][0]) == len(vals):
                runs[-1][1] += len(vals)
                return
            for value, group in groupby(vals):
                if runs and runs[-1][0] == value:
                    runs[-1][1] += sum(1 for _ in group)
                else:
                    runs.append([value, sum(1 for _ in group)])
            if len(runs) > RUNS_MAX:
                self.runs = None
                self.palette = _Palette()
                self._add_palette(list(chain.from_iterable(repeat(v, n) for v, n in runs)))
            return
        if self.palette is not None:
            self._add_palette(vals)
            return
        assert self.values is not None
        self.values += vals

    def _add_palette(self, vals: list[Any]) -> None:
        assert self.palette is not None
        self.index += map(self.palette.__getitem__, vals)
        if len(self.palette) > PALETTE_MAX:
            self.values = list(map([*self.palette].__getitem__, self.index))
            self.palette, self.index = None, []

    def finish(self, conv: Callable[[Any], Any] | None) -> dict[str, Any]:
        def js(v: Any) -> Any:
            return conv(v) if conv is not None else v

        if self.runs is not None:
            return {"runs": [[js(v), n] for v, n in self.runs]}
        if self.palette is not None:
            return {"palette": [js(v) for v in self.palette], "index": self.index}
        assert self.values is not None
        return {"values": list(map(conv, self.values)) if conv else self.values}


class ColumnWriter:
    """Routes fed a chunk at a time (as a dump delivers them), kept as columns: a million
    routes never exist at once, only their distinct values and the destinations."""

    def __init__(self) -> None:
        self.count = 0
        self.columns = [_Accumulator(f.name) for f in _FIELDS]

    def add(self, chunk: list[Route]) -> None:
        """Append ``chunk``'s routes."""
        if chunk:
            self.count += len(chunk)
            for column in self.columns:
                column.add(chunk)

    def finish(self, to_json: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
        """The version-2 ``routes`` value; ``to_json`` turns a field's model value into JSON
        (next hops, metrics, extras).  Columns holding only the default are left out."""
        columns: dict[str, Any] = {}
        for f, column in zip(_FIELDS, self.columns, strict=True):
            runs = column.runs
            default = runs is not None and all(v == _DEFAULTS[f.name] for v, _ in runs)
            if default and f.name not in ROUTE_REQUIRED:
                continue
            columns[f.name] = column.finish(to_json.get(f.name))
        return {"count": self.count, "columns": columns}


def encode(routes: Sequence[Route], to_json: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The columns of ``routes`` (see ``ColumnWriter``)."""
    writer = ColumnWriter()
    writer.add(list(routes))
    return writer.finish(to_json)
