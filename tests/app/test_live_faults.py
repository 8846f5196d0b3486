"""The app under live faults, on real namespaces: an overrun is said in the status line and
the model ends equal to the kernel; a removed link takes its rows with it; a deleted
namespace leaves no rows behind; churn never stops the keys."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from tests.app.test_live import build, lines, wait_for
from tests.netns_helpers import delete_netns, requires_netns, temp_netns
from tests.patience import deadline
from tui.app.app import FibscopeApp
from tui.app.pacing import RELOADING
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource
from tui.kernel.monitor import OVERRUN
from tui.kernel.netlink.route_dump import dump_routes
from tui.source.events import Event, RouteChanges

pytestmark = requires_netns


def kernel_equal(app: FibscopeApp, path: str) -> bool:
    store = app.main.follower.store
    return Counter(store.routes()) == Counter(dump_routes(path))


async def test_overrun_is_shown_and_the_model_ends_equal_to_the_kernel() -> None:
    with temp_netns("fsa") as ns:
        build(ns)
        app = make_app(LiveSource(rcvbuf=4096), ns.name)
        plain = app.main.follower._emitter
        slowed: list[bool] = []

        def slow_emitter() -> Callable[[Event], None]:
            """The monitor's thread stalls once in emit while the burst comes."""
            emit = plain()

            def slow(event: Event) -> None:
                if isinstance(event, RouteChanges) and not slowed:
                    slowed.append(True)
                    time.sleep(1.0)
                emit(event)

            return slow

        app.main.follower._emitter = slow_emitter  # type: ignore[method-assign]
        shown: list[str] = []  # every status line drawn
        update = app.main.show_status

        def recording() -> None:
            update()
            shown.append(str(app.query_one("#status").render()))

        app.main.show_status = recording  # type: ignore[method-assign]
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.follower.state is not None)
            notices: list[str] = []
            ns.ip("route", "add", "10.49.0.0/24", "via", "10.40.0.9")
            await pilot.pause(0.2)
            ns.batch(
                f"route add 10.{50 + i // 250}.{i % 250}.0/24 via 10.40.0.9" for i in range(20000)
            )
            end = deadline()
            # While the namespace is re-read the status says so; once it has been, it says
            # that it was (never "re-reading" after the fact).
            done = "netlink overrun: the namespace was re-read at "
            while not (done in app.main.follower.notice and kernel_equal(app, ns.path)):
                assert time.monotonic() < end, f"notices {notices}"
                if app.main.follower.notice and app.main.follower.notice not in notices:
                    notices.append(app.main.follower.notice)
                await pilot.pause(0.1)
            status = str(app.query_one("#status").render())
            assert done in status and OVERRUN not in status and RELOADING not in status
            # from the overrun until the new table, every status drawn said "reloading…"
            lost = next(i for i, text in enumerate(shown) if OVERRUN in text)
            reread = next(i for i, text in enumerate(shown) if done in text)
            assert lost < reread
            assert all(RELOADING in text for text in shown[lost:reread]), shown
            assert app.main.follower.live_text == "live"
            view = app.query_one(RouteView)
            await wait_for(pilot, lambda: view.rows is not None and view.rows.row_count == 20002)


async def test_removed_link_takes_its_routes_off_the_screen() -> None:
    """IPv4 routes of a deleted link vanish without route events; the rows follow."""
    with temp_netns("fsa") as ns:
        build(ns)
        ns.veth("lc", "ld")
        ns.ip("addr", "add", "10.41.0.1/24", "dev", "lc")
        ns.ip("route", "add", "10.42.0.0/16", "via", "10.41.0.9")
        ns.ip("route", "add", "10.43.0.0/16", "via", "10.40.0.9")
        app = make_app(LiveSource(), ns.name)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: any(x.startswith("10.42.0.0") for x in lines(app)))
            ns.ip("link", "del", "lc")
            await wait_for(
                pilot, lambda: not any(x.startswith("10.4") and " lc" in x for x in lines(app))
            )
            await wait_for(pilot, lambda: kernel_equal(app, ns.path))
            assert any(x.startswith("10.43.0.0") for x in lines(app))
            assert not any(x.startswith(("10.41.0.0", "10.42.0.0")) for x in lines(app))


async def test_deleted_namespace_leaves_no_rows() -> None:
    with temp_netns("fsa") as ns:
        build(ns)
        app = make_app(LiveSource(), ns.name)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: bool(lines(app)))
            delete_netns(ns.name)
            await wait_for(pilot, lambda: "gone" in app.main.follower.notice)
            assert lines(app) == [] and app.main.follower.state is None
            await pilot.press("6", "v", "t", "escape")
            assert app.is_running


async def test_keys_answer_while_routes_churn() -> None:
    """Thousands of changes a second do not stop the keys: every press moves the cursor while
    the churn is being followed, and the model ends equal to the kernel (no time bound: a
    loaded machine is slow everywhere; the benchmark measures the real figures)."""
    with temp_netns("fsa") as ns:
        build(ns)
        ns.batch(f"route add 10.{50 + i // 250}.{i % 250}.0/24 via 10.40.0.9" for i in range(5000))
        app = make_app(LiveSource(), ns.name)
        async with app.run_test(size=(100, 30)) as pilot:
            view = app.query_one(RouteView)
            await wait_for(pilot, lambda: view.rows is not None and view.rows.row_count > 5000)
            churn = [
                f"route {'del' if k % 2 else 'add'} 10.90.{(k // 2) % 250}.0/24 via 10.40.0.9"
                for k in range(20000)
            ]
            for part in range(4):
                ns.batch(churn[part * 5000 : (part + 1) * 5000])
                await pilot.press("down")
                assert view.cursor == part + 1
            await wait_for(pilot, lambda: kernel_equal(app, ns.path))
