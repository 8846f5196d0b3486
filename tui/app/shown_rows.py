"""The rows the route view shows: the shown table's routes, filtered and sorted.

A plain object the screen owns, between the namespace follower (``tui.app.follow``: state and
store) and the route view: big tables are filtered and sorted in a thread worker (a filter
shows its first rows while it searches on), and live changes redraw the rows no more often
than their measured cost allows (the ``Pacer``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import NamedTuple, Protocol

from tui.app.follow import BIG_TABLE, NamespaceFollower
from tui.app.lines import make_line_of
from tui.app.modes import Mode
from tui.app.pacing import Pacer
from tui.app.rows import SORT_KEYS, RouteFilter, RouteRows
from tui.app.untrack import route_n_untracked, untracked, untracked_list
from tui.app.widgets.route_view import RouteView
from tui.formats.route_n import route_n_routes
from tui.model import AF_INET, AF_INET6, IFF_LOOPBACK, RT_TABLE_MAIN, NetnsState, Route
from tui.names import table_name
from tui.store.routes import RouteStore


class RowsJob(NamedTuple):
    """A big table's rows to make in a thread: copied from the store (``snapshot``), route
    -n's selection, filter and sort.  Handed over by number (see ``ShownRows.order_jobs``)."""

    store: RouteStore
    family: int
    table: int | None  # None: every table of the family (route -n -A inet6)
    route_n: bool  # route -n's selection is made of the copy
    lo: int
    line_of: Callable[[Route], str]
    dev_of: Callable[[Route], str]
    flt: RouteFilter | None
    sort: str
    reverse: bool
    keep_cursor: bool
    start: float


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


def loopback(state: NetnsState | None) -> int:
    """The loopback's index (route -n -A inet6 shows the null entries on it)."""
    links = state.links if state is not None else ()
    return next((link.index for link in links if link.flags & IFF_LOOPBACK), 1)


def shown_tables(mode: Mode, family: int, table: int) -> tuple[int | None, bool]:
    """Which tables the rows are made of (None: every table of the family) and whether
    route -n's selection is made of them."""
    if mode == Mode.ROUTE_N:
        return (None if family == AF_INET6 else RT_TABLE_MAIN), True
    return table, False


def current_routes(
    store: RouteStore, state: NetnsState | None, mode: Mode, family: int, table: int
) -> list[Route]:
    """The routes of the selected family and table; in the route -n form exactly what
    ``route -n`` lists (the CLI's selection: IPv4 table main without broadcast and
    multicast, IPv6 every table with each multipath next hop on its own)."""
    number, route_n = shown_tables(mode, family, table)
    routes = store.routes(family) if number is None else store.table_routes(family, number)
    return route_n_routes(routes, family, loopback(state)) if route_n else routes


def shown_count(store: RouteStore, mode: Mode, family: int, table: int) -> int:
    """How many routes the rows are made of (before route -n's selection), without a walk."""
    number, _ = shown_tables(mode, family, table)
    counts = store.counts()
    return sum(n for (fam, t), n in counts.items() if fam == family and number in (None, t))


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
        self.order_jobs: dict[int, RowsJob] = {}

    def redraw(self) -> None:
        """A new filter or sort: only the rows and the status line change."""
        if self.follower.state is not None:
            self.rebuild(keep_cursor=False)
        self.choice.show_status()

    def rebuild(self, keep_cursor: bool) -> None:
        """The rows of the shown table from the store.  A big table is copied, selected,
        filtered and sorted in a thread (the copy a consistent snapshot: the UI thread's
        events wait meanwhile, it does not); its cost goes to the pacer."""
        self.abandon_ordering()  # rows of the table as it was must not land after these
        state, c = self.follower.state, self.choice
        if state is None:
            return
        start = time.perf_counter()
        devs = state.link_names()
        objects = {nh.id: nh for nh in state.nexthops or ()}
        line_of = make_line_of(c.mode, c.family, devs, self.names, objects)

        def dev_of(route: Route) -> str:
            return devs.get(route.oif or 0, "")

        store = self.follower.store
        flt, sort, reverse = c.route_filter, c.order.key, c.order.reverse
        unindexed = self.follower.unindexed
        if unindexed is not None:  # a big first load: its rows at once, nothing else yet
            number, route_n = shown_tables(c.mode, c.family, c.table)
            shown = unindexed.rows(c.family, number, route_n, loopback(state))
            waits = shown is None or flt is not None or sort != "kernel" or reverse
            rows = None if waits else RouteRows(shown or [], line_of, dev_of)
            self.view.set_rows(rows, keep_cursor=keep_cursor)
            return
        if shown_count(store, c.mode, c.family, c.table) <= BIG_TABLE:
            routes = current_routes(store, state, c.mode, c.family, c.table)
            rows = RouteRows(routes, line_of, dev_of)
            rows.apply(flt, sort, reverse)
            self.view.set_rows(rows, keep_cursor=keep_cursor)
            self.pacer.done(time.perf_counter() - start)
            return
        if flt is not None or sort != "kernel":
            self.follower.notice = "filtering…" if flt is not None else "sorting…"
        number, route_n = shown_tables(c.mode, c.family, c.table)
        self._order_token += 1
        self.ordering = self._order_token
        self.order_jobs[self._order_token] = RowsJob(
            store, c.family, number, route_n, loopback(state), line_of, dev_of,
            flt, sort, reverse, keep_cursor, start,
        )  # fmt: skip
        self.follower.in_thread(self._order_rows, self._order_token, group="rows", exclusive=False)

    def abandon_ordering(self) -> None:
        """A big table's ordering still running in a thread is stale once the rows are
        rebuilt or let go (another namespace, one gone): its rows, of the store as it was,
        are dropped when they come (a re-read's empty table is shown at once, and the stale
        million routes are not kept alive beside the new ones), and so is its notice."""
        if self.ordering:
            self.ordering = 0
            if self.follower.notice in ("filtering…", "sorting…"):
                self.follower.notice = ""

    def _order_rows(self, token: int) -> None:
        """Copy, select, filter and sort a big table off the UI thread.  A filter the user
        just typed shows its first rows while it searches on; a redraw after live changes
        does not (its row count would flicker)."""
        job = self.order_jobs.pop(token)
        _, routes = job.store.snapshot(job.family, job.table, out=untracked_list())
        if len(self.follower.inbox):
            self.follower.wake()  # events that waited for the copy
        if job.route_n:
            routes = route_n_untracked(routes, job.family, job.lo)
        rows = RouteRows(untracked(routes), job.line_of, job.dev_of)

        def so_far(partial: RouteRows) -> None:
            self.follower.call(self._rows_so_far, partial, token)

        rows.apply(job.flt, job.sort, job.reverse, None if job.keep_cursor else so_far)
        self.follower.call(self._rows_ready, rows, job.keep_cursor, token, job.start)

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
