"""``fibscope routes --state F``: a capture's routing table printed from its route columns.

``routes`` only prints, so a version-2 capture's routes need not become a million Route
objects: the document is checked whole as for every command (``capture.load_columns``), then
each line comes from the columns through the general path's own formatters, applied once per
distinct combination of fields (``tui.capture.route_text``).  The renders below are those
formatters, one route at a time, with the general path's selection; a version-1 capture has
rows, not columns, and takes the general path.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import TextIO

from tui import capture
from tui.capture.route_columns import Column
from tui.capture.route_text import DST_MARK, ColumnPrinter
from tui.cli.common import CommandError
from tui.formats.iproute import TABLE_ALL, RouteFormatter, select_routes
from tui.formats.json_view import route_json
from tui.formats.route_n import ROUTE_N_HEADER, route_n
from tui.model import IFF_LOOPBACK, Namespace, NexthopObject, Route
from tui.source import CaptureSource

RouteColumns = tuple[int, dict[str, Column]]
# The destination while a JSON template is made: json.dumps escapes the mark's NUL bytes (as
# it would in a hostile table name holding the mark), not this unguessable word.
_JSON_DST = "fibscope-destination-" + secrets.token_hex(16)


def open_capture(path: str) -> tuple[CaptureSource, list[RouteColumns | None]]:
    """The capture as a source whose namespaces hold no Route objects where it has columns,
    and those columns by namespace position; CommandError (one line) if it cannot be used."""
    try:
        host, columns = capture.load_columns(path)
    except capture.CaptureError as exc:
        raise CommandError(str(exc)) from None
    return CaptureSource(host, path), columns


def columns_of(
    source: CaptureSource, columns: list[RouteColumns | None], ns: Namespace
) -> RouteColumns | None:
    """The route columns of ``ns`` (one of ``source``'s namespaces), None when it has rows."""
    for namespace, cols in zip(source.host.namespaces, columns, strict=True):
        if namespace is ns:
            return cols
    return None


def print_columns(
    cols: RouteColumns,
    ns: Namespace,
    names: Mapping[int, str],
    fmt: str,
    family: int,
    table: int | None,
    out: TextIO,
) -> None:
    """The text the general path prints for ``fmt`` (``ip``, ``route-n`` for IPv4, ``json``)
    with ``family`` (0: ip's default) and ``table`` (None: every table), from columns."""
    assert ns.state is not None
    devs = ns.state.link_names()
    shown = TABLE_ALL if table is None else table
    if fmt == "route-n":
        lo = next((link.index for link in ns.state.links if link.flags & IFF_LOOPBACK), 1)
        objects = {nh.id: nh for nh in ns.state.nexthops or ()}
        out.write(ROUTE_N_HEADER)
        printer = ColumnPrinter(_route_n_render(devs, objects, lo, shown), "%-15s")
        _write(printer.texts(*cols), out)
    elif fmt == "json":
        printer = ColumnPrinter(_json_render(devs, names, family, shown))
        pieces = (text for text in printer.texts(*cols) if text)
        first = next(pieces, None)
        if first is None:
            out.write("[]\n")
            return
        out.write("[" + first[1:])  # each route's piece starts ",\n ": the first's "," goes
        _write(pieces, out)
        out.write("\n]\n")
    else:
        formatter = RouteFormatter(devs, names, show_table=table is None)
        _write(ColumnPrinter(_ip_render(formatter, family, shown)).texts(*cols), out)


def _write(pieces: Iterable[str], out: TextIO) -> None:
    write = out.write
    for piece in pieces:
        write(piece)


def _ip_render(formatter: RouteFormatter, family: int, table: int) -> Callable[[Route], str]:
    """One route as the general path's ``ip route show`` (with its newline), "" if hidden."""

    def render(route: Route) -> str:
        if not select_routes((route,), family=family, table=table):
            return ""
        return formatter.line(route) + "\n"

    return render


def _route_n_render(
    devs: Mapping[int, str], objects: Mapping[int, NexthopObject], lo: int, table: int
) -> Callable[[Route], str]:
    """One route as the general path's ``route -n`` (with its newline), "" if not listed."""
    from tui.fib.nh_resolve import first_hop_route  # the engine: not at start-up

    def render(route: Route) -> str:
        if not select_routes((route,), family=0, table=table):
            return ""
        return route_n((first_hop_route(route, objects, lo),), devs)[len(ROUTE_N_HEADER) :]

    return render


def _json_render(
    devs: Mapping[int, str], names: Mapping[int, str], family: int, table: int
) -> Callable[[Route], str]:
    """One route as an item of the general path's ``json.dump(..., indent=1)`` list, after
    its separator: ``,\\n {\\n  ...\\n }``; "" if not selected."""

    def render(route: Route) -> str:
        if not select_routes((route,), family=family, table=table):
            return ""
        item = route_json(route, devs, names)
        item["dst"] = item["dst"].replace(DST_MARK, _JSON_DST)
        text = json.dumps(item, indent=1)
        return ",\n " + text.replace("\n", "\n ").replace(_JSON_DST, DST_MARK)

    return render
