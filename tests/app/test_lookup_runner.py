"""The lookup pane's runner: one engine per version of the routes, answers as the engine's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.helpers import FIXTURE
from tui.app.lookup_runner import LookupRunner
from tui.fib import Engine, Query
from tui.source import CaptureSource
from tui.store.routes import RouteStore


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


def test_lookups_from_several_threads_share_one_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enter pressed twice quickly: two workers; the index is built once, both answer."""
    import threading

    import tui.app.lookup_runner as runner_module

    built: list[int] = []

    class CountingEngine(Engine):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(runner_module, "Engine", CountingEngine)
    source = CaptureSource.open(FIXTURE)
    info = source.namespaces()[0]
    state = source.read(info).state
    assert state is not None
    runner = LookupRunner(source, {})
    store = RouteStore(state.routes)
    key = (id(state), store.version)
    routes = runner.snapshot(key, store)
    answers: dict[str, str] = {}

    def ask(dst: str) -> None:
        trace = runner.run(Query(dst), info, state, key, routes).trace
        assert trace is not None
        answers[dst] = trace.verdict.words(trace.query, {})

    threads = [threading.Thread(target=ask, args=(d,)) for d in ("10.64.1.1", "10.70.1.1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == [1]
    assert answers == {
        d: Engine(state).lookup(Query(d)).verdict.words(Query(d), {}) for d in answers
    }
    assert len(answers) == 2
