"""A capture document as text, the long route columns joined rather than encoded (pure).

``json.dumps(doc, separators=(",", ":"))`` spends most of a full table's time on two lists:
the destinations (a million strings) and a palette's index (a million small integers).  Both
have a shorter way to the very same text: a palette index is numbers below the palette's
length, each one's text looked up; strings that JSON writes as they are (printable ASCII, no
quote, no backslash) are joined between quotes.  Anything else, and any doubt, goes through
``json.dumps``: ``dumps`` always returns exactly its text.
"""

from __future__ import annotations

import json
from typing import Any

#: Lists shorter than this are left to json.dumps.
LONG = 4096
_SEPARATORS = (",", ":")


def _strings(values: list[Any]) -> str | None:
    """The JSON text of a list of strings JSON writes unescaped; None otherwise."""
    try:
        text = '","'.join(values)
    except TypeError:  # not all strings
        return None
    if not (text.isascii() and text.isprintable()) or "\\" in text:
        return None
    if text.count('"') != 2 * (len(values) - 1):  # a quote of the values' own
        return None
    return f'["{text}"]'


def _index(index: list[Any], size: int) -> str | None:
    """The JSON text of a palette's index (integers 0..size-1); None otherwise."""
    names = [str(i) for i in range(size)]
    if not set(map(type, index)) <= {int}:
        return None
    try:
        return "[" + ",".join(map(names.__getitem__, index)) + "]"
    except IndexError:  # a negative number reads from the end: checked below
        return None


def _column_text(column: dict[str, Any]) -> str | None:
    """The JSON text of one route column's long list (None: leave it to json.dumps)."""
    if set(column) == {"values"} and type(column["values"]) is list:
        text = _strings(column["values"]) if len(column["values"]) >= LONG else None
        return None if text is None else '{"values":' + text + "}"
    if set(column) == {"palette", "index"} and type(column["index"]) is list:
        index, palette = column["index"], column["palette"]
        if len(index) < LONG or type(palette) is not list:
            return None
        if index and min(index) < 0:
            return None
        text = _index(index, len(palette))
        if text is None:
            return None
        parts = {"palette": json.dumps(palette, separators=_SEPARATORS), "index": text}
        return "{" + ",".join(f'"{key}":{parts[key]}' for key in column) + "}"
    return None


def dumps(doc: dict[str, Any]) -> str:
    """``json.dumps(doc, separators=(",", ":"))`` of a capture document, exactly."""
    swapped: dict[str, str] = {}  # marker -> text
    try:
        work = _swap(doc, swapped)
    except (KeyError, TypeError, AttributeError):
        return json.dumps(doc, separators=_SEPARATORS)
    text = json.dumps(work, separators=_SEPARATORS)
    parts = [text]
    for marker, column in swapped.items():
        quoted = json.dumps(marker)
        head, sep, tail = parts[-1].partition(quoted)
        if not sep or quoted in tail:  # the marker's text found elsewhere: no splicing
            return json.dumps(doc, separators=_SEPARATORS)
        parts[-1:] = [head, column, tail]
    return "".join(parts)


def _swap(doc: dict[str, Any], swapped: dict[str, str]) -> dict[str, Any]:
    """A copy of ``doc`` whose long route columns are markers; ``swapped`` gets their text."""
    namespaces = []
    for ns in doc["namespaces"]:
        state = ns.get("state")
        routes = state.get("routes") if type(state) is dict else None
        if type(routes) is not dict or type(routes.get("columns")) is not dict:
            namespaces.append(ns)
            continue
        columns = {}
        for name, column in routes["columns"].items():
            text = _column_text(column) if type(column) is dict else None
            if text is None:
                columns[name] = column
            else:
                marker = f"\0fibscope column {len(swapped)}\0"
                swapped[marker] = text
                columns[name] = marker
        state = {**state, "routes": {**routes, "columns": columns}}
        namespaces.append({**ns, "state": state})
    return {**doc, "namespaces": namespaces}
