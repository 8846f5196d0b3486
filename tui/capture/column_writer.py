"""Writing version 2's route columns (``tui.capture.route_columns`` says the format): routes
fed a chunk at a time, as a dump delivers them, each field kept as runs, a palette or values
(pure, no I/O).

Routes come as ``Route`` objects (``add``) or already as columns (``add_columns``: one
sequence per field, or a ``Repeat`` when a field holds one value for the whole chunk), as the
dump's column decoder delivers them.  The result depends only on each field's sequence of
values, never on how it was cut into chunks or fed: both ways write the same document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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


class Repeat:
    """A column of a chunk that holds ``value`` for every route of it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Repeat({self.value!r})"


#: A chunk's column: one value per route, or one value for all of them.
ChunkColumn = Sequence[Any] | Repeat


class _Palette(dict[Any, int]):
    """value -> its index, a new value getting the next one."""

    def __missing__(self, key: Any) -> int:
        self[key] = n = len(self)
        return n


class _Accumulator:
    """One column being written, a chunk of routes at a time."""

    def __init__(self) -> None:
        self.runs: list[list[Any]] | None = []
        self.palette: _Palette | None = None
        self.index: list[int] = []
        self.values: list[Any] | None = None

    def add(self, vals: Sequence[Any]) -> None:
        """Append one value per route (a list, tuple, bytes or array of them)."""
        if not vals:
            return
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
            self._check_runs()
            return
        if self.palette is not None:
            self._add_palette(vals)
            return
        assert self.values is not None
        self.values += vals

    def add_repeat(self, value: Any, n: int) -> None:
        """Append ``value`` for ``n`` routes."""
        if n <= 0:
            return
        if self.runs is not None:
            runs = self.runs
            if runs and runs[-1][0] == value:
                runs[-1][1] += n
            else:
                runs.append([value, n])
                self._check_runs()
            return
        if self.palette is not None:
            self.index += repeat(self.palette[value], n)
            self._check_palette()
            return
        assert self.values is not None
        self.values += repeat(value, n)

    def _check_runs(self) -> None:
        """Past RUNS_MAX runs the column becomes a palette (or values) of the same values."""
        assert self.runs is not None
        if len(self.runs) > RUNS_MAX:
            runs, self.runs = self.runs, None
            self.palette = _Palette()
            self._add_palette(list(chain.from_iterable(repeat(v, n) for v, n in runs)))

    def _add_palette(self, vals: Iterable[Any]) -> None:
        assert self.palette is not None
        self.index += map(self.palette.__getitem__, vals)
        self._check_palette()

    def _check_palette(self) -> None:
        """Past PALETTE_MAX distinct values the column becomes plain values."""
        assert self.palette is not None
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
        self.columns = [_Accumulator() for _ in _FIELDS]
        self._getters = [attrgetter(f.name) for f in _FIELDS]

    def add(self, chunk: Sequence[Route]) -> None:
        """Append ``chunk``'s routes."""
        if chunk:
            self.count += len(chunk)
            for column, get in zip(self.columns, self._getters, strict=True):
                column.add(list(map(get, chunk)))

    def add_columns(self, n: int, columns: Sequence[ChunkColumn]) -> None:
        """Append ``n`` routes given as columns, one per ``Route`` field in field order: a
        sequence of ``n`` values or a ``Repeat``."""
        if n <= 0:
            return
        if len(columns) != len(self.columns):
            raise ValueError(f"{len(columns)} columns for {len(self.columns)} route fields")
        self.count += n
        for column, vals in zip(self.columns, columns, strict=True):
            if isinstance(vals, Repeat):
                column.add_repeat(vals.value, n)
            elif len(vals) != n:
                raise ValueError(f"a column of {len(vals)} values for {n} routes")
            else:
                column.add(vals)

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
