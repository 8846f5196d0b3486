"""Snapshots of the app on the made-up ``nexthop-router.json``: routes that carry only
``nhid N`` (as FRR leaves them), the nexthop objects pane (``x``), and a lookup through a
resilient group (not predicted, its members and bucket shares listed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_snapshots import keys_then_settle
from tui.app.run import make_app
from tui.source import CaptureSource

SnapCompare = Callable[..., bool]
FIXTURE = str(Path(__file__).parent.parent / "fixtures" / "nexthop-router.json")

SCREENS: dict[str, tuple[tuple[str, ...], tuple[int, int]]] = {
    "nexthops_pane": (("x",), (80, 24)),
    "nexthops_pane_wide": (("x",), (120, 40)),
    "nhid_routes_route_n": ((), (80, 24)),
    "nhid_routes_ip": (("v",), (80, 24)),
    "lookup_through_resilient_group": (("l", *"10.60.0.9", "enter"), (120, 40)),
}


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_nexthop_screen(snap_compare: SnapCompare, screen: str) -> None:
    keys, size = SCREENS[screen]
    app: Any = make_app(CaptureSource.open(FIXTURE), None, live=False)
    assert snap_compare(app, terminal_size=size, run_before=keys_then_settle(*keys))


async def test_nexthops_key_toggles_back_to_the_routes() -> None:
    app = make_app(CaptureSource.open(FIXTURE), None, live=False)
    async with app.run_test() as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("x")
        switcher: Any = app.query_one("#main")
        assert switcher.current == "nexthops"
        text = "\n".join(str(line) for line in app.query_one("#nexthops").lines)  # type: ignore[attr-defined]
        assert "id 11 group 1/2 type resilient buckets 8" in text
        await pilot.press("x")
        assert switcher.current == "routes-pane"
