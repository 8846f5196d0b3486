"""A virtualized route table: only the visible rows are formatted and rendered.

A ``ScrollView`` with ``render_line`` over a ``RouteRows`` window, with a bounded cache of
``Strip``s keyed on everything that changes a line (data version, row, width, cursor, marks).
Textual's DataTable rebuilds its row offsets on every change (O(N)); this does not.
"""

from __future__ import annotations

import textwrap
import time

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.rows import RouteRows
from tui.model import Route

MARK_SECONDS = 3.0
LINE_CACHE = 2048  # drawn lines kept (then all dropped: the screenful in view is redrawn once)


class RouteView(ScrollView, can_focus=True):
    """The routes of one table, one line each, with a cursor."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
    ]

    DEFAULT_CSS = """
    RouteView { height: 1fr; }
    """

    COMPONENT_CLASSES = {"route-view--cursor", "route-view--winner", "route-view--added"}

    class CursorMoved(Message):
        """The cursor is on another route."""

        def __init__(self, route: Route | None) -> None:
            self.route = route
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: RouteRows | None = None
        self.cursor = 0
        self.winner: Route | None = None
        self._added: dict[Route, float] = {}
        self._version = 0
        # A plain dict, not Textual's LRUCache: its entries are a circular linked list, so
        # every clear (each redraw of the rows) left the lines drawn as cyclic garbage.
        self._cache: dict[tuple[int, int, int, int, int], Strip] = {}
        self._empty: list[str] = []

    def say_when_empty(self, text: str) -> None:
        """What the view says while it has no rows (loading, unreadable, nothing matches)."""
        lines = [""] + textwrap.wrap(text, max(self.size.width - 2, 20)) if text else []
        if lines != self._empty:
            self._empty = lines
            self.refresh()

    def set_rows(self, rows: RouteRows | None, keep_cursor: bool = False) -> None:
        """Show another window of routes (after a switch, a filter or a live change).

        ``keep_cursor``: the cursor stays on its route when live changes moved it a few rows
        (the screen moves with it, so the lines in view do not jump), else on its row.
        """
        held = self.current() if keep_cursor else None
        self.rows = rows
        count = rows.row_count if rows is not None else 0
        if not keep_cursor:
            self.cursor = 0
        self.cursor = max(0, min(self.cursor, count - 1))
        if held is not None and rows is not None and count:
            moved = self._find_near(rows, held, self.cursor)
            if moved:
                self.cursor += moved
                self.scroll_to(y=max(0, int(self.scroll_offset.y) + moved), animate=False)
        self.invalidate()

    @staticmethod
    def _find_near(rows: RouteRows, route: Route, row: int, reach: int = 64) -> int:
        """How far from ``row`` the very same route object now is (0: there, or not near)."""
        count = rows.row_count
        for step in range(reach + 1):
            for at in (row - step, row + step):
                if 0 <= at < count and rows.route(at) is route:
                    return at - row
        return 0

    def notify_style_update(self) -> None:
        """A theme change: lines drawn in the old colours must not come back from the cache
        (as Textual's own ``Log`` does)."""
        super().notify_style_update()
        self._cache.clear()

    def invalidate(self) -> None:
        """Forget rendered lines and resize the virtual canvas."""
        self._version += 1
        self._cache.clear()
        count = self.rows.row_count if self.rows is not None else 0
        width = (
            max((len(self.rows.line(i)) for i in self._visible_rows()), default=0)
            if self.rows
            else 0
        )
        self.virtual_size = Size(width, count)
        self.refresh()

    def mark_added(self, routes: list[Route]) -> None:
        """Highlight routes that just appeared, for a few seconds."""
        now = time.monotonic()
        for route in routes:
            self._added[route] = now + MARK_SECONDS
        self.set_timer(MARK_SECONDS + 0.1, self._expire_marks)

    def _expire_marks(self) -> None:
        now = time.monotonic()
        self._added = {r: t for r, t in self._added.items() if t > now}
        self.invalidate()

    def show_winner(self, route: Route | None) -> None:
        """Highlight the lookup's winning route and bring it into view."""
        self.winner = route
        if route is not None and self.rows is not None:
            row = self.rows.row_of(route)
            if row is not None:
                self.cursor = row
                self.scroll_to(y=max(0, row - self.size.height // 2), animate=False)
        self.invalidate()

    def _visible_rows(self) -> range:
        top = int(self.scroll_offset.y)
        count = self.rows.row_count if self.rows is not None else 0
        return range(top, min(count, top + max(self.size.height, 1)))

    def current(self) -> Route | None:
        """The route under the cursor."""
        if self.rows is None or self.rows.row_count == 0:
            return None
        return self.rows.route(self.cursor)

    def render_line(self, y: int) -> Strip:
        """One visible line: formatted from the model now, cached until something changes."""
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if self.rows is None or row >= self.rows.row_count:
            if (self.rows is None or not self.rows.row_count) and y < len(self._empty):
                return Strip([Segment(" " + self._empty[y], base)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        route = self.rows.route(row)
        state = 1 if row == self.cursor else 0
        if route == self.winner:
            state |= 2
        if route in self._added:
            state |= 4
        key = (self._version, row, scroll_x, state, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        style = base
        if state & 4:
            style += self.get_component_rich_style("route-view--added")
        if state & 2:
            style += self.get_component_rich_style("route-view--winner")
        if state & 1:
            cursor = self.get_component_rich_style("route-view--cursor")
            style += cursor if self.has_focus else Style(underline=True)
        text = self.rows.line(row)
        strip = Strip([Segment(text, style)]).crop_extend(scroll_x, scroll_x + width, style)
        if len(self._cache) >= LINE_CACHE:
            self._cache.clear()
        self._cache[key] = strip
        return strip

    def _move_to(self, row: int) -> None:
        if self.rows is None or self.rows.row_count == 0:
            return
        was, self.cursor = self.cursor, max(0, min(row, self.rows.row_count - 1))
        top = int(self.scroll_offset.y)
        height = max(self.size.height, 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
            self.refresh()
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
            self.refresh()
        else:  # only the two lines whose cursor state changed (the line cache keys on it)
            self.refresh_line(was)
            self.refresh_line(self.cursor)
        self.post_message(self.CursorMoved(self.current()))

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows."""
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move a screenful."""
        self._move_to(self.cursor + direction * max(self.size.height - 1, 1))

    def action_edge(self, end: int) -> None:
        """Jump to the first or last row."""
        count = self.rows.row_count if self.rows is not None else 0
        self._move_to(count - 1 if end else 0)

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the clicked route."""
        self.focus()
        self._move_to(int(self.scroll_offset.y) + event.y)

    def on_resize(self) -> None:
        """Widths change with the terminal."""
        self.invalidate()

    def on_focus(self) -> None:
        """The cursor style depends on focus."""
        self.invalidate()

    def on_blur(self) -> None:
        """The cursor style depends on focus."""
        self.invalidate()
