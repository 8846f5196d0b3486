"""Pilot tests: press each key and check what changed on the made-up capture."""

from __future__ import annotations

import pytest
from textual.widgets import ContentSwitcher, Input, Log

from tests.app.helpers import fixture_app, loaded
from tui.app.help import HelpScreen
from tui.app.lookup_pane import LookupPane
from tui.app.ns_picker import NamespacePicker
from tui.app.path_follow import REREAD_REFUSAL
from tui.app.pickers import Picker
from tui.app.widgets.route_view import RouteView
from tui.model import AF_INET, AF_INET6, RTN_LOCAL
from tui.source.events import Reloading, Snapshot


def status_text(app: object) -> str:
    from textual.widgets import Static

    return str(app.query_one("#status", Static).render())  # type: ignore[attr-defined]


async def test_routes_load_with_main_first() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        assert view.rows is not None and view.rows.row_count == 15
        assert app.main.table == 254
        assert view.rows.line(0).startswith("0.0.0.0         198.51.100.1")
        assert "15 routes" in status_text(app)


async def test_v_switches_route_n_and_ip_forms() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("v")
        view = app.query_one(RouteView)
        assert app.main.mode == "ip"
        assert (
            view.rows is not None
            and view.rows.line(0) == "default via 198.51.100.1 dev eth0 proto static metric 100"
        )
        await pilot.press("v")
        assert app.main.mode == "route-n"


async def test_6_switches_family() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("6")
        view = app.query_one(RouteView)
        assert app.main.family == AF_INET6
        # route -n -A inet6 lists every table: main's 3, local's 3 and local's null entry
        assert view.rows is not None and view.rows.row_count == 7
        await pilot.press("v")
        assert view.rows is not None and view.rows.row_count == 3  # ip route: table main
        await pilot.press("v")
        await pilot.press("6")
        assert app.main.family == AF_INET


async def test_r_and_i_show_rules_and_links_and_escape_returns() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        switcher = app.query_one("#main", ContentSwitcher)
        await pilot.press("r")
        assert switcher.current == "rules"
        rules = "\n".join(str(line) for line in app.query_one("#rules", Log).lines)
        assert "200:    not from all fwmark 0xca6c lookup vpn" in rules
        await pilot.press("i")
        assert switcher.current == "links"
        assert any("eth2" in line and "NO" in line for line in app.query_one("#links", Log).lines)
        await pilot.press("escape")
        assert switcher.current == "routes-pane"


async def test_t_picks_another_table() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, Picker)
        # main, local, then the custom tables in id order: vpn (100), 4000000000
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.main.table == 100
        view = app.query_one(RouteView)
        assert view.rows is not None and view.rows.row_count == 2


async def test_n_switches_namespace_and_unreadable_ones_say_why() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, NamespacePicker)
        await pilot.press("down", "enter")
        await loaded(pilot)
        assert app.main.follower.info is not None and app.main.follower.info.label == "blue"
        await pilot.press("n", "down", "down", "enter")
        await loaded(pilot)
        assert (
            app.main.follower.info is not None
            and app.main.follower.info.label == "net:[4026532477]"
        )
        assert "root is needed" in status_text(app)


async def test_filter_by_prefix_device_and_clear() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        await pilot.press("slash")
        assert app.query_one("#filter", Input).has_focus
        await pilot.press(*"10.64.0.0/10", "enter")  # 10.64-10.127: 10.64/10 twice, 10.66-10.99
        assert view.rows is not None and view.rows.row_count == 8
        assert "8 of 15 routes" in status_text(app)
        await pilot.press("slash", "ctrl+u", *"eth2", "enter")
        assert view.rows is not None and view.rows.row_count == 2
        await pilot.press("slash", "ctrl+u", *"100.64.0.0/10", "enter")
        await pilot.pause()
        assert view.rows is not None and view.rows.row_count == 0
        shown = "\n".join(view.render_line(y).text for y in range(3))
        assert "No route passes the filter: within 100.64.0.0/10." in shown
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert view.rows is not None and view.rows.row_count == 15
        assert "No route passes" not in view.render_line(1).text


async def test_sort_cycles_columns() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        await pilot.press("s", "s", "s")  # destination, gateway, metric
        assert view.rows is not None and view.rows.sort == "metric"
        metrics = [view.rows.route(i).priority or 0 for i in range(view.rows.row_count)]
        assert metrics == sorted(metrics)
        await pilot.press("S")
        metrics = [view.rows.route(i).priority or 0 for i in range(view.rows.row_count)]
        assert metrics == sorted(metrics, reverse=True)


async def test_cursor_keys_move_and_end_goes_last() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        await pilot.press("down", "down")
        assert view.cursor == 2
        await pilot.press("end")
        assert view.cursor == 14
        await pilot.press("home")
        assert view.cursor == 0


async def test_help_lists_every_key() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_l_opens_lookup_with_destination_focused_and_escape_closes() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("l")
        pane = app.query_one(LookupPane)
        assert pane.display
        assert app.query_one("#q-dst", Input).has_focus
        await pilot.press("escape")
        assert not pane.display
        assert app.query_one(RouteView).has_focus


async def test_p_pauses_and_q_quits() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("p")
        assert app.main.follower.paused and "paused" in status_text(app)
        await pilot.press("p")
        assert not app.main.follower.paused
        await pilot.press("q")
    assert app.return_code == 0


async def test_lookup_runs_shows_the_trace_and_highlights_the_winner() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("l", *"10.64.1.1", "enter")
        await loaded(pilot)
        trace = str(app.query_one("#trace").render())
        chosen = "10.64.0.0/10 via 10.20.0.5 dev eth1 metric 5 chosen: metric 5 beats metric 50"
        verdict = (
            "Verdict: 10.64.1.1 via 10.20.0.5 dev eth1 src 10.20.0.1"
            " \u2014 10.64.0.0/10 in table main (rule 100)"
        )
        assert chosen in trace
        assert verdict in trace
        winner = app.query_one(RouteView).winner
        assert winner is not None and (winner.dst, winner.gateway) == ("10.64.0.0", "10.20.0.5")


async def test_lookup_is_refused_while_the_routes_are_reread() -> None:
    """A re-read announced: the routes held are not the kernel's (or were let go), so a
    lookup says so instead of tracing through them; once the new table is in, it traces."""
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        follower = app.main.follower
        follower.inbox.put(Reloading("netlink overrun: events were lost"))
        await pilot.press("l", *"10.64.1.1", "enter")
        await loaded(pilot)
        assert str(app.query_one("#trace").render()) == REREAD_REFUSAL
        assert follower.state is not None
        follower.inbox.put(Snapshot(follower.state, "netlink overrun", follower.store))
        follower.take_changes()
        await pilot.press("enter")
        await loaded(pilot)
        assert "Verdict: 10.64.1.1 via 10.20.0.5" in str(app.query_one("#trace").render())


async def test_lookup_switches_to_the_table_of_the_verdict() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        # fwmark 0xca6c is NOT matched by rule 200 (`not fwmark`), so an unmarked packet uses vpn
        await pilot.press("l", *"8.8.8.8", "enter")
        await loaded(pilot)
        assert app.main.table == 100
        assert "dev wg0" in str(app.query_one("#trace").render())


async def test_lookup_bad_input_is_an_inline_message() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("l", *"10.1.x", "enter")
        await loaded(pilot)
        assert "not an IP address" in str(app.query_one("#trace").render())
        assert app.is_running


async def test_lookup_of_a_local_address_shows_the_local_table() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("l", *"10.20.0.1", "enter")
        await loaded(pilot)
        assert app.main.table == 255
        winner = app.query_one(RouteView).winner
        assert winner is not None and winner.type == RTN_LOCAL and winner.dst == "10.20.0.1"


async def test_every_action_is_in_the_command_palette() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        titles = {cmd.title for cmd in app.get_system_commands(app.screen)}
        for title in ("Lookup", "Filter routes", "Namespaces", "Tables", "Rules", "Links"):
            assert title in titles
        await pilot.press("ctrl+p", *"Toggle route", "enter")
        await loaded(pilot)
        assert app.main.mode == "ip"


async def test_a_click_moves_the_cursor() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        await pilot.click(RouteView, offset=(5, 3))
        assert view.cursor == 3


async def test_workers_are_handed_no_rows_or_states(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sorting, filtering and lookups run in thread workers (forced here for a small table).
    Textual keeps finished workers, with their arguments, in saved contexts for a while: a
    worker handed a million rows pinned them (RSS grew 15 MB per sort), so workers are given
    job numbers and take their inputs from the screen's objects (every thread of the app is
    a worker of the main screen)."""
    import functools

    import tui.app.shown_rows as shown_rows

    monkeypatch.setattr(shown_rows, "BIG_TABLE", 0)
    app = fixture_app()
    handed: list[tuple[object, ...]] = []
    run_worker = app.main.run_worker

    def spy(work: object, *args: object, **kwargs: object) -> object:
        assert isinstance(work, functools.partial)  # a bound method and its arguments
        handed.append(work.args)
        return run_worker(work, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app.main, "run_worker", spy)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        for keys in (["s"], ["s"], ["slash", *"eth1", "enter"], ["S"]):
            await pilot.press(*keys)
            await loaded(pilot)
        await pilot.press("l", *"10.64.1.1", "enter")
        await loaded(pilot)
        assert view.rows is not None and view.rows.sort == "gateway" and view.rows.reverse
        assert "Verdict: 10.64.1.1 via 10.20.0.5" in str(app.query_one("#trace").render())
    kinds = {type(arg).__name__ for args in handed for arg in args}
    assert len(handed) >= 5 and kinds <= {"int", "NamespaceInfo"}, kinds
    assert not app.main.rows.order_jobs and not app.main.paths.lookup_jobs


async def test_no_color_keeps_cursor_and_winner_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR: Textual drops colours, so the cursor and the winner carry a text style."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        assert app.no_color
        view = app.query_one(RouteView)
        cursor = [seg.style for seg in view.render_line(0) if seg.text.strip()]
        assert cursor and all(style is not None and style.reverse for style in cursor)
        other = [seg.style for seg in view.render_line(1) if seg.text.strip()]
        assert other and not any(style is not None and style.reverse for style in other)
        await pilot.press("l", *"10.64.1.1", "enter")
        await loaded(pilot)
        row = view.cursor
        view.cursor = row + 1  # the winner without the cursor on it
        view.invalidate()
        winner = [seg.style for seg in view.render_line(row - view.scroll_offset.y) if seg.text]
        assert winner and all(s is not None and s.bold and s.underline for s in winner)
