"""``fibscope capture``: the routing state of the host saved to a versioned file."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from tui.cli.common import CommandError, open_source
from tui.source import SourceError


def cmd_capture(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope capture``: every readable namespace (or those named) to a versioned file."""
    from tui import capture
    from tui.kernel.capture_host import capture_host

    source = open_source(None)
    try:
        host = capture_host(source, args.netns)  # the --netns given, before or after
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
