"""The fibscope terminal app: namespaces, live route tables, rules, links and the lookup pane.

What is on screen and the keys.  Its bases: following the namespace (loading, live events
into the model) in ``tui.app.follow``, the rows of the shown table (filtered and sorted,
redrawn as often as their cost allows) in ``tui.app.shown_rows``, the lookup pane's trace
and path in ``tui.app.path_follow``; the title and status line in ``tui.app.status``.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input, Log

from tui.app.help import HelpScreen
from tui.app.lines import header_lines
from tui.app.lookup_pane import LookupPane
from tui.app.modes import Mode, Pane
from tui.app.nexthops_pane import nexthops_lines
from tui.app.ns_picker import NamespacePicker
from tui.app.overview import overview_lines, table_label, table_order
from tui.app.pacing import REFRESH_SECONDS
from tui.app.palette import palette_commands
from tui.app.path_follow import PathFollower
from tui.app.pickers import Picker
from tui.app.rows import SORT_KEYS, RouteFilter
from tui.app.status import StatusLine, StatusState, status_text
from tui.app.widgets.route_header import RouteHeader
from tui.app.widgets.route_view import RouteView
from tui.formats.iprule import ip_rule_show
from tui.formats.links import links_lines
from tui.model import AF_INET, AF_INET6, RT_TABLE_MAIN, NamespaceInfo
from tui.source import Source


class FibscopeApp(PathFollower):
    """fibscope: how Linux really routes a packet."""

    TITLE = "fibscope"
    # The layout follows the width through CSS classes Textual sets as the size changes
    # (``Screen.-narrow``, ``Screen.-wide``): never a size read a resize too late.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (120, "-wide")]
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit"),
        # Over SSH people press Ctrl-C: it quits, as in htop and k9s (a focused field with
        # selected text still copies it: its own binding comes first).
        Binding("ctrl+c", "quit", "Quit", show=False),
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

    def __init__(self, source: Source, netns: str | None = None, *, live: bool = True) -> None:
        # NO_COLOR: Textual would still paint greys; with ANSI colours it drops every colour.
        super().__init__(
            source, netns, live=live, ansi_color=True if "NO_COLOR" in os.environ else None
        )
        self._side_at = 0.0
        self.on_start: Callable[[FibscopeApp], None] | None = None  # run once the loop runs
        self.ended_by: int | None = None  # the signal that ended the app
        self.crash: str | None = None  # an unexpected error, in one line

    # ----- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Title, the switchable main area, the lookup pane, the filter field and status."""
        yield StatusLine("", id="title")
        with Horizontal(id="body"):
            yield Log(id="side", highlight=False, auto_scroll=False)
            with ContentSwitcher(initial=Pane.ROUTES, id="main"):
                with Vertical(id=Pane.ROUTES):
                    yield RouteHeader(id="route-header")
                    yield RouteView(id="routes")
                yield Log(id=Pane.RULES, highlight=False, auto_scroll=False)
                yield Log(id=Pane.LINKS, highlight=False, auto_scroll=False)
                yield Log(id=Pane.NEXTHOPS, highlight=False, auto_scroll=False)
        yield LookupPane(id="lookup")
        yield Input(
            placeholder="filter: prefix, address, device or text; Enter applies, Escape clears",
            id="filter",
        )
        yield StatusLine("", id="status")
        yield Footer(show_command_palette=False)  # 80 columns: ctrl+p is in the help

    def on_mount(self) -> None:
        """Find namespaces, then load the first one."""
        self.query_one("#filter", Input).display = False
        self.query_one("#lookup", LookupPane).display = False
        self.query_one(RouteView).focus()
        self.set_interval(REFRESH_SECONDS, self._flush_changes)
        if self.on_start is not None:
            self.on_start(self)
        self._discover()

    # ----- drawing ------------------------------------------------------------------------
    def _rebuild(self, keep_cursor: bool) -> None:
        view = self.query_one(RouteView)
        if self.state is None:
            view.set_rows(None)
            self._update_status()
            return
        self._rebuild_rows(keep_cursor)
        self.query_one(RouteHeader).show(header_lines(self.mode, self.family))
        self._fill("#rules", self._rules_text().splitlines())
        self._fill("#links", links_lines(self.state))
        self._fill("#nexthops", nexthops_lines(self.state))
        self._update_side(force=not keep_cursor)
        self._update_status()
        if self.pending_hop is not None:
            self.show_pending_hop()

    def _fill(self, selector: str, lines: list[str]) -> None:
        log = self.query_one(selector, Log)
        top = log.scroll_offset.y
        log.clear()
        log.write_lines(line.expandtabs(8) for line in lines)
        log.scroll_to(y=top, animate=False)

    def _rules_text(self) -> str:
        assert self.state is not None
        rules = [r for r in self.state.rules if r.family == self.family]
        fam = "IPv6" if self.family == AF_INET6 else "IPv4"
        return f"{fam} policy rules, in the order the kernel tries them\n\n" + ip_rule_show(
            rules, family=self.family, table_names=self.names
        )

    def table_counts(self) -> Counter[tuple[int, int]]:
        """Routes per (family, table): the store keeps the counts (no walk over the routes)."""
        return Counter(self.store.counts())

    def _update_side(self, force: bool = True) -> None:
        """The overview pane (shown on wide terminals only; at most once a second when live
        changes pour in, since counting a million routes is not free)."""
        side = self.query_one("#side", Log)
        now = time.monotonic()
        if force or now - self._side_at >= 1.0:  # kept current even while hidden: cheap
            self._side_at = now
            lines = overview_lines(
                self.infos, self.info, self.table_counts(), self.family, self.table, self.names
            )
            side.clear()
            side.write_lines(lines)

    def status_state(self) -> StatusState:
        """What the title and status line say now, gathered from the app and its rows."""
        rows = self.query_one(RouteView).rows
        return StatusState(
            label=self.info.label if self.info else None,
            family=self.family,
            table=self.table,
            table_label=self.shown_table_label(),
            mode=self.mode,
            live=self.live,
            live_text=self.live_text,
            paused=self.paused,
            notice=self.notice,
            filter_text=self.filter.describe() if self.filter else None,
            sort=SORT_KEYS[self.sort_index],
            reverse=self.reverse,
            last_change=self.last_change,
            held=len(self.pending),
            shown=rows.row_count if rows is not None else 0,
            total=len(rows.routes) if rows is not None else 0,
            partial=rows is not None and rows.partial,
            has_state=self.state is not None,
            source_live=self.source.live,
            source_description=self.source.description,
        )

    def _update_status(self) -> None:
        text = status_text(self.status_state())
        self.query_one("#title", StatusLine).show(text.title)
        self.query_one(RouteView).say_when_empty(text.empty)
        self.query_one("#status", StatusLine).show(text.status)

    # ----- actions ------------------------------------------------------------------------
    def _show(self, pane: Pane) -> None:
        self.query_one("#main", ContentSwitcher).current = pane
        if pane == Pane.ROUTES:
            self.query_one(RouteView).focus()

    def action_rules(self) -> None:
        """Show the policy rules (again: back to the routes)."""
        switcher = self.query_one("#main", ContentSwitcher)
        self._show(Pane.ROUTES if switcher.current == Pane.RULES else Pane.RULES)

    def action_links(self) -> None:
        """Show links, addresses and forwarding (again: back to the routes)."""
        switcher = self.query_one("#main", ContentSwitcher)
        self._show(Pane.ROUTES if switcher.current == Pane.LINKS else Pane.LINKS)

    def action_nexthops(self) -> None:
        """Show the nexthop objects (again: back to the routes)."""
        switcher = self.query_one("#main", ContentSwitcher)
        self._show(Pane.ROUTES if switcher.current == Pane.NEXTHOPS else Pane.NEXTHOPS)

    def action_toggle_view(self) -> None:
        """route -n form ⇄ ip route form."""
        self.mode = Mode.IP if self.mode == Mode.ROUTE_N else Mode.ROUTE_N
        self._show(Pane.ROUTES)
        self._rebuild(keep_cursor=True)

    def action_toggle_family(self) -> None:
        """IPv4 ⇄ IPv6."""
        self.family = AF_INET6 if self.family == AF_INET else AF_INET
        if self.table not in {t for f, t in self.table_counts() if f == self.family}:
            self.table = RT_TABLE_MAIN
        self._rebuild(keep_cursor=False)

    def action_sort(self) -> None:
        """Sort by the next column."""
        self.sort_index = (self.sort_index + 1) % len(SORT_KEYS)
        self._redraw_rows()

    def on_route_header_sort_by(self, message: RouteHeader.SortBy) -> None:
        """A click on a column name sorts by it; a second click reverses."""
        index = SORT_KEYS.index(message.key)
        if index == self.sort_index:
            self.reverse = not self.reverse
        else:
            self.sort_index, self.reverse = index, False
        self._redraw_rows()

    def action_sort_reverse(self) -> None:
        """Reverse the sort."""
        self.reverse = not self.reverse
        self._redraw_rows()

    def action_filter(self) -> None:
        """Open the filter field."""
        self._show(Pane.ROUTES)
        field = self.query_one("#filter", Input)
        field.display = True
        field.value = self.filter.text if self.filter else ""
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter field applies it."""
        if event.input.id != "filter":
            return
        text = event.value.strip()
        self.filter = RouteFilter.parse(text) if text else None
        event.input.display = False
        self._redraw_rows()
        self.query_one(RouteView).focus()

    def action_close_pane(self) -> None:
        """Escape: close the filter, the lookup pane, or return to the routes."""
        field = self.query_one("#filter", Input)
        lookup = self.query_one("#lookup", LookupPane)
        if field.display:
            field.display = False
            if self.filter is not None:
                self.filter = None
                self._redraw_rows()
            self.query_one(RouteView).focus()
        elif lookup.display:
            self.close_lookup()
        else:
            self._show(Pane.ROUTES)

    def action_help(self) -> None:
        """Every key."""
        self.push_screen(HelpScreen())

    def action_namespaces(self) -> None:
        """Pick a namespace among those that exist now (discovered afresh: one deleted since
        the start is not offered); type to filter; crossings are read while it is open."""
        self._rediscover()

    @work(thread=True, exclusive=True, group="discover", description="discovery")
    def _rediscover(self) -> None:
        infos = self.source.namespaces()
        self.call_from_thread(self._pick_namespace, infos)

    def _pick_namespace(self, infos: list[NamespaceInfo]) -> None:
        if not self.is_running:
            return
        self.infos = infos
        self._update_side()
        unreadable = {info.inode: self.source.unreadable(info) for info in infos}
        source = self.source

        def picked(choice: NamespaceInfo | None) -> None:
            if choice is not None and choice != self.info:
                self.switch_namespace(choice)

        self.push_screen(
            NamespacePicker(infos, unreadable, self.info, lambda: source.crossings(infos)),
            picked,
        )

    def action_tables(self) -> None:
        """Pick a routing table (IPv4 or IPv6), with route counts."""
        counts = self.table_counts()
        options = [
            (f"{fam}:{tab}", table_label(fam, tab, counts[(fam, tab)], self.names))
            for fam, tab in table_order(counts)
        ]

        def picked(choice: str | None) -> None:
            if choice is not None:
                fam, _, tab = choice.partition(":")
                self.family, self.table = int(fam), int(tab)
                self._fit_mode()
                self._show(Pane.ROUTES)
                self._rebuild(keep_cursor=False)

        current = f"{self.family}:{self.table}"
        self.push_screen(Picker("Tables (Enter shows, Escape cancels)", options, current), picked)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A field with the focus takes "/" as text: the footer does not offer the filter."""
        return not (action == "filter" and isinstance(self.focused, Input))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands plus every fibscope action, for ctrl+p."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(lambda name: getattr(self, f"action_{name}"))

    def _fatal_error(self) -> None:
        """An unexpected error: one line after the terminal is restored (``run.finish``),
        not Textual's traceback with locals; FIBSCOPE_DEBUG=1 keeps the traceback."""
        error = self._exception
        self.crash = f"{type(error).__name__}: {error}" if error is not None else "unknown"
        if os.environ.get("FIBSCOPE_DEBUG"):
            super()._fatal_error()
            return
        self._close_messages_no_wait()

    def on_resize(self) -> None:
        """The overview may have come into view (CSS decides that): fill it."""
        self.call_after_refresh(self._update_side)
