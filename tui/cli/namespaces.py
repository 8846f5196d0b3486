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
    counted = None
    if source.live:  # links and counts only: a namespace's routes are counted, not built
        from tui.kernel.entry import path_of
        from tui.kernel.listing import list_namespaces

        namespaces, counted = list_namespaces(source, infos, path_of)
    else:  # a capture is read already (and has its namespace-id maps)
        namespaces = [source.read(info) for info in infos]
    veths = crossings(namespaces)
    if args.format == "json":
        json.dump(namespaces_json(namespaces, veths, counted), out, indent=1)
        out.write("\n")
    else:
        write_lines(namespaces_text(namespaces, veths, counted=counted), out)
    return 0
