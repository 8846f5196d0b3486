"""The live route store follows add, append, replace and delete like the kernel's FIB."""

from __future__ import annotations

from tui.livestore import RouteStore
from tui.model import AF_INET, RTN_UNICAST, Route


def r(dst: str, gw: str | None = None, metric: int | None = None, oif: int = 2) -> Route:
    return Route(AF_INET, 254, RTN_UNICAST, dst, 24, priority=metric, gateway=gw, oif=oif)


def test_add_and_remove() -> None:
    store = RouteStore([r("10.0.0.0")])
    assert store.add(r("10.1.0.0"))
    assert not store.add(r("10.1.0.0")), "the same route twice is one entry"
    assert store.remove(r("10.0.0.0"))
    assert store.routes() == [r("10.1.0.0")]
    assert not store.remove(r("10.9.0.0"))


def test_metric_is_part_of_the_identity() -> None:
    store = RouteStore([r("10.0.0.0", metric=5)])
    store.add(r("10.0.0.0", metric=50))
    assert len(store) == 2
    store.remove(r("10.0.0.0", metric=5))
    assert store.routes() == [r("10.0.0.0", metric=50)]


def test_replace_swaps_and_append_keeps_both() -> None:
    store = RouteStore([r("10.0.0.0", "10.9.0.1")])
    store.add(r("10.0.0.0", "10.9.0.2"))
    assert len(store) == 2, "append: another next hop under the same key"
    store.add(r("10.0.0.0", "10.9.0.3"), replace=True)
    assert store.routes() == [r("10.0.0.0", "10.9.0.3")]


def test_version_counts_changes() -> None:
    store = RouteStore()
    store.add(r("10.0.0.0"))
    store.add(r("10.0.0.0"))
    store.remove(r("10.0.0.0"))
    assert store.version == 2
