"""``fibscope namespaces``: every network namespace with its processes and counts."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from tui.cli.common import open_source, write_lines
from tui.formats.namespaces import namespaces_json, namespaces_text


def cmd_namespaces(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope namespaces``."""
    source = open_source(args.state)
    namespaces = [source.read(info) for info in source.namespaces()]
    if args.format == "json":
        json.dump(namespaces_json(namespaces), out, indent=1)
        out.write("\n")
    else:
        write_lines(namespaces_text(namespaces), out)
    return 0
