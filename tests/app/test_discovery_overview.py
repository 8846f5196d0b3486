"""The first screen does not wait for every namespace: it shows the one asked for with the
namespaces found quickly, marked as such ("looking for more namespaces…"), and the overview
shows every namespace once they are all found.  A namespace only another mount namespace
holds (the slow part of discovery) appears then."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from textual.pilot import Pilot
from textual.widgets import Log

from tests.hidden_netns import hidden_netns
from tests.netns_helpers import requires_netns, temp_netns
from tests.patience import wait_until_async
from tui.app.app import FibscopeApp
from tui.app.ns_picker import NamespacePicker
from tui.app.overview import LOOKING
from tui.app.run import make_app
from tui.kernel.live_source import LiveSource
from tui.model import NamespaceInfo

pytestmark = requires_netns


class HeldBack(LiveSource):
    """The live kernel, whose full discovery waits until the test lets it go (so the test
    sees the first screen before it, however fast the machine)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()
        self.asked = 0

    def namespaces(self) -> list[NamespaceInfo]:
        self.asked += 1
        self.go.wait()
        return super().namespaces()


@asynccontextmanager
async def held_back_app(netns: str) -> AsyncIterator[tuple[HeldBack, FibscopeApp, Pilot[None]]]:
    """The app on ``netns`` whose full discovery waits for ``source.go`` (set at the end,
    also when the test fails)."""
    source = HeldBack()
    app = make_app(source, netns, live=False)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            yield source, app, pilot
    finally:
        source.go.set()


def overview(app: FibscopeApp) -> list[str]:
    return [str(line) for line in app.main.query_one("#side", Log).lines]


async def wait_for(pilot: Pilot[None], condition: Callable[[], object], what: str) -> None:
    await wait_until_async(condition, what, pause=lambda: pilot.pause(0.05))


async def test_the_overview_shows_the_quick_look_marked_then_every_namespace() -> None:
    with temp_netns("fso") as ns, hidden_netns() as hidden:
        async with held_back_app(ns.name) as (source, app, pilot):
            follower = app.main.follower
            await wait_for(pilot, lambda: follower.state is not None, "the first screen")
            assert follower.info is not None and follower.info.label == ns.name
            first = overview(app)
            assert first[:2] == ["NAMESPACES (n)", LOOKING]
            assert any(ns.name in line for line in first)
            assert not any(f"net:[{hidden.inode}]" in line for line in first)
            assert not follower.complete
            source.go.set()
            await wait_for(pilot, lambda: follower.complete, "every namespace found")
            await pilot.pause()
            full = overview(app)
            assert LOOKING not in full
            assert sum(f"net:[{hidden.inode}]" in line for line in full) == 1
            assert any(line.startswith("▶") and ns.name in line for line in full)
            assert follower.info is not None and follower.info.label == ns.name


async def test_a_namespace_asked_for_that_the_quick_look_lacks_is_shown() -> None:
    with hidden_netns() as hidden:
        app = make_app(LiveSource(), str(hidden.inode), live=False)
        async with app.run_test(size=(140, 40)) as pilot:
            follower = app.main.follower
            await wait_for(pilot, lambda: follower.state is not None, "the namespace shown")
            assert follower.info is not None and follower.info.inode == hidden.inode
            assert follower.complete and "unknown" not in follower.notice
            assert LOOKING not in overview(app)


async def test_the_picker_asked_for_meanwhile_lists_every_namespace() -> None:
    """``n`` while every namespace is being looked for: the picker opens at once with those
    known, saying it looks on; it is filled by that discovery (not a second one beside it)
    and then lists them all."""
    with temp_netns("fso") as ns, hidden_netns() as hidden:
        async with held_back_app(ns.name) as (source, app, pilot):
            follower = app.main.follower
            await wait_for(pilot, lambda: source.asked == 1, "every namespace looked for")
            await pilot.press("n")
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, NamespacePicker)
            assert picker._looking
            assert hidden.inode not in [info.inode for info in picker._infos]
            source.go.set()
            await wait_for(pilot, lambda: not picker._looking, "the picker filled")
            assert picker.is_current
            assert hidden.inode in [info.inode for info in picker._infos]
            assert source.asked == 1 and follower.complete
