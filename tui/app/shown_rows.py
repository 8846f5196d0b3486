"""The rows the route view shows: the shown table's routes, filtered and sorted.

A base of the app between following the namespace (``tui.app.follow``) and the screens: big
tables are filtered and sorted in a worker (a filter shows its first rows while it searches
on), and live changes redraw the rows no more often than their measured cost allows.
"""

from __future__ import annotations

import time

from textual import work

from tui.app.follow import BIG_TABLE, NamespaceFollower
from tui.app.lines import make_line_of
from tui.app.modes import Mode
from tui.app.pacing import MARK_LIMIT
from tui.app.rows import SORT_KEYS, RouteFilter, RouteRows
from tui.app.widgets.route_view import RouteView
from tui.formats.route_n import route_n_routes
from tui.model import AF_INET, AF_INET6, IFF_LOOPBACK, RT_TABLE_MAIN, Route
from tui.names import table_name
from tui.source import Source

# (rows, filter, sort, reverse, keep the cursor, when asked)
OrderJob = tuple[RouteRows, RouteFilter | None, str, bool, bool, float]


class ShownRows(NamespaceFollower):
    """Which table, in which form, filtered and sorted how; and its rows on screen."""

    def __init__(
        self,
        source: Source,
        netns: str | None = None,
        *,
        live: bool = True,
        ansi_color: bool | None = None,
    ) -> None:
        super().__init__(source, netns, live=live, ansi_color=ansi_color)
        self.names = source.table_names()
        self.family = AF_INET
        self.table = RT_TABLE_MAIN
        self.mode = Mode.ROUTE_N
        self.filter: RouteFilter | None = None
        self.sort_index = 0
        self.reverse = False
        self._ordering = 0  # the token of the big-table ordering running in a thread (0: none)
        self._order_token = 0
        # Work handed to thread workers by number: Textual keeps finished workers (and so
        # their arguments) alive in saved contexts, which must not pin a million routes.
        self._order_jobs: dict[int, OrderJob] = {}

    def current_routes(self) -> list[Route]:
        """The routes of the selected family and table; in the route -n form exactly what
        ``route -n`` lists (the CLI's selection: IPv4 table main without broadcast and
        multicast, IPv6 every table with each multipath next hop on its own)."""
        if self.mode == Mode.ROUTE_N:
            if self.family == AF_INET6:
                routes = self.store.routes(AF_INET6)
            else:
                routes = self.store.table_routes(AF_INET, RT_TABLE_MAIN)
            links = self.state.links if self.state is not None else ()
            lo = next((link.index for link in links if link.flags & IFF_LOOPBACK), 1)
            return route_n_routes(routes, self.family, lo)
        return self.store.table_routes(self.family, self.table)

    def _fit_mode(self) -> None:
        """A table picked that ``route -n`` does not list alone (IPv4 other than main; any
        single IPv6 table, since route -n -A inet6 lists them all) is shown as ip route."""
        if self.mode == Mode.ROUTE_N and (self.family == AF_INET6 or self.table != RT_TABLE_MAIN):
            self.mode = Mode.IP

    def shown_table_label(self) -> str:
        """What the title says of the tables shown: route -n -A inet6 shows every table."""
        if self.mode == Mode.ROUTE_N:
            return "all tables" if self.family == AF_INET6 else "main"
        return table_name(self.table, self.names)

    def _redraw_rows(self) -> None:
        """A new filter or sort: only the rows and the status line change."""
        if self.state is not None:
            self._rebuild_rows(keep_cursor=False)
        self._update_status()

    def _rebuild_rows(self, keep_cursor: bool) -> None:
        """The rows of the shown table from the store (a C-speed copy of one table's routes);
        big tables are filtered and sorted in a thread.  The cost goes to the pacer."""
        if self.state is None:
            return
        start = time.perf_counter()
        devs = self.state.link_names()
        objects = {nh.id: nh for nh in self.state.nexthops or ()}
        line_of = make_line_of(self.mode, self.family, devs, self.names, objects)
        rows = RouteRows(self.current_routes(), line_of, lambda r: devs.get(r.oif or 0, ""))
        flt, sort, reverse = self.filter, SORT_KEYS[self.sort_index], self.reverse
        if (flt is not None or sort != "kernel") and len(rows.routes) > BIG_TABLE:
            self.notice = "filtering…" if flt is not None else "sorting…"
            self._order_token += 1
            self._ordering = self._order_token
            self._order_jobs[self._order_token] = (rows, flt, sort, reverse, keep_cursor, start)
            self._order_rows(self._order_token)
        else:
            rows.apply(flt, sort, reverse)
            self.query_one(RouteView).set_rows(rows, keep_cursor=keep_cursor)
            self.pacer.done(time.perf_counter() - start)

    @work(thread=True, group="rows", description="ordering rows")
    def _order_rows(self, token: int) -> None:
        """Filter or sort a big table off the UI thread (the rows are a private snapshot).
        A filter the user just typed shows its first rows while it searches on; a redraw
        after live changes does not (its row count would flicker)."""
        rows, flt, sort, reverse, keep, start = self._order_jobs.pop(token)

        def so_far(partial: RouteRows) -> None:
            self.call_from_thread(self._rows_so_far, partial, token)

        rows.apply(flt, sort, reverse, None if keep else so_far)
        self.call_from_thread(self._rows_ready, rows, keep, token, start)

    def _rows_so_far(self, rows: RouteRows, token: int) -> None:
        if token != self._ordering or not self.is_running:
            return
        view = self.query_one(RouteView)
        view.set_rows(rows, keep_cursor=view.rows is not None and view.rows.partial)
        self._update_status()

    def _rows_ready(self, rows: RouteRows, keep_cursor: bool, token: int, start: float) -> None:
        if token != self._ordering or not self.is_running:
            return  # a newer ordering was asked for meanwhile, or the app is closing
        self._ordering = 0
        self.pacer.done(time.perf_counter() - start)
        if self.notice in ("filtering…", "sorting…"):
            self.notice = ""
        view = self.query_one(RouteView)
        keep_cursor = keep_cursor or (view.rows is not None and view.rows.partial)
        view.set_rows(rows, keep_cursor=keep_cursor)
        self._update_status()

    def _flush_changes(self) -> None:
        """Coalesced redraw after live changes: all of it when links or rules changed, else
        the rows, when the pacer allows and no big table is being ordered in a thread."""
        if not self.is_running:
            return  # shutting down: the widgets are going
        if self._dirty_all:
            self._dirty_all = self._dirty = False
            self._rebuild(keep_cursor=True)
        elif self._dirty and self.pacer.due() and not self._ordering:
            self._dirty = False
            self._rebuild_rows(keep_cursor=True)
            self._update_side(force=False)
            self._update_status()
        else:
            return
        added, self._added = self._added, []
        if 0 < len(added) <= MARK_LIMIT:
            self.query_one(RouteView).mark_added(added)
