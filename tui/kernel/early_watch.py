"""Following a namespace before anyone listens: the app's first dump started ahead of it.

Importing Textual and building the app takes a third of a second; a million routes take the
kernel and the monitor a second to dump and index.  ``fibscope`` (no subcommand) starts
following the namespace it will show first as soon as it knows which one that is, before the
app is imported: the monitor's thread dumps while the main thread imports.  Its events wait
here, in order, until the app's first ``watch`` of that namespace takes the watch over (the
events so far handed on in the same order, then each as it comes); a watch of any other
namespace stops it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from tui.source.events import Event


class Followed(Protocol):
    """The running watch an early one wraps (``live_source.LiveWatch``)."""

    def stop(self) -> None:
        """Stop following."""
        ...

    def wait(self, timeout: float) -> bool:
        """Whether its thread has ended, waiting up to ``timeout`` seconds."""
        ...


class EarlyWatch:
    """A watch of the namespace ``key`` (device, inode) whose events are kept until
    ``adopt`` names who hears them."""

    def __init__(
        self, key: tuple[int, int], start: Callable[[Callable[[Event], None]], Followed | None]
    ) -> None:
        self.key = key
        self._lock = threading.Lock()
        self._kept: list[Event] = []
        self._emit: Callable[[Event], None] | None = None
        self._stopped = False
        self._watch = start(self._heard)

    @property
    def started(self) -> bool:
        """A watch was started (the namespace could be entered as far as can be told)."""
        return self._watch is not None

    @property
    def following(self) -> bool:
        """Started and not stopped: a watch to take over."""
        return self._watch is not None and not self._stopped

    def kept(self) -> list[Event]:
        """The events waiting for ``adopt``, oldest first (tests look at them)."""
        with self._lock:
            return list(self._kept)

    def _heard(self, event: Event) -> None:
        """An event from the monitor's thread: kept, or handed on once adopted (under the
        lock: an adoption replaying the kept ones finishes before this one is handed on)."""
        with self._lock:
            if self._stopped:
                return
            if self._emit is None:
                self._kept.append(event)
            else:
                self._emit(event)

    def adopt(self, emit: Callable[[Event], None]) -> EarlyWatch:
        """From now on ``emit`` hears every event: first the kept ones, in order."""
        with self._lock:
            self._emit = emit
            kept, self._kept = self._kept, []
            for event in kept:
                emit(event)
        return self

    def stop(self) -> None:
        """Stop following; the events kept are dropped (a million routes' store with them)."""
        with self._lock:
            self._stopped = True
            self._kept = []
        if self._watch is not None:
            self._watch.stop()

    def wait(self, timeout: float) -> bool:
        """Whether the monitor's thread has ended (tests, exits), waiting up to ``timeout``."""
        return self._watch is None or self._watch.wait(timeout)
