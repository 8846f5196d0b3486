"""Keeping a big list of routes out of the garbage collector's walks.

The rows of a million-route table are a list of a million references, rebuilt every few
tenths of a second while the table changes.  A list is a container the collector tracks, so
each of its collections that reaches the list (the young one right after it is made, the
middle one, then every full one while it is shown) visits a million routes: 10-20 ms of
CPU each, on whichever thread happened to allocate, with the GIL held (keys wait).  Such a
list can never be part of a reference cycle (it holds routes, which hold only values and
tuples of values, and nothing refers to the list but the rows), so the collector has
nothing to find in it: it is untracked (``PyObject_GC_UnTrack``, the documented C API that
CPython's own containers use; lists are never tracked again).  Reference counting still
frees it.  Where the C API is not reachable (not CPython), nothing is done.

The same holds for the routes themselves (frozen values: strings, numbers, tuples of
values).  The routes live events bring are untracked as they arrive (``untrack_routes``).
Before, the routes a flood added were walked by every full collection until the next freeze
(25-35k of them at a time; ``bench_flap.py`` at a million routes: the longest full
collections 50-74 ms of CPU, 43-48 ms without them), and freezing them every 50k routes
pinned the UI's garbage alive (Textual's line caches: 110-140k more objects every two
flaps, without bound).
"""

from __future__ import annotations

import ctypes
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from tui.formats.route_n import route_n_routes
from tui.model import AF_INET, Route

UNTRACK_FROM = 10_000  # smaller lists cost the collector little
SELECT_CHUNK = 1 << 16  # routes selected at a time into an untracked list


def _untrack_function() -> Callable[[Any], None] | None:
    try:
        untrack = ctypes.pythonapi.PyObject_GC_UnTrack
    except (AttributeError, OSError):  # not CPython
        return None
    untrack.argtypes = [ctypes.py_object]
    untrack.restype = None
    return untrack


_UNTRACK = _untrack_function()


def untracked(routes: list[Route]) -> list[Route]:
    """``routes``, no longer walked by the collector when big (the same list)."""
    if _UNTRACK is not None and len(routes) >= UNTRACK_FROM and type(routes) is list:
        _UNTRACK(routes)
    return routes


def untracked_list() -> list[Route]:
    """An empty list the collector will not walk, to be filled with many routes (a list
    filled in steps is walked meanwhile by the collections other threads cause)."""
    out: list[Route] = []
    if _UNTRACK is not None:
        _UNTRACK(out)
    return out


def untrack_routes(routes: Iterable[Route]) -> bool:
    """Untrack ``routes`` (a route is immutable and holds only values: it can never be part
    of a cycle); False where untracking is not available.  One C call each: about as much
    as one walk of the route, which a stored route would otherwise get in every full
    collection until it is frozen."""
    if _UNTRACK is None:
        return False
    deque(map(_UNTRACK, routes), maxlen=0)
    return True


UNTRACKING = _UNTRACK is not None  # routes from events are untracked (else frozen: pacing)


def route_n_untracked(routes: list[Route], family: int, lo_index: int) -> list[Route]:
    """``route_n_routes(routes, family, lo_index)`` in a list the collector does not walk.

    Selecting a million routes takes about 55 ms, and other threads' collections run
    meanwhile: a list being filled was walked whole by each full collection that came
    (``bench_flap.py --census`` found a 786k-route list in the oldest generation after two
    27-31 ms full collections).  IPv4's selection keeps or drops each route on its own, so
    it is made a chunk at a time into an untracked list.  IPv6's adds each table's null
    entry after its routes: it is made whole, then untracked."""
    if family != AF_INET:
        return untracked(route_n_routes(routes, family, lo_index))
    out = untracked_list()
    for start in range(0, len(routes), SELECT_CHUNK):
        out.extend(route_n_routes(routes[start : start + SELECT_CHUNK], family, lo_index))
    return out
