"""How long a test waits for something that must happen: one place, one generous value.

The project has no wall-clock limits in tests: a wait ends as soon as what it waits for is
true, and gives up only after ``PATIENCE`` seconds, which no working code on a slow or loaded
machine comes near; only a hang fails.  ``FIBSCOPE_TEST_PATIENCE`` scales it (``3`` on a very
slow machine).  Waits that check that something does NOT happen for a while are different
(they must not pass for want of looking): those take their window from ``quiet_window``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _scale() -> float:
    """``FIBSCOPE_TEST_PATIENCE`` as a positive factor (1 when unset or not a number)."""
    try:
        factor = float(os.environ.get("FIBSCOPE_TEST_PATIENCE", "1"))
    except ValueError:
        return 1.0
    return factor if factor > 0 else 1.0


PATIENCE = 120.0 * _scale()


def deadline(patience: float = PATIENCE) -> float:
    """The ``time.monotonic()`` past which a wait is a hang."""
    return time.monotonic() + patience


def wait_until(condition: Callable[[], T], what: str, *, poll: float = 0.05) -> T:
    """``condition()``'s first true value; AssertionError naming ``what`` on a hang."""
    end = deadline()
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < end, f"{what}: still not after {PATIENCE:.0f} s (a hang)"
        time.sleep(poll)


async def wait_until_async(
    condition: Callable[[], T], what: str, *, pause: Callable[[], Awaitable[object]] | None = None
) -> T:
    """The same for an event loop: ``pause()`` (default a short sleep) between looks."""
    end = deadline()
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < end, f"{what}: still not after {PATIENCE:.0f} s (a hang)"
        await (pause() if pause is not None else asyncio.sleep(0.05))
