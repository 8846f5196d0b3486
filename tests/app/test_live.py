"""The app follows the kernel: routes appear and vanish, a deleted namespace is reported."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from tests.netns_helpers import Netns, delete_netns, requires_netns, temp_netns
from tests.patience import wait_until_async
from tui.app.app import FibscopeApp
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource

pytestmark = requires_netns


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (only a hang fails: tests/patience.py)."""
    await wait_until_async(
        condition, "the app did not catch up with the kernel", pause=lambda: pilot.pause(0.05)
    )


def lines(app: FibscopeApp) -> list[str]:
    rows = app.query_one(RouteView).rows
    return [] if rows is None else [rows.line(i) for i in range(rows.row_count)]


def build(ns: Netns) -> None:
    ns.veth("la", "lb")
    ns.ip("addr", "add", "10.40.0.1/24", "dev", "la")


async def test_added_route_appears_and_removed_route_goes() -> None:
    with temp_netns("fsa") as ns:
        build(ns)
        app = make_app(LiveSource(), ns.name)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: any(line.startswith("10.40.0.0") for line in lines(app)))
            ns.ip("route", "add", "10.41.0.0/16", "via", "10.40.0.9")
            await wait_for(
                pilot,
                lambda: any(
                    line.startswith("10.41.0.0        10.40.0.9")
                    or line.startswith("10.41.0.0       10.40.0.9")
                    for line in lines(app)
                ),
            )
            assert "2 routes" in str(app.query_one("#status").render())
            ns.ip("route", "del", "10.41.0.0/16")
            await wait_for(
                pilot, lambda: not any(line.startswith("10.41.0.0") for line in lines(app))
            )
            ns.ip("rule", "add", "from", "10.40.0.0/24", "lookup", "55", "pref", "55")
            await wait_for(
                pilot,
                lambda: (
                    any(r.priority == 55 for r in app.main.follower.state.rules)
                    if app.main.follower.state
                    else False
                ),
            )


async def test_deleted_namespace_is_reported_and_the_app_carries_on() -> None:
    with temp_netns("fsa") as ns:
        build(ns)
        app = make_app(LiveSource(), ns.name)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.follower.state is not None)
            delete_netns(ns.name)
            await wait_for(pilot, lambda: "gone" in app.main.follower.notice)
            assert app.main.follower.live_text == "offline"
            await pilot.press("n")
            await pilot.press("escape")
            await pilot.press("v")
            assert app.is_running
