"""``fibscope namespaces``: every network namespace with its processes and counts."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from tui.cli.common import CommandError, open_source, write_lines
from tui.formats.namespaces import namespaces_json, namespaces_text
from tui.path.crossings import crossings
from tui.source import SourceError, find_namespace


def cmd_namespaces(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope namespaces``."""
    source = open_source(args.state)
    infos = source.namespaces()
    if args.netns is not None:  # only the one named (an unknown name is an error)
        try:
            infos = [find_namespace(infos, args.netns)]
        except SourceError as exc:
            raise CommandError(str(exc)) from None
    namespaces = [source.read(info) for info in infos]
    if source.live:  # a capture has its namespace-id maps already
        from tui.kernel.capture_host import with_nsids

        namespaces = with_nsids(source, namespaces)
    veths = crossings(namespaces)
    if args.format == "json":
        json.dump(namespaces_json(namespaces, veths), out, indent=1)
        out.write("\n")
    else:
        write_lines(namespaces_text(namespaces, veths), out)
    return 0
