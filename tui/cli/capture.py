"""``fibscope capture``: the routing state of the host saved to a versioned file."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from tui.cli.common import CommandError, open_source
from tui.formats.safe_text import safe_text
from tui.source import SourceError


def cmd_capture(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope capture``: every readable namespace (or those named) to a versioned file."""
    from tui import capture
    from tui.capture.atomic_file import Interrupted, die_of, signals_interrupt, write_atomic
    from tui.kernel.capture_host import capture_host_streamed

    source = open_source(None)
    try:
        with signals_interrupt():
            if args.output != "-":
                _check_output(args.output)
            # the --netns given, before or after
            host, routes = capture_host_streamed(source, args.netns, cmdline=args.cmdline)
            unreadable = [ns for ns in host.namespaces if ns.state is None]
            if args.netns and unreadable:  # asked for by name: no capture without it
                ns = unreadable[0]
                raise CommandError(f"namespace {ns.info.label} cannot be read: {ns.error}")
            if args.output == "-":
                capture.write(host, out, routes)
            else:
                write_atomic(args.output, lambda fh: capture.write(host, fh, routes))
    except Interrupted as sig:
        die_of(sig.signum)
        return 128 + sig.signum  # not reached: the signal ends the process
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"{args.output}: {exc.strerror or exc}") from None
    for ns in unreadable:
        why = f"namespace {ns.info.label} not captured: {ns.error}"
        print(f"fibscope: {safe_text(why)}", file=sys.stderr)
    return 0


def _check_output(path: str) -> None:
    """Refuse an output that cannot be replaced before spending time reading the host."""
    from tui.capture.atomic_file import check_target

    try:
        check_target(path)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None
