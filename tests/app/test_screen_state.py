"""What the main screen shows is reactive state: assigning it redraws what depends on it (the
keys' actions do nothing else), on the made-up capture."""

from __future__ import annotations

from textual.widgets import ContentSwitcher, Log, Static

from tests.app.helpers import fixture_app, loaded
from tui.app.modes import Mode, Pane
from tui.app.rows import SORT_KEYS, RouteFilter
from tui.app.shown_rows import SortOrder, TableChoice
from tui.app.widgets.route_view import RouteView
from tui.model import AF_INET, AF_INET6


async def test_assigning_what_is_shown_redraws_it() -> None:
    app = fixture_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        main, view = app.main, app.query_one(RouteView)
        status = app.query_one("#status", Static)
        main.route_filter = RouteFilter.parse("eth2")
        assert view.rows is not None and view.rows.row_count == 2
        assert "2 of 15 routes" in str(status.render())
        main.route_filter = None
        assert view.rows is not None and view.rows.row_count == 15
        main.order = SortOrder(SORT_KEYS.index("metric"), reverse=True)
        assert view.rows is not None and view.rows.sort == "metric" and view.rows.reverse
        main.order = SortOrder()
        # route -n cannot list table 100 alone: shown as ip route, in one redraw
        main.show_table(AF_INET, 100)
        assert main.mode == Mode.IP and view.rows is not None and view.rows.row_count == 2
        assert "· vpn (100) ·" in str(app.query_one("#title", Static).render())
        main.mode = Mode.ROUTE_N
        assert view.rows is not None and view.rows.row_count == 15
        main.shown = TableChoice(AF_INET6, 254)
        assert view.rows is not None and view.rows.row_count == 7  # route -n -A inet6
        main.pane = Pane.RULES
        assert app.query_one("#main", ContentSwitcher).current == "rules"
        assert "IPv6 policy rules" in str(app.query_one("#rules", Log).lines[0])
        main.pane = Pane.ROUTES
        assert view.has_focus
