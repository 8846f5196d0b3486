"""Building and running the app: one factory that the CLI and the tests share."""

from __future__ import annotations

from tui.app.app import FibscopeApp
from tui.source import Source


def make_app(source: Source, netns: str | None = None, *, live: bool = True) -> FibscopeApp:
    """The app for ``source``; tests pass ``live=False`` to keep the kernel out."""
    return FibscopeApp(source, netns, live=live)


def run_app(source: Source, netns: str | None) -> int:
    """Run until the user quits; the terminal is restored by Textual."""
    make_app(source, netns).run()
    return 0
