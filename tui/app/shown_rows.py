"""The rows the route view shows: the shown table's routes, filtered and sorted.

A plain object the screen owns, between the namespace follower (``tui.app.follow``: state and
store) and the route view: big tables are filtered and sorted in a thread worker (a filter
shows its first rows while it searches on), and live changes redraw the rows no more often
than their measured cost allows (the ``Pacer``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import NamedTuple, Protocol

from tui.app.follow import BIG_TABLE, NamespaceFollower
from tui.app.lines import make_line_of
from tui.app.modes import Mode
from tui.app.pacing import Pacer
from tui.app.rows import SORT_KEYS, RouteFilter, RouteRows
from tui.app.widgets.route_view import RouteView
from tui.formats.route_n import route_n_routes
from tui.model import AF_INET, AF_INET6, IFF_LOOPBACK, RT_TABLE_MAIN, NetnsState, Route
from tui.names import table_name
from tui.store.routes import RouteStore

# (rows, route -n's selection still to make, filter, sort, reverse, keep the cursor, when asked)
OrderJob = tuple[RouteRows, bool, RouteFilter | None, str, bool, bool, float]


class TableChoice(NamedTuple):
    """The family and routing table shown."""

    family: int = AF_INET
    table: int = RT_TABLE_MAIN


class SortOrder(NamedTuple):
    """The column the rows are sorted by (an index into ``SORT_KEYS``) and its direction."""

    column: int = 0
    reverse: bool = False

    @property
    def key(self) -> str:
        """The column's name."""
        return SORT_KEYS[self.column]


class RowsChoice(Protocol):
    """What the screen shows: the rows are built from it (its reactives)."""

    @property
    def mode(self) -> Mode: ...
    @property
    def family(self) -> int: ...
    @property
    def table(self) -> int: ...
    @property
    def route_filter(self) -> RouteFilter | None: ...
    @property
    def order(self) -> SortOrder: ...

    def show_status(self) -> None:
        """Redraw the title and status line."""


def current_routes(
    store: RouteStore, state: NetnsState | None, mode: Mode, family: int, table: int
) -> list[Route]:
    """The routes of the selected family and table; in the route -n form exactly what
    ``route -n`` lists (the CLI's selection: IPv4 table main without broadcast and
    multicast, IPv6 every table with each multipath next hop on its own)."""
    if mode == Mode.ROUTE_N:
        if family == AF_INET6:
            routes = store.routes(AF_INET6)
        else:
            routes = store.table_routes(AF_INET, RT_TABLE_MAIN)
        links = state.links if state is not None else ()
        lo = next((link.index for link in links if link.flags & IFF_LOOPBACK), 1)
        return route_n_routes(routes, family, lo)
    return store.table_routes(family, table)


def fit_mode(mode: Mode, family: int, table: int) -> Mode:
    """A table picked that ``route -n`` does not list alone (IPv4 other than main; any
    single IPv6 table, since route -n -A inet6 lists them all) is shown as ip route."""
    if mode == Mode.ROUTE_N and (family == AF_INET6 or table != RT_TABLE_MAIN):
        return Mode.IP
    return mode


def shown_table_label(mode: Mode, family: int, table: int, names: Mapping[int, str]) -> str:
    """What the title says of the tables shown: route -n -A inet6 shows every table."""
    if mode == Mode.ROUTE_N:
        return "all tables" if family == AF_INET6 else "main"
    return table_name(table, names)


class ShownRows:
    """Which rows of the shown table, in which form, filtered and sorted how, on screen."""

    def __init__(
        self,
        follower: NamespaceFollower,
        choice: RowsChoice,
        view: RouteView,
        names: Mapping[int, str],
    ) -> None:
        self.follower = follower
        self.choice = choice
        self.view = view
        self.names = names
        self.pacer = Pacer(follower.inbox)  # rows wait longer while the inbox catches up
        self.ordering = 0  # the token of the big-table ordering running in a thread (0: none)
        self._order_token = 0
        # Work handed to thread workers by number: Textual keeps finished workers (and so
        # their arguments) alive in saved contexts, which must not pin a million routes.
        self.order_jobs: dict[int, OrderJob] = {}

    def redraw(self) -> None:
        """A new filter or sort: only the rows and the status line change."""
        if self.follower.state is not None:
            self.rebuild(keep_cursor=False)
        self.choice.show_status()

    def rebuild(self, keep_cursor: bool) -> None:
        """The rows of the shown table from the store (a C-speed copy of one table's routes);
        big tables are filtered and sorted in a thread.  The cost goes to the pacer."""
        state, c = self.follower.state, self.choice
        if state is None:
            return
        start = time.perf_counter()
        devs = state.link_names()
        objects = {nh.id: nh for nh in state.nexthops or ()}
        line_of = make_line_of(c.mode, c.family, devs, self.names, objects)
        store = self.follower.store
        # route -n's selection of a big table main is made in the thread too: a Python pass
        # over a million rows, the UI thread's longest stall while routes flap (bench_flap)
        select = (
            c.mode == Mode.ROUTE_N
            and c.family == AF_INET
            and store.counts().get((AF_INET, RT_TABLE_MAIN), 0) > BIG_TABLE
        )
        if select:
            routes = store.table_routes(AF_INET, RT_TABLE_MAIN)
        else:
            routes = current_routes(store, state, c.mode, c.family, c.table)
        rows = RouteRows(routes, line_of, lambda r: devs.get(r.oif or 0, ""))
        flt, sort, reverse = c.route_filter, c.order.key, c.order.reverse
        ordered = flt is not None or sort != "kernel"
        if (select or ordered) and len(rows.routes) > BIG_TABLE:
            if ordered:
                self.follower.notice = "filtering…" if flt is not None else "sorting…"
            self._order_token += 1
            self.ordering = self._order_token
            job = (rows, select, flt, sort, reverse, keep_cursor, start)
            self.order_jobs[self._order_token] = job
            self.follower.in_thread(
                self._order_rows, self._order_token, group="rows", exclusive=False
            )
        else:
            rows.apply(flt, sort, reverse)
            self.view.set_rows(rows, keep_cursor=keep_cursor)
            self.pacer.done(time.perf_counter() - start)

    def _order_rows(self, token: int) -> None:
        """Filter or sort a big table off the UI thread (the rows are a private snapshot).
        A filter the user just typed shows its first rows while it searches on; a redraw
        after live changes does not (its row count would flicker)."""
        rows, select, flt, sort, reverse, keep, start = self.order_jobs.pop(token)
        if select:
            rows.routes = route_n_routes(rows.routes, AF_INET)

        def so_far(partial: RouteRows) -> None:
            self.follower.call(self._rows_so_far, partial, token)

        rows.apply(flt, sort, reverse, None if keep else so_far)
        self.follower.call(self._rows_ready, rows, keep, token, start)

    def _rows_so_far(self, rows: RouteRows, token: int) -> None:
        if token != self.ordering or not self.follower.running:
            return
        view = self.view
        view.set_rows(rows, keep_cursor=view.rows is not None and view.rows.partial)
        self.choice.show_status()

    def _rows_ready(self, rows: RouteRows, keep_cursor: bool, token: int, start: float) -> None:
        if token != self.ordering or not self.follower.running:
            return  # a newer ordering was asked for meanwhile, or the app is closing
        self.ordering = 0
        self.pacer.done(time.perf_counter() - start)
        if self.follower.notice in ("filtering…", "sorting…"):
            self.follower.notice = ""
        view = self.view
        keep_cursor = keep_cursor or (view.rows is not None and view.rows.partial)
        view.set_rows(rows, keep_cursor=keep_cursor)
        self.choice.show_status()
