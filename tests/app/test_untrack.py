"""Big lists of routes are kept out of the collector's walks; nothing else changes."""

from __future__ import annotations

import gc

from tui.app.untrack import UNTRACK_FROM, untracked, untracked_list
from tui.model import AF_INET, RTN_UNICAST, Route


def routes(n: int) -> list[Route]:
    return [
        Route(AF_INET, 254, RTN_UNICAST, f"10.{i >> 8 & 255}.{i & 255}.0", 24) for i in range(n)
    ]


def test_a_big_list_is_untracked_and_unchanged() -> None:
    big = routes(UNTRACK_FROM)
    copy = list(big)
    assert gc.is_tracked(big)
    assert untracked(big) is big and not gc.is_tracked(big)
    assert big == copy
    big.append(copy[0])  # a list is never tracked again; its routes are still alive
    gc.collect()
    assert not gc.is_tracked(big) and big[-1] is copy[0] and gc.is_tracked(big[0])


def test_a_small_list_is_left_alone() -> None:
    small = routes(3)
    assert untracked(small) is small and gc.is_tracked(small)


def test_an_empty_list_to_fill() -> None:
    out = untracked_list()
    out.extend(routes(5))
    assert not gc.is_tracked(out) and len(out) == 5
