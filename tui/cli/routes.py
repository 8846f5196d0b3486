"""``fibscope routes``: a routing table as ``route -n``, ``ip route show`` or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

from tui.cli.common import CommandError, open_source, read_namespace, write_lines
from tui.cli.routes_capture import columns_of, open_capture, print_columns
from tui.formats.iproute import TABLE_ALL, RouteFormatter, select_routes
from tui.formats.json_view import routes_json
from tui.formats.route_n import ROUTE_N_HEADER, route6_n, route_n
from tui.model import AF_INET, AF_INET6, IFF_LOOPBACK, RT_TABLE_MAIN, NexthopObject, Route
from tui.names import parse_table
from tui.source import Source, SourceError, find_namespace
from tui.source.kernel import KernelAccess, StreamInterrupted

_BLOCK = 1 << 16  # routes formatted per write


def _table_filter(table_arg: str | None, names: Mapping[int, str]) -> int | None:
    """The table id asked for; None means every table."""
    if table_arg is None:
        return RT_TABLE_MAIN
    if table_arg == "all":
        return None
    try:
        return parse_table(table_arg, names)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def cmd_routes(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope routes``."""
    columns = None
    if args.state:  # checked whole, but no Route objects where the capture has columns
        capture_source, columns = open_capture(args.state)
        source: Source = capture_source
    else:
        source = open_source(None)
    names = source.table_names()
    family = AF_INET6 if args.ipv6 else AF_INET
    table = _table_filter(args.table, names)
    if args.format == "route-n" and args.table not in (None, "main", str(RT_TABLE_MAIN)):
        raise CommandError("route -n shows the main table only; use --format ip for other tables")
    kernel = source.kernel()
    if (
        kernel is not None
        and args.format != "json"
        and not (args.format == "route-n" and args.ipv6)
    ):
        return _stream_routes(kernel, source, args, family, table, names, out)
    ns = read_namespace(source, args.netns)
    assert ns.state is not None
    if columns is not None and not (args.format == "route-n" and args.ipv6):
        cols = columns_of(capture_source, columns, ns)
        if cols is not None:
            print_columns(cols, ns, names, args.format, family if args.ipv6 else 0, table, out)
            return 0
    devs = ns.state.link_names()
    routes = select_routes(
        ns.state.routes,
        family=family if args.ipv6 else 0,
        table=TABLE_ALL if table is None else table,
    )
    if args.format == "json":
        json.dump(routes_json(routes, devs, names), out, indent=1)
        out.write("\n")
    elif args.format == "route-n":
        if family == AF_INET6:
            out.write(route6_n(ns.state.ipv6_proc_routes))
        else:
            from tui.fib.nh_resolve import first_hop_route  # the engine: not at start-up

            objects = {nh.id: nh for nh in ns.state.nexthops or ()}
            lo = next((link.index for link in ns.state.links if link.flags & IFF_LOOPBACK), 1)
            out.write(route_n([first_hop_route(r, objects, lo) for r in routes], devs))
    else:
        formatter = RouteFormatter(devs, names, show_table=table is None)
        for start in range(0, len(routes), _BLOCK):  # a full table's text never whole at once
            write_lines(formatter.lines(routes[start : start + _BLOCK]), out)
    return 0


def _stream_routes(
    kernel: KernelAccess,
    source: Source,
    args: argparse.Namespace,
    family: int,
    table: int | None,
    names: Mapping[int, str],
    out: TextIO,
) -> int:
    """Print straight from the kernel's dump, a datagram at a time: a million routes never sit
    in memory at once.  The kernel filters by family and table; the formatters decide the
    rest, once per message shape (``route_print``), so the output is theirs byte for byte."""
    try:
        info = find_namespace(source.namespaces(), args.netns)
        devs = kernel.link_names(info)
        if args.format == "route-n":
            out.write(ROUTE_N_HEADER)
            objects = {nh.id: nh for nh in kernel.nexthops(info) or ()}
            render, slot = _route_n_render(devs, objects), "%-15s"
        else:
            render, slot = _ip_render(devs, names, family if args.ipv6 else 0, table), "%s"
        dump_family = family if args.ipv6 or table is not None else 0  # 0: IPv4 then IPv6
        write = out.write
        for text in kernel.route_texts(info, dump_family, render, table=table, dst_conversion=slot):
            write(text)
    except StreamInterrupted:
        out.flush()
        print("Dump was interrupted and may be inconsistent.", file=sys.stderr)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    return 0


def _ip_render(
    devs: Mapping[int, str], names: Mapping[int, str], family: int, table: int | None
) -> Callable[[Route], str]:
    """One route as ``ip route show`` prints it (with its newline), "" when ip hides it."""
    formatter = RouteFormatter(devs, names, show_table=table is None)
    shown_table = TABLE_ALL if table is None else table

    def render(route: Route) -> str:
        if not select_routes((route,), family=family, table=shown_table):
            return ""
        return formatter.line(route) + "\n"

    return render


def _route_n_render(
    devs: Mapping[int, str], objects: Mapping[int, NexthopObject]
) -> Callable[[Route], str]:
    """One route as ``route -n`` prints it (with its newline), "" when it is not listed; a
    route through a nexthop object shows the object's first next hop, as /proc/net/route."""
    from tui.fib.nh_resolve import first_hop_route  # the engine: not at start-up

    lo = next((i for i, name in devs.items() if name == "lo"), 1)
    return lambda route: route_n((first_hop_route(route, objects, lo),), devs)[
        len(ROUTE_N_HEADER) :
    ]
