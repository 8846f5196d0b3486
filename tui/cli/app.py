"""No subcommand: the terminal app on the chosen source."""

from __future__ import annotations

import argparse

from tui.cli.common import CommandError, open_source
from tui.model import NamespaceInfo
from tui.source import Source, SourceError, find_namespace
from tui.source.discovery import first_look


def cmd_app(args: argparse.Namespace) -> int:
    """No subcommand: the terminal app.  A namespace named on the command line must exist
    before the app starts (an unknown one is an error, never the host shown instead)."""
    from tui.app.terminal import prepare_terminal

    source = open_source(args.state)  # a bad capture is refused first, in the CLI's words
    known = known_namespaces(source, args.netns)
    problem = prepare_terminal()
    if problem is not None:
        raise CommandError(problem)
    from tui.app.run import run_app  # after prepare_terminal: Textual reads TERM's colours once

    return run_app(source, args.netns, known)


def known_namespaces(source: Source, netns: str | None) -> list[NamespaceInfo] | None:
    """The namespaces found to check the one named on the command line, for the app to start
    from: None when none is named, or when the quick look found it (the app looks itself, as
    quickly).  A named one must exist before the app starts: an unknown one is an error (only
    once every namespace was looked for), never the host shown instead."""
    if netns is None:
        return None
    infos, complete = first_look(source, netns)  # every namespace if the quick look lacks it
    try:
        find_namespace(infos, netns)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    return infos if complete else None
