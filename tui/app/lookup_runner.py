"""The lookup pane's work, apart from Textual: trace a query and ask the kernel beside it.

An ``Engine`` is kept per version of the shown routes: its index of a million routes takes
half a second to build, a lookup microseconds.  The routes are copied on the UI thread
(``snapshot``), where live events change the store, and the index is built in a worker.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tui.fib.engine import Engine
from tui.fib.query import Query, QueryError
from tui.fib.trace import Trace
from tui.model import NamespaceInfo, NetnsState, Route
from tui.source import Source, SourceError
from tui.source.verify import Verifier
from tui.store.routes import RouteStore


@dataclass(frozen=True, slots=True)
class LookupResult:
    """A trace (or why there is none) and, when live, the kernel's answer (or its error)."""

    trace: Trace | None = None
    error: str | None = None
    kernel: dict[str, Any] | None = None
    kernel_error: str | None = None


class LookupRunner:
    """Traces queries on one namespace's state as it is now."""

    def __init__(self, source: Source, names: Mapping[int, str]) -> None:
        self.source = source
        self.names = names
        self._engine: tuple[Hashable, Engine] | None = None
        self._lock = threading.Lock()  # one index build at a time; a second lookup reuses it

    def snapshot(self, key: Hashable, store: RouteStore) -> tuple[Route, ...] | None:
        """The routes to index for ``key`` (the state and store version shown), or None when
        the engine already has them.  Call on the thread that changes ``store``."""
        if self._engine is not None and self._engine[0] == key:
            return None
        return tuple(store.routes())

    def run(
        self,
        query: Query,
        info: NamespaceInfo,
        state: NetnsState,
        key: Hashable,
        routes: tuple[Route, ...] | None,
    ) -> LookupResult:
        """Trace ``query`` (indexing ``routes`` first when they are not indexed yet) and ask
        the kernel.  Safe from several worker threads at once."""
        with self._lock:
            if self._engine is None or self._engine[0] != key:
                self._engine = None  # the old index goes before the new one is built
                indexed = replace(state, routes=routes if routes is not None else state.routes)
                self._engine = (key, Engine(indexed, self.names))
            engine = self._engine[1]
        try:
            trace = engine.lookup(query)
        except QueryError as exc:
            return LookupResult(error=str(exc))
        kernel = self.source.kernel()
        if kernel is None:
            return LookupResult(trace)
        try:
            return LookupResult(trace, kernel=Verifier(kernel, info, state).ask(query))
        except SourceError as exc:
            return LookupResult(trace, kernel_error=str(exc))
