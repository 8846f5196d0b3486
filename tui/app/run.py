"""Building and running the app: one factory that the CLI and the tests share, and the way
out of it (signals, unexpected errors) that always leaves the terminal as it was."""

from __future__ import annotations

import asyncio
import signal
import sys

from tui.app.app import FibscopeApp
from tui.app.terminal import rich_terminal
from tui.formats.safe_text import safe_text
from tui.model import NamespaceInfo
from tui.source import Source

#: Signals that end the app the way ``q`` does (terminal restored), then the process by the
#: same signal: the status a shell or a supervisor expects (143 for SIGTERM, 129 for SIGHUP).
ENDING = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def make_app(source: Source, netns: str | None = None, *, live: bool = True) -> FibscopeApp:
    """The app for ``source``; tests pass ``live=False`` to keep the kernel out."""
    return FibscopeApp(source, netns, live=live)


def install_signal_handlers(app: FibscopeApp) -> None:
    """SIGTERM, SIGHUP (an SSH connection dropping) and SIGINT end the app cleanly: Textual
    leaves raw mode, the alternate screen and mouse tracking on its way out."""
    loop = asyncio.get_running_loop()

    def ending(signum: int) -> None:
        app.ended_by = signum
        app.exit(return_code=128 + signum)

    for signum in ENDING:
        loop.add_signal_handler(signum, ending, signum)


def run_app(source: Source, netns: str | None, known: list[NamespaceInfo] | None = None) -> int:
    """Run until the user quits (or a signal or an unexpected error ends it); ``known``: the
    namespaces the caller has just found (the first screen does not look again)."""
    app = make_app(source, netns)
    app.main.follower.known = known
    app.on_start = install_signal_handlers
    app.run(mouse=rich_terminal())
    return finish(app)


def finish(app: FibscopeApp) -> int:
    """The exit status once the app has stopped and the terminal is restored: a signal ends
    the process by that signal; an unexpected error is one line and status 1."""
    if app.ended_by is not None:
        from tui.capture.atomic_file import die_of  # the capture package: not for the start

        die_of(app.ended_by)
    if app.crash is not None:
        print(
            f"fibscope: unexpected error: {safe_text(app.crash)[:300]} "
            "(FIBSCOPE_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 1
    return app.return_code or 0
