"""A capture document's text: ``doc_text.dumps`` joins the long route columns and must give
exactly ``json.dumps``'s text, for plain columns and for every value it has to leave to
``json.dumps`` (quotes, backslashes, non-ASCII, control characters, booleans, negative or
too large indexes, its own marker written by someone else); and the column writer fed
columns (``add_columns``, with ``Repeat``) writes what it writes fed ``Route`` objects."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import Any

import pytest

from tests.capture.test_route_columns import _host, _routes
from tui import capture
from tui.capture import doc_text
from tui.capture.column_writer import PALETTE_MAX, RUNS_MAX, ChunkColumn, ColumnWriter, Repeat
from tui.model import Route

N = doc_text.LONG + 10


def _doc(columns: dict[str, Any]) -> dict[str, Any]:
    """A capture document whose first namespace's routes hold ``columns``."""
    doc = capture.to_json(_host(_routes(20)))
    doc["namespaces"][0]["state"]["routes"]["columns"].update(columns)
    return doc


def _same(doc: dict[str, Any]) -> None:
    assert doc_text.dumps(doc) == json.dumps(doc, separators=(",", ":"))


def test_a_real_capture_is_written_as_json_dumps_writes_it() -> None:
    doc = capture.to_json(_host(_routes(RUNS_MAX * 6)))
    columns = doc["namespaces"][0]["state"]["routes"]["columns"]
    assert len(columns["dst"]["values"]) >= N and len(columns["gateway"]["index"]) >= N
    _same(doc)


STRINGS = ["plain", 'a "quote"', "back\\slash", "caf\u00e9", "ctrl\x01", "del\x7f", "", " ", "\0"]


@pytest.mark.parametrize("odd", STRINGS)
def test_values_json_must_escape_are_left_to_it(odd: str) -> None:
    values = [f"10.0.{i % 256}.{i // 256}" for i in range(N)]
    values[N // 2] = odd
    _same(_doc({"dst": {"values": values}}))


@pytest.mark.parametrize(
    "index",
    [
        [i % 3 for i in range(N)],
        [True] + [0] * N,
        [-1] + [0] * N,
        [3] + [0] * N,
        [0.0] + [0] * N,
        ["0"] + [0] * N,
    ],
)
def test_a_palette_index_is_joined_only_when_json_writes_it_so(index: list[Any]) -> None:
    palette = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    _same(_doc({"gateway": {"palette": palette, "index": index}}))
    _same(_doc({"gateway": {"index": index, "palette": palette}}))


def test_other_values_and_forms_are_left_as_they_are() -> None:
    _same(_doc({"oif": {"values": list(range(N))}}))
    _same(_doc({"dst": {"values": [*map(str, range(N)), None]}}))
    _same(_doc({"dst": {"values": "not a list"}}))
    _same(_doc({"dst": {"values": ["a"] * 10}}))


def test_its_marker_elsewhere_in_the_document_changes_nothing() -> None:
    doc = _doc({"dst": {"values": [f"10.0.0.{i % 256}" for i in range(N)]}})
    doc["hostname"] = "\0fibscope column 0\0"
    _same(doc)
    doc["namespaces"][0]["state"]["links"][0]["name"] = "\0fibscope column 0\0"
    _same(doc)


def _columns(routes: list[Route], runs: bool) -> list[ChunkColumn]:
    out: list[ChunkColumn] = []
    for f in fields(Route):
        vals = [getattr(r, f.name) for r in routes]
        same = runs and all(v == vals[0] for v in vals)
        out.append(Repeat(vals[0]) if same else vals)
    return out


@pytest.mark.parametrize("size", [1, 7, 500, 4096])
def test_columns_with_repeats_write_what_routes_write(size: int) -> None:
    routes = _routes(RUNS_MAX * 5)
    routes += [replace(r, gateway=f"10.{i >> 8}.{i & 255}.9") for i, r in enumerate(routes)]
    routes = routes[: PALETTE_MAX + RUNS_MAX * 3]
    by_routes, by_columns = ColumnWriter(), ColumnWriter()
    by_routes.add(routes)
    for start in range(0, len(routes), size):
        chunk = routes[start : start + size]
        by_columns.add_columns(len(chunk), _columns(chunk, runs=start % 2 == 0))
    expected = capture.route_columns_json(by_routes)
    assert capture.route_columns_json(by_columns) == expected
    forms = {next(iter(c)) for c in expected["columns"].values()}
    assert forms == {"runs", "palette", "values"}


def test_a_column_of_the_wrong_length_is_refused() -> None:
    writer = ColumnWriter()
    columns = _columns(_routes(3), runs=False)
    with pytest.raises(ValueError, match="3 values for 4 routes"):
        writer.add_columns(4, columns)
    with pytest.raises(ValueError, match="columns for"):
        writer.add_columns(3, columns[:-1])
