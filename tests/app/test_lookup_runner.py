"""The lookup pane's runner: one engine per version of the routes, answers as the engine's."""

from __future__ import annotations

from tests.app.conftest import FIXTURE
from tui.app.lookup_runner import LookupRunner
from tui.fib import Engine, Query
from tui.livestore import RouteStore
from tui.source import CaptureSource


def test_engine_is_reused_until_the_routes_change() -> None:
    source = CaptureSource.open(FIXTURE)
    info = source.namespaces()[0]
    state = source.read(info).state
    assert state is not None
    runner = LookupRunner(source, source.table_names())
    store = RouteStore(state.routes)
    query = Query("198.51.100.7")
    key = (id(state), store.version)
    routes = runner.snapshot(key, store)
    assert routes is not None and len(routes) == len(state.routes)
    first = runner.run(query, info, state, key, routes)
    want = Engine(state, source.table_names()).lookup(query)
    assert first.trace is not None and first.trace.verdict == want.verdict
    assert first.kernel is None and first.kernel_error is None  # a capture: no kernel to ask
    assert runner.snapshot(key, store) is None  # same version: the index is kept
    gone = [r for r in state.routes if r.table == first.trace.verdict.table]
    for route in gone:
        store.remove(route)
    key = (id(state), store.version)
    routes = runner.snapshot(key, store)
    assert routes is not None and len(routes) == len(state.routes) - len(gone)
    second = runner.run(query, info, state, key, routes)
    assert second.trace is not None and second.trace.verdict != first.trace.verdict


def test_a_refused_query_is_an_error_line() -> None:
    source = CaptureSource.open(FIXTURE)
    info = source.namespaces()[0]
    state = source.read(info).state
    assert state is not None
    runner = LookupRunner(source, {})
    result = runner.run(Query("198.51.100.7", oif="nosuchdev"), info, state, 0, state.routes)
    assert result.trace is None and result.error is not None and "nosuchdev" in result.error
