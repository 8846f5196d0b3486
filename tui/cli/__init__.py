"""The command line: ``main`` parses (``tui.cli.parser``) and hands each subcommand to its own
module; every failure the user can cause is one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence

from tui.cli.common import CommandError, one_line
from tui.cli.parser import UsageError, build_parser, parse_args
from tui.source import SourceError


def run(args: argparse.Namespace) -> int:
    """Dispatch a parsed command line (each subcommand's module is imported when used)."""
    out = sys.stdout
    if args.command == "routes":
        from tui.cli.routes import cmd_routes

        return cmd_routes(args, out)
    if args.command == "rules":
        from tui.cli.rules import cmd_rules

        return cmd_rules(args, out)
    if args.command == "namespaces":
        from tui.cli.namespaces import cmd_namespaces

        return cmd_namespaces(args, out)
    if args.command == "capture":
        from tui.cli.capture import cmd_capture

        return cmd_capture(args, out)
    if args.command == "nexthops":
        from tui.cli.nexthops import cmd_nexthops

        return cmd_nexthops(args, out)
    if args.command == "lookup":
        from tui.cli.lookup import cmd_lookup

        return cmd_lookup(args, out)
    if args.command == "path":
        from tui.cli.path import cmd_path

        return cmd_path(args, out)
    from tui.cli.app import cmd_app

    return cmd_app(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fibscope`` command."""
    for stream in (sys.stdout, sys.stderr):  # a name missed by the escaping never crashes us
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = parse_args(argv)
        return run(args)
    except (UsageError, CommandError, SourceError) as exc:
        print(f"fibscope: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0


__all__ = ["build_parser", "main", "run"]

if __name__ == "__main__":
    sys.exit(main())
