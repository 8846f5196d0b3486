"""No subcommand: the terminal app on the chosen source."""

from __future__ import annotations

import argparse

from tui.cli.common import CommandError, open_source
from tui.source import SourceError, find_namespace


def cmd_app(args: argparse.Namespace) -> int:
    """No subcommand: the terminal app.  A namespace named on the command line must exist
    before the app starts (an unknown one is an error, never the host shown instead)."""
    from tui.app.terminal import prepare_terminal

    source = open_source(args.state)  # a bad capture is refused first, in the CLI's words
    known = None
    if args.netns is not None:
        known = source.namespaces()
        try:
            find_namespace(known, args.netns)
        except SourceError as exc:
            raise CommandError(str(exc)) from None
    problem = prepare_terminal()
    if problem is not None:
        raise CommandError(problem)
    from tui.app.run import run_app  # after prepare_terminal: Textual reads TERM's colours once

    return run_app(source, args.netns, known)
