"""The app: a thin Textual ``App`` with the run-time wiring (colours, the start hook, the
palette's commands, an unexpected error in one line) and the main screen (``tui.app.screen``),
which composes the widgets, holds the keys and does the work."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from tui.app.follow import NamespaceFollower
from tui.app.palette import palette_commands
from tui.app.screen import MainScreen
from tui.app.strip_cycles import break_strip_cycles
from tui.source import Source

SWITCH_SECONDS = 0.001  # the GIL switch interval while the app runs


class FibscopeApp(App[None]):
    """fibscope: how Linux really routes a packet."""

    TITLE = "fibscope"
    # The layout follows the width through CSS classes Textual sets as the size changes
    # (``Screen.-narrow``, ``Screen.-wide``): never a size read a resize too late.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (120, "-wide")]
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, source: Source, netns: str | None = None, *, live: bool = True) -> None:
        # NO_COLOR: Textual would still paint greys; with ANSI colours it drops every colour.
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        break_strip_cycles()  # every line drawn would otherwise be freed by the collector only
        self.main = MainScreen(source, netns, live=live)
        self.on_start: Callable[[FibscopeApp], None] | None = None  # run once the loop runs
        self.ended_by: int | None = None  # the signal that ended the app
        self.crash: str | None = None  # an unexpected error, in one line
        self._switch_interval: float | None = None  # the process's, while a shorter one is set

    def get_default_screen(self) -> Screen[Any]:
        """The main screen is the first on the stack (pickers and the help go over it)."""
        return self.main

    def on_mount(self) -> None:
        """The start hook (signal handlers), once the loop runs."""
        if self.on_start is not None:
            self.on_start(self)

    def on_namespace_follower_changed(self, message: NamespaceFollower.Changed) -> None:
        """Live events wait in the follower's inbox: apply a slice (on the app's queue).
        Once a namespace is loaded, a short GIL switch interval: a key wakes the UI thread
        while the monitor or the rows thread runs Python (a flap of a full table), and it
        waited up to 5 ms (the default) for the GIL at each of the several times a key's
        handling blocks and wakes.  Not before: during the first load (and the index of a big
        one shown meanwhile) switching every millisecond made it 0.3-0.5 s of CPU slower at a
        million routes."""
        follower = self.main.follower
        follower.take_changes()
        loaded = follower.state is not None and follower.unindexed is None
        if self._switch_interval is None and loaded:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_interval, SWITCH_SECONDS))

    def on_unmount(self) -> None:
        """Stop following the kernel; the process's switch interval as it was."""
        self.main.follower.stop()
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)

    def on_resize(self) -> None:
        """The overview may have come into view (CSS decides that): fill it."""
        self.call_after_refresh(self.main.show_overview)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands plus every fibscope action, for ctrl+p."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(lambda name: getattr(self.main, f"action_{name}"))

    def _fatal_error(self) -> None:
        """An unexpected error: one line after the terminal is restored (``run.finish``),
        not Textual's traceback with locals; FIBSCOPE_DEBUG=1 keeps the traceback."""
        error = self._exception
        self.crash = f"{type(error).__name__}: {error}" if error is not None else "unknown"
        if os.environ.get("FIBSCOPE_DEBUG"):
            super()._fatal_error()
            return
        self._close_messages_no_wait()
