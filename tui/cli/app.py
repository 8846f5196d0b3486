"""No subcommand: the terminal app on the chosen source."""

from __future__ import annotations

import argparse

from tui.cli.common import open_source


def cmd_app(args: argparse.Namespace) -> int:
    """No subcommand: the terminal app."""
    from tui.app.run import run_app

    return run_app(open_source(args.state), args.netns)
