"""``fibscope`` follows the namespace it shows first before the app is imported
(``Source.watch_early``): the app's first watch of that namespace takes the early watch over
with every event it kept, in order; a watch of another namespace stops it; a namespace that
cannot be followed gives the app the same message as without; no thread is left behind."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter

from tests.app.test_live import build, lines, wait_for
from tests.netns_helpers import Netns, as_user, delete_netns, requires_netns, temp_netns
from tests.patience import PATIENCE, wait_until
from tui.app.app import FibscopeApp
from tui.app.run import make_app
from tui.kernel.early_watch import EarlyWatch
from tui.kernel.live_source import LiveSource
from tui.kernel.netlink.route_dump import dump_routes
from tui.model import NamespaceInfo
from tui.source import find_namespace
from tui.source.events import Problem, RouteChanges, Snapshot

pytestmark = requires_netns

MONITOR_THREADS = ("fibscope-monitor", "monitor-read-ahead")


def monitor_threads() -> set[threading.Thread]:
    """The monitors' threads (and their read-ahead threads) alive in this process now."""
    return {t for t in threading.enumerate() if t.name in MONITOR_THREADS and t.is_alive()}


def no_thread_left(before: set[threading.Thread]) -> None:
    """Every monitor thread started since ``before`` ends (only a hang fails)."""
    wait_until(lambda: not (monitor_threads() - before), "the early watch's threads end")


def started_early(source: LiveSource, ns: Netns) -> tuple[list[NamespaceInfo], EarlyWatch]:
    """What ``fibscope --netns NS`` does before importing the app (``tui.cli.app``)."""
    known = source.namespaces()
    early = source.watch_early(find_namespace(known, ns.name))
    assert early is not None
    return known, early


def app_on(source: LiveSource, name: str | None, known: list[NamespaceInfo] | None) -> FibscopeApp:
    """The app as ``run_app`` builds it."""
    app = make_app(source, name)
    app.main.follower.known = known
    return app


def kernel_equal(app: FibscopeApp, ns: Netns) -> bool:
    return Counter(app.main.follower.store.routes()) == Counter(dump_routes(ns.path))


def changed(early: EarlyWatch, dst: str) -> bool:
    """A kept RouteChanges mentions ``dst`` (the monitor has read that event)."""
    return any(
        route.dst == dst
        for event in early.kept()
        if isinstance(event, RouteChanges)
        for _, _, route in event.changes
    )


async def test_events_kept_before_the_app_mounts_are_all_applied_in_order() -> None:
    with temp_netns("fse") as ns:
        build(ns)
        ns.batch(f"route add 10.61.{i}.0/24 via 10.40.0.9" for i in range(250))
        source = LiveSource()
        before = monitor_threads()
        known, early = started_early(source, ns)
        try:
            wait_until(lambda: early.kept(), "the early load")
            # Changes after the load whose order matters (applied out of order, the model
            # would end with the wrong gateway, or without a route the kernel has).
            ns.ip("route", "add", "10.62.0.0/16", "via", "10.40.0.9")
            ns.ip("route", "replace", "10.62.0.0/16", "via", "10.40.0.8")
            ns.ip("route", "del", "10.61.7.0/24")
            ns.ip("route", "add", "10.61.7.0/24", "via", "10.40.0.7")
            ns.ip("route", "del", "10.61.8.0/24")
            ns.ip("route", "add", "10.63.0.0/16", "via", "10.40.0.9")  # the last one
            wait_until(lambda: changed(early, "10.63.0.0"), "the changes kept")
            kept = early.kept()
            assert isinstance(kept[0], Snapshot) and kept[0].store is not None
            assert len(kept[0].store) > 250
            app = app_on(source, ns.name, known)
            async with app.run_test(size=(100, 30)) as pilot:
                follower = app.main.follower
                await wait_for(pilot, lambda: kernel_equal(app, ns) and not len(follower.inbox))
                assert follower.watch_handle is early and early.kept() == []
                await wait_for(pilot, lambda: any(x.startswith("10.63.0.0") for x in lines(app)))
                shown = lines(app)
                assert any(x.startswith("10.62.0.0") and "10.40.0.8" in x for x in shown)
                assert any(x.startswith("10.61.7.0") and "10.40.0.7" in x for x in shown)
                assert not any(x.startswith("10.61.8.0") for x in shown)
                assert follower.notice == "" and follower.live_text == "live"
                # it goes on following, as any watch
                ns.ip("route", "add", "10.64.0.0/16", "via", "10.40.0.9")
                await wait_for(pilot, lambda: any(x.startswith("10.64.0.0") for x in lines(app)))
        finally:
            early.stop()
        no_thread_left(before)


async def test_a_watch_of_another_namespace_stops_the_early_one() -> None:
    with temp_netns("fse") as first, temp_netns("fse") as other:
        build(first)
        build(other)
        other.ip("route", "add", "10.65.0.0/16", "via", "10.40.0.9")
        source = LiveSource()
        before = monitor_threads()
        known, early = started_early(source, first)
        early_threads = monitor_threads() - before
        assert early_threads
        wait_until(lambda: early.kept(), "the early load")
        app = app_on(source, other.name, known)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: any(x.startswith("10.65.0.0") for x in lines(app)))
            assert app.main.follower.watch_handle is not early
            assert early.kept() == []  # its store was let go
            assert early.wait(PATIENCE)
            assert not any(t.is_alive() for t in early_threads)
            assert kernel_equal(app, other)
        no_thread_left(before)


async def test_an_early_watch_never_taken_over_is_stopped_without_a_trace() -> None:
    """The CLI stops it when the app ends (or never starts): its threads end, its socket is
    closed with them."""
    with temp_netns("fse") as ns:
        build(ns)
        source = LiveSource()
        before = monitor_threads()
        _, early = started_early(source, ns)
        wait_until(lambda: early.kept(), "the early load")
        early.stop()
        assert early.wait(PATIENCE)
        no_thread_left(before)
        # a later watch of the same namespace starts afresh (nothing left to take over)
        handle = source.watch(early_info(source, ns), lambda event: None)
        assert handle is not None and handle is not early
        handle.stop()
        no_thread_left(before)


def early_info(source: LiveSource, ns: Netns) -> NamespaceInfo:
    return find_namespace(source.namespaces(), ns.name)


async def test_a_namespace_gone_before_the_start_reads_as_without_an_early_watch() -> None:
    """Deleted between the CLI's check and the start: the app says what it says without."""
    notices: dict[str, str] = {}
    for how in ("early", "plain"):
        with temp_netns("fse") as ns:
            source = LiveSource()
            known = source.namespaces()
            info = find_namespace(known, ns.name)
            delete_netns(ns.name)
            before = monitor_threads()
            early = source.watch_early(info) if how == "early" else None
            if early is not None:
                wait_until(lambda: early.kept(), "the early watch's answer")  # noqa: B023
                kept = early.kept()
                assert len(kept) == 1 and isinstance(kept[0], Problem) and kept[0].fatal
            app = app_on(source, ns.name, known)
            async with app.run_test(size=(100, 30)) as pilot:
                follower = app.main.follower
                await wait_for(pilot, lambda: follower.live_text == "offline")  # noqa: B023
                notices[how] = follower.notice.replace(ns.name, "NS")
                assert follower.state is None and lines(app) == []
            no_thread_left(before)
    assert notices["early"] == notices["plain"]
    assert notices["early"].startswith("namespace unavailable")


# Run as an unprivileged user: the early watch cannot start, the app says what it says
# without one.  Prints the notices of both and whether a monitor thread was ever started.
NO_ROOT = r"""
import asyncio, json, sys, threading
from tui.app.run import make_app
from tui.kernel.live_source import LiveSource
from tui.model import NamespaceInfo

dev, inode, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
info = NamespaceInfo(dev=dev, inode=inode, names=("target",), paths=(path,))

async def notice(early_first):
    source = LiveSource()
    early = source.watch_early(info) if early_first else None
    app = make_app(source, "target")
    app.main.follower.known = [info]
    async with app.run_test(size=(100, 30)) as pilot:
        while not app.main.follower.notice or app.main.follower.notice.startswith("reading"):
            await pilot.pause(0.05)
        return early is None, app.main.follower.notice

async def main():
    out = {"early": await notice(True), "plain": await notice(False)}
    out["monitors"] = [t.name for t in threading.enumerate() if "monitor" in t.name]
    print(json.dumps(out))

asyncio.run(main())
"""


def test_without_permission_there_is_no_early_watch_and_the_same_message() -> None:
    with temp_netns("fse") as ns:
        info = early_info(LiveSource(), ns)
        args = [str(info.dev), str(info.inode), ns.path]
        argv = as_user([sys.executable, "-c", NO_ROOT, *args], 65534)
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=PATIENCE)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["early"] == [True, "target: root is needed to read another namespace"]
        assert out["plain"] == [True, out["early"][1]]
        assert out["monitors"] == []


# Run inside the test's namespace (``ip netns exec``): there it is the host's, the one the
# app shows first when none is named.  Prints whether the app took the early watch over and
# the routes it shows.
HOST = r"""
import asyncio, json
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource

async def main():
    source = LiveSource()
    early = source.watch_early(None)
    app = make_app(source, None)
    async with app.run_test(size=(100, 30)) as pilot:
        follower = app.main.follower
        view = app.query_one(RouteView)
        while follower.state is None or view.rows is None or len(follower.inbox):
            await pilot.pause(0.05)
        rows = [view.rows.line(i) for i in range(view.rows.row_count)]
        out = {"adopted": follower.watch_handle is early, "label": follower.info.label,
               "rows": rows, "notice": follower.notice}
    early.stop()
    out["ended"] = early.wait(60)
    print(json.dumps(out))

asyncio.run(main())
"""


def test_without_a_name_the_host_namespace_is_followed_early() -> None:
    with temp_netns("fse") as ns:
        build(ns)
        ns.ip("route", "add", "10.66.0.0/16", "via", "10.40.0.9")
        out = json.loads(ns.exec(sys.executable, "-c", HOST).strip().splitlines()[-1])
        assert out["adopted"] and out["ended"] and out["label"] == "host"
        assert out["notice"] == ""
        assert any(row.startswith("10.66.0.0") for row in out["rows"])
