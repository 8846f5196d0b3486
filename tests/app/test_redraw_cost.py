"""What a key redraws, and what drawing leaves for the collector: while a full table flaps,
the UI thread's redraws and the collections freeing Textual's lines are what keys wait for
(``bench/bench_flap.py``).  Each test fails on the code before its change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Log

from tests.app.helpers import fixture_app, loaded
from tests.garbage import cyclic_garbage
from tui.app.status import StatusLine
from tui.app.strip_cycles import break_strip_cycles
from tui.app.widgets import route_view
from tui.app.widgets.route_view import RouteView


def test_a_line_that_is_its_own_only_piece_does_not_refer_to_itself() -> None:
    break_strip_cycles()
    break_strip_cycles()  # idempotent
    with cyclic_garbage() as kinds:
        strip = Strip([Segment("10.0.0.0/8 via 192.0.2.1"), Segment(" dev eth0")])
        whole = strip.divide([strip.cell_length])
        assert whole == [strip]
        del strip, whole
    assert kinds["Strip"] == 0


@pytest.mark.parametrize("cuts", [[3], [3, 9], [0, 5, 33], [5, 33, 40], [33]])
def test_divide_cuts_the_same_pieces(cuts: list[int]) -> None:
    break_strip_cycles()
    strip = Strip([Segment("10.0.0.0/8 via 192.0.2.1"), Segment(" dev eth0")])
    pieces = [piece.text for piece in strip.divide(cuts)]
    text, at = strip.text, 0
    expected = []
    for cut in (c for c in cuts if c <= strip.cell_length):
        expected.append(text[at:cut])
        at = cut
    assert pieces == expected
    assert [piece.text for piece in strip.divide(cuts)] == expected  # from its cache again


@pytest.mark.parametrize("redraw", ["cursor move", "rows redrawn"])
async def test_redraws_leave_no_lines_for_the_collector(redraw: str) -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        with cyclic_garbage() as kinds:
            for _ in range(5):
                if redraw == "cursor move":
                    await pilot.press("down")
                else:
                    app.main.rows.rebuild(keep_cursor=True)  # a live change's redraw
                await pilot.pause()
        assert app.query_one(RouteView).cursor == (5 if redraw == "cursor move" else 0)
    assert kinds["Strip"] == 0 and kinds["FIFOCache"] == 0


async def lines_drawn(view: RouteView, act: Callable[[], Awaitable[None]]) -> set[int]:
    """The view's lines (screen rows) formatted and drawn while ``act`` runs."""
    drawn: set[int] = set()
    render_line = view.render_line

    def spy(y: int) -> Strip:
        drawn.add(y)
        return render_line(y)

    view.render_line = spy  # type: ignore[method-assign]
    try:
        await act()
    finally:
        del view.render_line
    return drawn


async def test_a_cursor_move_redraws_its_two_lines_and_a_scroll_all() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 14)) as pilot:  # fewer lines than the table's 15 rows
        await loaded(pilot)
        view = app.query_one(RouteView)
        height = view.size.height
        assert view.rows is not None and view.rows.row_count > height > 3

        async def press(*keys: str) -> None:
            await pilot.press(*keys)
            await pilot.pause()

        assert await lines_drawn(view, lambda: press("down")) == {0, 1}
        assert await lines_drawn(view, lambda: press("down")) == {1, 2}
        assert await lines_drawn(view, lambda: press("up")) == {1, 2}
        for _ in range(height - 2):
            await press("down")
        assert view.cursor == height - 1 and view.scroll_offset.y == 0
        assert await lines_drawn(view, lambda: press("down")) == set(range(height))  # scrolled
        assert view.scroll_offset.y == 1 and view.cursor == height


async def test_the_status_line_redraws_only_a_new_text_and_without_a_layout() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        line = app.query_one("#status", StatusLine)
        asked: list[bool] = []
        refresh = line.refresh

        def spy(*regions: object, layout: bool = False, **kw: bool) -> StatusLine:
            asked.append(layout)
            return refresh(*regions, layout=layout, **kw)  # type: ignore[arg-type]

        line.refresh = spy  # type: ignore[method-assign]
        line.show("a status")
        line.show("a status")
        assert asked == [False]
        line.show("another status")
        assert asked == [False, False]
        await pilot.pause()
        assert str(line.render()) == "another status"


async def test_a_view_toggle_leaves_the_panes_it_does_not_change() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        rules = app.query_one("#rules", Log)
        before = list(rules.lines)
        cleared: list[int] = []
        clear = rules.clear

        def spy() -> Log:
            cleared.append(1)
            return clear()

        rules.clear = spy  # type: ignore[method-assign]
        await pilot.press("v")
        await pilot.press("v")
        assert cleared == [] and list(rules.lines) == before
        await pilot.press("6")  # IPv6: other rules
        assert cleared == [1] and list(rules.lines) != before


async def test_the_line_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(route_view, "LINE_CACHE", 8)
    app = fixture_app()
    async with app.run_test(size=(80, 14)) as pilot:
        await loaded(pilot)
        view = app.query_one(RouteView)
        for _ in range(20):
            await pilot.press("down")
            await pilot.pause()
            assert len(view._cache) <= 8
        assert view.cursor == 14  # the last of the 15 rows


async def test_a_line_scrolled_sideways_is_not_the_line_marked_new() -> None:
    """The line cache's key keeps the horizontal scroll and the line's state apart: a line
    drawn one column to the right was once found under the key of the same line at column 0
    marked as just added (a mark comes without a redraw of every line)."""
    app = fixture_app()
    async with app.run_test(size=(40, 14)) as pilot:  # narrower than the route -n lines
        await loaded(pilot)
        view = app.query_one(RouteView)
        assert view.rows is not None and view.max_scroll_x > 1
        view.scroll_to(x=1, animate=False)
        await pilot.pause()
        assert view.render_line(2).text == view.rows.line(2)[1:41]
        view.mark_added([view.rows.route(2)])
        view.scroll_to(x=0, animate=False)
        await pilot.pause()
        assert view.render_line(2).text == view.rows.line(2)[:40]
