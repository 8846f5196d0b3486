"""The main screen: it composes the widgets (title, overview, route view and the other panes,
lookup pane, filter field, status line, footer) and keeps what is shown as reactives.

What is shown (the form of the rows, the family and table, the filter, the sort, the pane) are
Textual reactives whose watchers redraw what depends on them; the namespace follower
(``tui.app.follow``) tells the screen when the namespace's state changed, the rows
(``tui.app.shown_rows``) and the lookup pane's requests (``tui.app.path_follow``) are plain
objects the screen owns.  The keys are bound here, to the actions below.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input, Log

from tui.app.follow import NamespaceFollower
from tui.app.help import HelpScreen
from tui.app.lines import header_lines
from tui.app.lookup_pane import LookupPane
from tui.app.modes import Mode, Pane
from tui.app.nexthops_pane import nexthops_lines
from tui.app.ns_picker import pick_namespace
from tui.app.overview import overview_lines, table_options
from tui.app.pacing import INDEXING, MARK_LIMIT, REFRESH_SECONDS
from tui.app.path_follow import PathFollower
from tui.app.pickers import Picker
from tui.app.rows import SORT_KEYS, RouteFilter
from tui.app.rules_pane import rules_lines
from tui.app.shown_rows import ShownRows, SortOrder, TableChoice, fit_mode, shown_table_label
from tui.app.status import StatusLine, StatusState, status_text
from tui.app.widgets.route_header import RouteHeader
from tui.app.widgets.route_view import RouteView
from tui.formats.links import links_lines
from tui.model import AF_INET, AF_INET6, RT_TABLE_MAIN
from tui.source import Source


class MainScreen(Screen[None]):
    """The routes of the shown namespace and table, and the panes around them."""

    # The keys of the main screen (modal pickers and the help block them).
    BINDINGS = [
        Binding("q", "app.quit", "Quit"),
        # Over SSH people press Ctrl-C: it quits, as in htop and k9s (a focused field with
        # selected text still copies it: its own binding comes first).
        Binding("ctrl+c", "app.quit", "Quit", show=False),
        Binding("l", "lookup", "Lookup"),
        Binding("slash", "filter", "Filter"),
        Binding("n", "namespaces", "Netns"),
        Binding("t", "tables", "Tables"),
        Binding("r", "rules", "Rules"),
        Binding("i", "links", "Links", show=False),
        Binding("v", "toggle_view", "View"),
        Binding("6", "toggle_family", "v4/v6"),
        Binding("s", "sort", "Sort", show=False),
        Binding("S", "sort_reverse", "Reverse", show=False),
        Binding("p", "pause", "Pause", show=False),
        Binding("x", "nexthops", "Nexthops", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("escape", "close_pane", "Back", show=False),
    ]

    # What is shown.  Each watcher redraws what depends on it; ``always_update``: choosing
    # the same again redraws too (a re-picked table, a re-submitted filter, as before).
    mode: var[Mode] = var(Mode.ROUTE_N, init=False)
    shown: var[TableChoice] = var(TableChoice(), init=False, always_update=True)
    route_filter: var[RouteFilter | None] = var(None, init=False, always_update=True)
    order: var[SortOrder] = var(SortOrder(), init=False)
    pane: var[Pane] = var(Pane.ROUTES, init=False, always_update=True)

    def __init__(self, source: Source, netns: str | None = None, *, live: bool = True) -> None:
        super().__init__()
        self.names = source.table_names()
        self.follower = NamespaceFollower(source, self, self, netns=netns, live=live)
        self.route_view = RouteView(id="routes")
        self.lookup_pane = LookupPane(id="lookup")
        self.rows = ShownRows(self.follower, self, self.route_view, self.names)
        self.paths = PathFollower(
            self.follower, self, self.lookup_pane, self.route_view, self.names
        )
        self._side_at = 0.0
        self._filled: dict[str, list[str]] = {}  # what each pane's log shows

    @property
    def family(self) -> int:
        """The address family shown."""
        return self.shown.family

    @property
    def table(self) -> int:
        """The routing table shown (in the ip route form; route -n shows its own)."""
        return self.shown.table

    # ----- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Title, the switchable main area, the lookup pane, the filter field and status."""
        yield StatusLine("", id="title")
        with Horizontal(id="body"):
            yield Log(id="side", highlight=False, auto_scroll=False)
            with ContentSwitcher(initial=Pane.ROUTES, id="main"):
                with Vertical(id=Pane.ROUTES):
                    yield RouteHeader(id="route-header")
                    yield self.route_view
                yield Log(id=Pane.RULES, highlight=False, auto_scroll=False)
                yield Log(id=Pane.LINKS, highlight=False, auto_scroll=False)
                yield Log(id=Pane.NEXTHOPS, highlight=False, auto_scroll=False)
        yield self.lookup_pane
        yield Input(
            placeholder="filter: prefix, address, device or text; Enter applies, Escape clears",
            id="filter",
        )
        yield StatusLine("", id="status")
        yield Footer(show_command_palette=False)  # 80 columns: ctrl+p is in the help

    def on_mount(self) -> None:
        """Find namespaces, then load the first one."""
        self.query_one("#filter", Input).display = False
        self.lookup_pane.display = False
        self.route_view.focus()
        # On the app's queue, with the follower's Changed (see there), not the screen's.
        self.app.set_interval(REFRESH_SECONDS, self._flush_changes)
        self.follower.start()

    # ----- what is shown: the reactives' watchers -------------------------------------------
    def watch_mode(self) -> None:
        """route -n ⇄ ip route: everything is redrawn, the cursor stays."""
        self.show_namespace(keep_cursor=True)

    def watch_shown(self) -> None:
        """Another family or table: everything is redrawn from the top."""
        self.show_namespace(keep_cursor=False)

    def watch_route_filter(self) -> None:
        """A new filter: only the rows and the status line change."""
        self.rows.redraw()

    def watch_order(self) -> None:
        """A new sort: only the rows and the status line change."""
        self.rows.redraw()

    def watch_pane(self, pane: Pane) -> None:
        """Show the pane (the routes take the focus back)."""
        self.query_one("#main", ContentSwitcher).current = pane
        if pane == Pane.ROUTES:
            self.route_view.focus()

    def show_table(self, family: int, table: int) -> None:
        """Show ``table`` of ``family`` in a form that can list it alone (route -n lists only
        IPv4 main); one redraw, from the top."""
        # the form changes with the table: the table's watcher redraws both
        self.set_reactive(MainScreen.mode, fit_mode(self.mode, family, table))
        self.shown = TableChoice(family, table)

    # ----- drawing (also what the follower calls: ``FollowerView``) --------------------------
    def show_namespace(self, keep_cursor: bool) -> None:
        """Redraw everything from the follower's state and store (None state: nothing)."""
        state = self.follower.state
        if state is None:
            self.rows.abandon_ordering()
            self.route_view.set_rows(None)
            self.show_status()
            return
        self.rows.rebuild(keep_cursor)
        self.query_one(RouteHeader).show(header_lines(self.mode, self.family))
        self._fill("#rules", rules_lines(state, self.family, self.names))
        self._fill("#links", links_lines(state))
        self._fill("#nexthops", nexthops_lines(state))
        self._update_side(force=not keep_cursor)
        self.show_status()
        if self.paths.pending_hop is not None:
            self.paths.show_pending_hop()
        self.paths.index_ready()

    def _fill(self, selector: str, lines: list[str]) -> None:
        """``lines`` in a pane's log, unless it shows them already (a view toggled or a
        table switched redraws everything: a pane's log rewritten is a redraw of it)."""
        if self._filled.get(selector) == lines:
            return
        self._filled[selector] = lines
        log = self.query_one(selector, Log)
        top = log.scroll_offset.y
        log.clear()
        log.write_lines(line.expandtabs(8) for line in lines)
        log.scroll_to(y=top, animate=False)

    def show_overview(self) -> None:
        """The overview of namespaces and tables, redrawn now."""
        self._update_side()

    def _update_side(self, force: bool = True) -> None:
        """The overview pane (shown on wide terminals only; at most once a second when live
        changes pour in, since counting a million routes is not free).  Hidden, live changes
        leave it be (250 namespaces are 250 lines: 0.1-0.15 s a second of the UI thread);
        the resize that shows it redraws it (``FibscopeApp.on_resize``)."""
        side = self.query_one("#side", Log)
        now = time.monotonic()
        if force or (side.display and now - self._side_at >= 1.0):
            self._side_at = now
            f = self.follower
            lines = overview_lines(
                f.infos,
                f.info,
                f.table_counts(),
                self.family,
                self.table,
                self.names,
                complete=f.complete,
            )
            side.clear()
            side.write_lines(lines)

    def status_state(self) -> StatusState:
        """What the title and status line say now, gathered from the screen and its rows."""
        rows, f = self.route_view.rows, self.follower
        return StatusState(
            label=f.info.label if f.info else None,
            family=self.family,
            table=self.table,
            table_label=shown_table_label(self.mode, self.family, self.table, self.names),
            mode=self.mode,
            live=f.live,
            live_text=f.live_text,
            paused=f.paused,
            notice=f.notice,
            filter_text=self.route_filter.describe() if self.route_filter else None,
            sort=self.order.key,
            reverse=self.order.reverse,
            last_change=f.last_change,
            held=len(f.pending),
            shown=rows.row_count if rows is not None else 0,
            total=len(rows.routes) if rows is not None else 0,
            partial=rows is not None and rows.partial,
            has_state=f.state is not None,
            source_live=f.source.live,
            source_description=f.source.description,
            sync=INDEXING if f.unindexed is not None else f.inbox.sync_text(),
        )

    def show_status(self) -> None:
        """Redraw the title, the status line and what the empty route view says."""
        text = status_text(self.status_state())
        self.query_one("#title", StatusLine).show(text.title)
        self.route_view.say_when_empty(text.empty)
        self.query_one("#status", StatusLine).show(text.status)

    def _flush_changes(self) -> None:
        """Coalesced redraw after live changes: all of it when links or rules changed, else
        the rows, when the pacer allows and no big table is being ordered in a thread."""
        f = self.follower
        if not f.running:
            return  # shutting down: the widgets are going
        if f.dirty_all:
            f.dirty_all = f.dirty = False
            self.show_namespace(keep_cursor=True)
        elif f.dirty and self.rows.pacer.due() and not self.rows.ordering:
            f.dirty = False
            self.rows.rebuild(keep_cursor=True)
            self._update_side(force=False)
            self.show_status()
        else:
            return
        added, f.added = f.added, []
        if 0 < len(added) <= MARK_LIMIT:
            self.route_view.mark_added(added)

    # ----- actions (the app's keys) ---------------------------------------------------------
    def _toggle(self, pane: Pane) -> None:
        self.pane = Pane.ROUTES if self.pane == pane else pane

    def action_rules(self) -> None:
        """Show the policy rules (again: back to the routes)."""
        self._toggle(Pane.RULES)

    def action_links(self) -> None:
        """Show links, addresses and forwarding (again: back to the routes)."""
        self._toggle(Pane.LINKS)

    def action_nexthops(self) -> None:
        """Show the nexthop objects (again: back to the routes)."""
        self._toggle(Pane.NEXTHOPS)

    def action_toggle_view(self) -> None:
        """route -n form ⇄ ip route form."""
        self.pane = Pane.ROUTES
        self.mode = Mode.IP if self.mode == Mode.ROUTE_N else Mode.ROUTE_N

    def action_toggle_family(self) -> None:
        """IPv4 ⇄ IPv6."""
        family = AF_INET6 if self.family == AF_INET else AF_INET
        table = self.table
        if table not in {t for f, t in self.follower.table_counts() if f == family}:
            table = RT_TABLE_MAIN
        self.shown = TableChoice(family, table)

    def action_sort(self) -> None:
        """Sort by the next column."""
        order = self.order
        self.order = SortOrder((order.column + 1) % len(SORT_KEYS), order.reverse)

    def on_route_header_sort_by(self, message: RouteHeader.SortBy) -> None:
        """A click on a column name sorts by it; a second click reverses."""
        index, order = SORT_KEYS.index(message.key), self.order
        self.order = SortOrder(index, not order.reverse if index == order.column else False)

    def action_sort_reverse(self) -> None:
        """Reverse the sort."""
        self.order = SortOrder(self.order.column, not self.order.reverse)

    def action_pause(self) -> None:
        """Hold live updates (they queue) or apply what queued and go on."""
        self.follower.pause()
        self.show_status()

    def action_filter(self) -> None:
        """Open the filter field."""
        self.pane = Pane.ROUTES
        field = self.query_one("#filter", Input)
        field.display = True
        field.value = self.route_filter.text if self.route_filter else ""
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter field applies it."""
        if event.input.id != "filter":
            return
        text = event.value.strip()
        event.input.display = False
        self.route_filter = RouteFilter.parse(text) if text else None
        self.route_view.focus()

    def action_close_pane(self) -> None:
        """Escape: close the filter, the lookup pane, or return to the routes."""
        field = self.query_one("#filter", Input)
        if field.display:
            field.display = False
            if self.route_filter is not None:
                self.route_filter = None
            self.route_view.focus()
        elif self.lookup_pane.display:
            self.paths.close()
        else:
            self.pane = Pane.ROUTES

    def action_help(self) -> None:
        """Every key."""
        self.app.push_screen(HelpScreen())

    def action_lookup(self) -> None:
        """Open the lookup pane with the destination field focused."""
        self.paths.open()

    def on_lookup_pane_requested(self, message: LookupPane.Requested) -> None:
        """Enter in the lookup pane: trace (and ask the kernel when live)."""
        self.paths.requested(message.fields)

    def on_lookup_pane_path_requested(self, message: LookupPane.PathRequested) -> None:
        """ctrl+f in the lookup pane: follow the packet across namespaces."""
        self.paths.path_requested(message.fields)

    def on_lookup_pane_hop_chosen(self, message: LookupPane.HopChosen) -> None:
        """A hop of the path chosen: its namespace, trace and winning route."""
        self.paths.hop_chosen(message.index)

    def action_namespaces(self) -> None:
        """Pick a namespace (``ns_picker.pick_namespace``: open at once, filled afresh)."""
        pick_namespace(self.app, self.follower)

    def action_tables(self) -> None:
        """Pick a routing table (IPv4 or IPv6), with route counts."""
        options = table_options(self.follower.table_counts(), self.names)

        def picked(choice: str | None) -> None:
            if choice is not None:
                fam, _, tab = choice.partition(":")
                self.pane = Pane.ROUTES
                self.show_table(int(fam), int(tab))

        current = f"{self.family}:{self.table}"
        self.app.push_screen(
            Picker("Tables (Enter shows, Escape cancels)", options, current), picked
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A field with the focus takes "/" as text: the footer does not offer the filter (nor
        does this screen's footer behind a picker whose field has the focus)."""
        return not (action == "filter" and isinstance(self.app.focused, Input))
