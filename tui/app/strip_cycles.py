"""Lines drawn by Textual freed when dropped, not left to the cycle collector.

Textual (8.2) cuts every line it draws into the pieces the screen's regions need
(``Strip.divide``).  A line that is one piece is answered with ``[self]``, and that answer is
kept in the line's own small cache: the line refers to itself.  So every line drawn becomes
cyclic garbage, which reference counting never frees; only a collection does.  Moving the
cursor in a 40-line route view left about 480 such objects behind (``Strip``, its seven
``FIFOCache``s, their dicts and lists of segments).  While a full table flaps, the
collections that then free them are what keys wait for: full ones of 15-35 ms of CPU on the
UI thread, many times a minute (``bench/bench_flap.py``).

``break_strip_cycles`` makes ``Strip.divide`` forget an answer that holds the line itself:
the same pieces are returned, a line is cut once per frame anyway (the cache saves nothing
for the next frame, whose lines are new objects), and a dropped line is freed at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.strip import Strip

_divide = Strip.divide


def _divide_without_cycle(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    """``Strip.divide``, but a line that is its own only piece is not kept in its cache."""
    strips = _divide(self, cuts)
    if len(strips) == 1 and strips[0] is self:
        self._divide_cache.clear()
    return strips


def break_strip_cycles() -> None:
    """Install the divide above (once; idempotent).  Where Textual's ``Strip`` has no
    divide cache (another version), nothing is changed."""
    if Strip.divide is _divide_without_cycle or "_divide_cache" not in Strip.__slots__:
        return
    Strip.divide = _divide_without_cycle  # type: ignore[method-assign]
