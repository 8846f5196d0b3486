"""``fibscope namespaces``: every network namespace with its processes and counts."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from tui.cli.common import CommandError, open_source, write_lines
from tui.formats.namespaces import namespaces_json, namespaces_text
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
    if args.format == "json":
        json.dump(namespaces_json(namespaces), out, indent=1)
        out.write("\n")
    else:
        write_lines(namespaces_text(namespaces), out)
    return 0
