"""What became cyclic garbage meanwhile: objects that only a collection of the garbage
collector frees, not reference counting.  The app's lines and formatters are made many
times a second while a full table flaps; left in cycles, their collections are pauses keys
wait for."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_garbage() -> Iterator[Counter[str]]:
    """The kinds of objects that became cyclic garbage inside the block (filled in when it
    ends); the collector is as it was afterwards."""
    kinds: Counter[str] = Counter()
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield kinds
        gc.collect()
        kinds.update(type(o).__name__ for o in gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        if was_enabled:
            gc.enable()
