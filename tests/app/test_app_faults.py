"""The app under faults a hostile tester tried: Ctrl-C, resizes, theme changes, an unexpected
error, stale status text after the namespace shown is deleted, hostile names on screen."""

from __future__ import annotations

import asyncio
import io
import json
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Log, Static

from tests.app.helpers import FIXTURE, fixture_app, loaded
from tests.netns_helpers import requires_netns, temp_netns
from tests.patience import wait_until_async
from tui.app.ns_picker import NamespacePicker
from tui.app.run import finish, make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource
from tui.model import AF_INET, RTN_UNICAST, Route
from tui.source import CaptureSource
from tui.source.events import RouteChanges
from tui.store.routes import NLM_F_CREATE


def status_text(app: object) -> str:
    return str(app.query_one("#status", Static).render())  # type: ignore[attr-defined]


def screen_text(app: object) -> str:
    """Every character on the screen now (the compositor's lines)."""
    screen = app.screen  # type: ignore[attr-defined]
    lines = screen._compositor.render_update(full=True).strips
    return "\n".join("".join(seg.text for seg in strip) for strip in lines)


async def test_ctrl_c_quits() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_the_layout_follows_every_resize() -> None:
    """Each size gets its layout at once, not one resize late: the overview from 120
    columns, the route -n columns (with Use and Iface) whenever the routes are shown."""
    app = fixture_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        side = app.query_one("#side", Log)
        for width, height in [(250, 60), (100, 30), (80, 24), (130, 40), (100, 30), (250, 60)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.pause()
            assert app.size.width == width
            wide, narrow = width >= 120, width < 100
            assert side.display == wide, (width, height)
            assert app.screen.has_class("-narrow") == narrow
            header = screen_text(app)
            assert "Use Iface" in header, (width, header[:400])
            if wide:
                assert "NAMESPACES (n)" in header and "TABLES (t)" in header
            else:
                assert "NAMESPACES (n)" not in header


async def test_a_hidden_overview_waits_for_the_resize_that_shows_it() -> None:
    """Live changes do not redraw the overview while it is hidden (with 250 namespaces its
    lines cost 0.1-0.15 s of the UI thread each second); the resize that shows it does."""
    app = fixture_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        follower, side = app.main.follower, app.query_one("#side", Log)
        before = list(side.lines)
        await asyncio.sleep(1.1)  # past the once-a-second redraw a visible overview gets
        new = Route(AF_INET, 77, RTN_UNICAST, "198.51.100.0", 24, oif=1)
        follower.inbox.put(RouteChanges(((True, NLM_F_CREATE, new),)))
        follower.wake()
        await wait_until_async(lambda: follower.store.find(new), "the change applied")
        await loaded(pilot)
        await wait_until_async(lambda: not follower.dirty, "the rows redrawn")
        assert not side.display and side.lines == before
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert side.display and any(" 77 " in line for line in side.lines), side.lines


async def test_a_theme_change_repaints_drawn_rows() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        before = view.render_line(0)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        await pilot.pause()
        after = view.render_line(0)
        assert before.text == after.text
        old = [seg.style for seg in before]
        new = [seg.style for seg in after]
        assert old != new, "rows kept the old theme's colours"


async def test_an_unexpected_error_is_one_line_and_status_1() -> None:
    app = fixture_app()

    def broken() -> None:
        raise RuntimeError("a bug\nwith a second line")

    app.main.action_toggle_family = broken  # type: ignore[method-assign]
    err = io.StringIO()
    with pytest.raises(RuntimeError):  # the pilot re-raises what the app caught
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            await pilot.press("6")
            await pilot.pause()
    with redirect_stderr(err):
        status = finish(app)
    assert status == 1
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("fibscope: unexpected error: RuntimeError: a bug\\x0a")


async def test_hostile_names_from_a_capture_are_escaped_on_screen(tmp_path: Path) -> None:
    doc = json.loads(Path(FIXTURE).read_text())
    ns = doc["namespaces"][0]
    evil = "\x1b]0;PWN\x07\x1b[2J\udcff"
    ns["info"]["processes"] = [{"pid": 42, "name": evil}]
    ns["info"]["names"] = ["e\x1b[31m"]
    ns["state"]["links"][1]["name"] = "l\x1b]0;X\x07"
    doc["table_names"]["254"] = "m\x1b[5m"
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(doc))
    app = make_app(CaptureSource.open(str(path)), live=False)
    async with app.run_test(size=(130, 40)) as pilot:
        await loaded(pilot)
        for keys in ([], ["v"], ["i"], ["r"], ["n"]):
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            text = screen_text(app)
            assert "\x1b" not in text and "\x07" not in text and "\udcff" not in text
        assert "\\x1b]0;PWN\\x07\\x1b[2J\\xff" in text  # the picker lists the process
        assert isinstance(app.screen, NamespacePicker)


@requires_netns
async def test_status_and_picker_say_what_is_true_now() -> None:
    """After the shown namespace is deleted: 'offline' while it is shown, not after
    switching away; the picker no longer offers it."""
    with temp_netns("fsa") as ns:
        app = make_app(LiveSource(), ns.name)
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(pilot)
            assert app.main.follower.info is not None and app.main.follower.info.known_as(ns.name)
            host = next(info for info in app.main.follower.infos if info.is_host)
            ns.ip("link", "set", "lo", "down")
            from tests.netns_helpers import delete_netns

            delete_netns(ns.name)
            await wait_until_async(
                lambda: app.main.follower.live_text == "offline",
                "the monitor tells the namespace is gone",
                pause=lambda: pilot.pause(0.05),
            )
            assert "offline" in status_text(app)
            app.main.follower.switch_namespace(host)
            await loaded(pilot)
            assert "offline" not in status_text(app)
            assert "live" in status_text(app)
            await pilot.press("n")
            await loaded(pilot)
            picker = app.screen
            assert isinstance(picker, NamespacePicker)
            shown = screen_text(app)
            assert ns.name not in shown
            assert "host" in shown
            assert isinstance(Text(shown), Text)
