"""ctrl+f in the lookup pane: the path across the namespaces of a made-up small node (three
pods on a bridge, an uplink), its hops listed, and moving through them switching namespace."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tests.app.helpers import loaded
from tests.path.made import small_node
from tui import capture
from tui.app.app import FibscopeApp
from tui.app.modes import Mode
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.source import CaptureSource

SnapCompare = Callable[..., bool]


@pytest.fixture
def node_capture(tmp_path: Path) -> str:
    path = tmp_path / "small-node.json"
    buf = io.StringIO()
    capture.write(small_node().build(), buf)
    path.write_text(buf.getvalue())
    return str(path)


def node_app(path: str, netns: str | None = "pod1") -> FibscopeApp:
    return make_app(CaptureSource.open(path), netns, live=False)


def keys(*pressed: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press(*pressed)
        await loaded(pilot)

    return run


FOLLOW = ("l", *"192.0.2.77", "ctrl+f")


async def test_path_lists_hops_and_moving_switches_namespace(node_capture: str) -> None:
    app = node_app(node_capture)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys(*FOLLOW)(pilot)
        hops = app.query_one("#hops", OptionList)
        assert hops.display and hops.option_count == 2
        assert app.main.paths.path is not None and app.main.paths.path.end.kind == "left_host"
        assert app.main.follower.info is not None and app.main.follower.info.label == "pod1"
        await pilot.press("down")
        await loaded(pilot)
        assert app.main.follower.info is not None and app.main.follower.info.label == "host"
        shown = str(app.query_one("#trace", Static).render())
        assert "hop in host:" in shown and "arrives" not in shown.splitlines()[0]
        winner = app.query_one(RouteView).winner
        assert winner is not None and winner.dst == "0.0.0.0" and winner.gateway == "203.0.113.1"
        await pilot.press("up")
        await loaded(pilot)
        assert app.main.follower.info.label == "pod1"


async def test_a_hop_won_in_another_table_is_shown_in_a_form_that_lists_it(
    tmp_path: Path,
) -> None:
    """route -n lists table main only: a hop whose winner is in table 100 switches the view to
    ip route of table 100 (as the lookup's own trace does), with the winner highlighted."""
    made = small_node()
    node = made.hosts["node"]
    node.route("192.0.2.0/24", via="203.0.113.1", table=100).rule(100, table=100)
    path = tmp_path / "node-table-100.json"
    buf = io.StringIO()
    capture.write(made.build(), buf)
    path.write_text(buf.getvalue())
    app = node_app(str(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await keys(*FOLLOW)(pilot)
        before = app.main.mode
        assert before == Mode.ROUTE_N
        await pilot.press("down")
        await loaded(pilot)
        assert app.main.follower.info is not None and app.main.follower.info.label == "host"
        winner = app.query_one(RouteView).winner
        assert winner is not None and winner.table == 100 and winner.dst == "192.0.2.0"
        assert app.main.mode == Mode.IP and app.main.table == 100
        rows = app.query_one(RouteView).rows
        assert rows is not None
        assert any("192.0.2.0/24 via 203.0.113.1" in rows.line(i) for i in range(rows.row_count))


async def test_path_needs_a_destination(node_capture: str) -> None:
    app = node_app(node_capture)
    async with app.run_test(size=(80, 24)) as pilot:
        await keys("l", "ctrl+f")(pilot)
        assert "A destination is needed." in str(app.query_one("#trace", Static).render())
        assert not app.query_one("#hops", OptionList).display


@pytest.mark.parametrize(
    ("name", "pressed"),
    [("path_follow", FOLLOW), ("path_second_hop", (*FOLLOW, "down"))],
)
def test_snapshot(
    snap_compare: SnapCompare, node_capture: str, name: str, pressed: tuple[str, ...]
) -> None:
    app: Any = node_app(node_capture)
    assert snap_compare(app, terminal_size=(120, 40), run_before=keys(*pressed))
