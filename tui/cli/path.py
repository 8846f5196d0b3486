"""``fibscope path``: follow a packet across namespaces, optionally asking the kernel at each
hop (the same question ``lookup --verify`` asks)."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from tui.cli.common import CommandError, open_source, query_from_args
from tui.fib.query import Query, QueryError
from tui.path import follow
from tui.path.text import path_lines
from tui.source import SourceError, find_namespace
from tui.source.path_verify import path_asker


def _query(args: argparse.Namespace) -> Query:
    try:
        return query_from_args(args)
    except QueryError as exc:
        raise CommandError(str(exc)) from None


def cmd_path(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 delivered or left the host, 1 dropped/loop/unresolved, 2 bad input, 3 a hop
    disagrees with the kernel."""
    query = _query(args)
    source = open_source(args.state)
    kernel = source.kernel() if args.verify else None
    if args.verify and kernel is None:
        raise CommandError("--verify asks the live kernel: it cannot be used with --state")
    try:
        start = find_namespace(source.namespaces(), args.netns)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    host = source.path_host()
    state, error = host.read_state(start)
    if state is None:
        raise CommandError(f"namespace {start.label}: {error}")
    if query.iif is not None and state.link_named(query.iif) is None:
        raise CommandError(f"iif: no device named {query.iif!r} in {start.label}")
    result = follow(host, start, query, path_asker(kernel) if kernel is not None else None)
    if args.json:
        json.dump(result.to_json(steps=args.steps), out)
        out.write("\n")
    else:
        out.write("\n".join(path_lines(result, host.table_names(), args.steps)) + "\n")
    return result.exit_status()
