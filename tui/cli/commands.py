"""The subcommands: each one turns parsed arguments into output, through a Source."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TextIO

from tui.formats.iproute import TABLE_ALL, RouteFormatter, select_routes
from tui.formats.iprule import ip_rule_show
from tui.formats.json_view import routes_json, rule_json
from tui.formats.namespaces import namespaces_json, namespaces_text
from tui.formats.route_n import ROUTE_N_HEADER, route6_n, route_n
from tui.model import AF_INET, AF_INET6, RT_TABLE_MAIN, Namespace, NetnsState, Route
from tui.names import parse_table
from tui.source import CaptureSource, Source, SourceError, find_namespace


class CommandError(Exception):
    """A failure to report in one line (exit status 2)."""


def open_source(state_file: str | None) -> Source:
    """The capture file when one is given, else the live kernel."""
    if state_file:
        try:
            return CaptureSource.open(state_file)
        except SourceError as exc:
            raise CommandError(str(exc)) from None
    from tui.kernel.live_source import LiveSource

    return LiveSource()


def read_namespace(source: Source, name: str | None) -> Namespace:
    """The state of the namespace a user named; CommandError when it cannot be read."""
    try:
        info = find_namespace(source.namespaces(), name)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    ns = source.read(info)
    if ns.state is None:
        raise CommandError(f"namespace {info.label}: {ns.error}")
    return ns


def _devs(state: NetnsState) -> dict[int, str]:
    return {link.index: link.name for link in state.links}


def _write_lines(lines: Iterable[str], out: TextIO) -> None:
    """Each line followed by a newline, in one write (not two per line: 1M lines add up)."""
    listed = list(lines)
    if listed:
        out.write("\n".join(listed) + "\n")


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
    source = open_source(args.state)
    names = source.table_names()
    family = AF_INET6 if args.ipv6 else AF_INET
    table = _table_filter(args.table, names)
    if args.format == "route-n" and args.table not in (None, "main", str(RT_TABLE_MAIN)):
        raise CommandError("route -n shows the main table only; use --format ip for other tables")
    if source.live and args.format != "json" and not (args.format == "route-n" and args.ipv6):
        return _stream_routes(source, args, family, table, names, out)
    ns = read_namespace(source, args.netns)
    assert ns.state is not None
    devs = _devs(ns.state)
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
            out.write(route_n(routes, devs))
    else:
        formatter = RouteFormatter(devs, names, show_table=table is None)
        _write_lines(formatter.lines(routes), out)
    return 0


def _stream_routes(
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
    from tui.kernel.live_source import LiveSource
    from tui.kernel.netlink.route_codec import NetlinkError
    from tui.kernel.netlink.route_dump import DumpInterrupted
    from tui.kernel.netlink.route_print import link_names, route_texts
    from tui.kernel.netns import NetnsError

    assert isinstance(source, LiveSource)
    try:
        path = source.path_of(find_namespace(source.namespaces(), args.netns))
        devs = link_names(path)
        if args.format == "route-n":
            out.write(ROUTE_N_HEADER)
            render, slot = _route_n_render(devs), "%-15s"
        else:
            render, slot = _ip_render(devs, names, family if args.ipv6 else 0, table), "%s"
        dump_family = family if args.ipv6 or table is not None else 0  # 0: IPv4 then IPv6
        write = out.write
        for text in route_texts(path, dump_family, render, table=table, dst_conversion=slot):
            write(text)
    except DumpInterrupted:
        out.flush()
        print("Dump was interrupted and may be inconsistent.", file=sys.stderr)
    except (SourceError, NetnsError) as exc:
        raise CommandError(str(exc)) from None
    except NetlinkError as exc:
        raise CommandError(f"reading routes failed: {exc}") from None
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


def _route_n_render(devs: Mapping[int, str]) -> Callable[[Route], str]:
    """One route as ``route -n`` prints it (with its newline), "" when it is not listed."""
    return lambda route: route_n((route,), devs)[len(ROUTE_N_HEADER) :]


def cmd_rules(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope rules``."""
    source = open_source(args.state)
    names = source.table_names()
    ns = read_namespace(source, args.netns)
    assert ns.state is not None
    family = AF_INET6 if args.ipv6 else AF_INET
    rules = [r for r in ns.state.rules if r.family == family]
    if args.format == "json":
        json.dump([rule_json(r, names) for r in rules], out, indent=1)
        out.write("\n")
    else:
        out.write(ip_rule_show(rules, family=family, table_names=names))
    return 0


def cmd_namespaces(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope namespaces``."""
    from tui.path.crossings import crossings

    source = open_source(args.state)
    namespaces = [source.read(info) for info in source.namespaces()]
    if source.live:
        from tui.kernel.capture_host import with_nsids

        namespaces = with_nsids(source, namespaces)
    veths = crossings(namespaces)
    if args.format == "json":
        json.dump(namespaces_json(namespaces, veths), out, indent=1)
        out.write("\n")
    else:
        _write_lines(namespaces_text(namespaces, veths), out)
    return 0


def cmd_capture(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope capture``: every readable namespace (or those named) to a versioned file."""
    from tui import capture
    from tui.kernel.capture_host import capture_host

    source = open_source(None)
    try:
        host = capture_host(source, args.netns)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    if args.output == "-":
        capture.write(host, out)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                capture.write(host, fh)
        except OSError as exc:
            raise CommandError(f"{args.output}: {exc.strerror}") from None
    unreadable = [ns for ns in host.namespaces if ns.state is None]
    for ns in unreadable:
        print(f"fibscope: namespace {ns.info.label} not captured: {ns.error}", file=sys.stderr)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """No subcommand: the terminal app."""
    from tui.app.run import run_app

    return run_app(open_source(args.state), args.netns)


def run(args: argparse.Namespace) -> int:
    """Dispatch a parsed command line."""
    out = sys.stdout
    if args.command == "routes":
        return cmd_routes(args, out)
    if args.command == "rules":
        return cmd_rules(args, out)
    if args.command == "namespaces":
        return cmd_namespaces(args, out)
    if args.command == "capture":
        return cmd_capture(args, out)
    if args.command == "lookup":
        from tui.cli.lookup import cmd_lookup

        return cmd_lookup(args, out)
    if args.command == "path":
        from tui.cli.path import cmd_path

        return cmd_path(args, out)
    return cmd_app(args)
