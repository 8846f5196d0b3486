"""Clicking a column name sorts by it: which column a click lands in."""

from __future__ import annotations

import pytest

from tests.app.helpers import fixture_app, loaded
from tui.app.widgets.route_header import RouteHeader, column_at
from tui.app.widgets.route_view import RouteView
from tui.formats.route_n import ROUTE6_N_HEADER, ROUTE_N_HEADER

V4 = ROUTE_N_HEADER.splitlines()[1]
V6 = ROUTE6_N_HEADER.splitlines()[1]


@pytest.mark.parametrize(
    ("header", "x", "key"),
    [
        (V4, 0, "destination"),
        (V4, 15, "destination"),  # the gap after a name still belongs to its column
        (V4, 16, "gateway"),
        (V4, 40, None),  # Genmask
        (V4, V4.index("Metric") + 2, "metric"),
        (V4, V4.index("Use"), None),
        (V4, V4.index("Iface") + 4, "device"),
        (V6, V6.index("Next Hop") + 5, "gateway"),
        (V6, V6.index("Met"), "metric"),
        (V6, V6.index(" If") + 1, "device"),
        (V6, V6.index("Flag"), None),
    ],
)
def test_column_at(header: str, x: int, key: str | None) -> None:
    assert column_at(header, x) == key


async def test_clicking_a_column_name_sorts_and_again_reverses() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        await pilot.click(RouteHeader, offset=(V4.index("Metric") + 1, 0))
        await loaded(pilot)
        assert view.rows is not None and (view.rows.sort, view.rows.reverse) == ("metric", False)
        metrics = [view.rows.route(i).priority or 0 for i in range(view.rows.row_count)]
        assert metrics == sorted(metrics) and metrics[-1] == 200
        await pilot.click(RouteHeader, offset=(V4.index("Metric") + 1, 0))
        await loaded(pilot)
        assert (view.rows.sort, view.rows.reverse) == ("metric", True)
        assert view.rows.route(0).priority == 200
        await pilot.click(RouteHeader, offset=(V4.index("Genmask"), 0))  # not sortable
        await loaded(pilot)
        assert (view.rows.sort, view.rows.reverse) == ("metric", True)
        assert "sort metric ↓" in str(app.query_one("#status").render())
