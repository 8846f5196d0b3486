"""``fibscope nexthops``: the namespace's nexthop objects as ``ip nexthop show`` prints them.

``--format ip`` is byte-identical to ``ip [-6] nexthop show`` (iproute2 6.1); ``--format json``
to ``ip -j [-6] nexthop show``.  From a capture made before fibscope read nexthop objects, the
command says so instead of printing an empty list.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tui.cli.common import CommandError, open_source, read_namespace
from tui.formats.ipnexthop import ip_nexthop_json, ip_nexthop_show
from tui.model import AF_INET6, NexthopObject
from tui.source import SourceError, find_namespace


def add_parser(sub: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """The ``nexthops`` subcommand and its own arguments (the caller adds --netns/--state)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "nexthops", help="print the nexthop objects (ip nexthop show, json)"
    )
    p.add_argument("-6", dest="ipv6", action="store_true", help="IPv6 objects only (as ip -6)")
    p.add_argument("--format", choices=("ip", "json"), default="ip")
    return p


def _read(args: argparse.Namespace) -> tuple[tuple[NexthopObject, ...] | None, dict[int, str], str]:
    """The objects, link names and namespace label; live, only the objects and links are
    read (not a million routes)."""
    source = open_source(args.state)
    kernel = source.kernel()
    if kernel is not None:
        try:
            info = find_namespace(source.namespaces(), args.netns)
            return kernel.nexthops(info), kernel.link_names(info), info.label
        except SourceError as exc:
            raise CommandError(str(exc)) from None
    ns = read_namespace(source, args.netns)
    assert ns.state is not None
    return ns.state.nexthops, ns.state.link_names(), ns.info.label


def cmd_nexthops(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope nexthops``."""
    nexthops, links, label = _read(args)
    if nexthops is None:
        raise CommandError(f"namespace {label}: nexthop objects were not read")
    family = AF_INET6 if args.ipv6 else 0
    if args.format == "json":
        out.write(ip_nexthop_json(nexthops, links, family=family))
    else:
        out.write(ip_nexthop_show(nexthops, links, family=family))
    return 0
