"""The monitor's loader hands a big load to the collector frozen (``FrozenLoader``): once the
collector is enabled again its first collection must not walk a million fresh routes."""

from __future__ import annotations

import gc

import pytest

from tui.kernel import event_socket
from tui.kernel.event_socket import FrozenLoader, RouteDumpJob
from tui.model import AF_INET, RTN_UNICAST, Route


def _routes(first: int, count: int) -> list[Route]:
    return [
        Route(AF_INET, 254, RTN_UNICAST, f"10.{i >> 8 & 255}.{i & 255}.0", 24, oif=2)
        for i in range(first, first + count)
    ]


def test_a_big_load_is_frozen_as_it_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_socket, "FREEZE_ROUTES", 100)
    assert isinstance(RouteDumpJob("loaded").loader, FrozenLoader)
    assert RouteDumpJob("link", ifindex=3).loader is None
    enabled = gc.isenabled()
    gc.disable()  # as the monitor loads
    try:
        loader = FrozenLoader()
        gc.unfreeze()
        loader.dumped(1, _routes(0, 80))
        before = gc.get_freeze_count()
        assert before == 0, "under the line: nothing frozen"
        loader.dumped(2, _routes(80, 80))  # now over the line: frozen
        frozen = gc.get_freeze_count()
        assert frozen > before
        assert loader.finish().routes() == _routes(0, 160)
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def test_a_small_load_or_a_collector_running_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(event_socket, "FREEZE_ROUTES", 100)
    gc.unfreeze()
    enabled = gc.isenabled()
    try:
        gc.disable()
        loader = FrozenLoader()
        loader.dumped(1, _routes(0, 50))
        assert gc.get_freeze_count() == 0, "small: not frozen"
        gc.enable()  # not loading under the monitor: the collector decides
        loader.dumped(2, _routes(50, 100))
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        if not enabled:
            gc.disable()
