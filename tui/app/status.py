"""The title and status lines: a pure function from a small state object to their text.

The app gathers a ``StatusState`` (what is shown and how) after every change; ``status_text``
turns it into the title, the status line and what the empty route view says, so the wording is
tested without running an app.  ``StatusLine`` is the widget that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from tui.app.modes import Mode
from tui.app.pacing import INDEXING, RELOADING
from tui.formats.safe_text import safe_text
from tui.model import AF_INET, AF_INET6, RT_TABLE_MAIN


@dataclass(frozen=True, slots=True)
class StatusState:
    """What the title and status line say, as plain values (texts not yet escaped)."""

    label: str | None  # the namespace's label; None: no namespace chosen yet
    family: int
    table: int
    table_label: str  # the shown tables: a table's name, or "all tables"
    mode: Mode
    live: bool  # following the kernel: the time of the last change is shown
    live_text: str  # "live", "offline", "static", "offline: capture"
    paused: bool
    notice: str
    filter_text: str | None  # the filter's description; None: no filter
    sort: str
    reverse: bool
    last_change: str
    held: int  # updates queued while paused
    shown: int  # rows that pass the filter
    total: int  # rows of the shown table
    partial: bool  # a filter still searching: ``shown`` is a lower bound
    has_state: bool  # the namespace was read
    source_live: bool
    source_description: str
    sync: str = ""  # "reloading…" / "catching up…": the routes shown are not yet the kernel's


@dataclass(frozen=True, slots=True)
class StatusText:
    """The title, the status line, and what the route view says when it has no row."""

    title: str
    status: str
    empty: str


def status_text(s: StatusState) -> StatusText:
    """The title and status line for ``s`` (untrusted names escaped for the terminal)."""
    label = safe_text(s.label) if s.label is not None else "-"
    fam = "IPv6" if s.family == AF_INET6 else "IPv4"
    tname = safe_text(s.table_label)
    notice = safe_text(s.notice)
    view_name = "route -n" if s.mode == Mode.ROUTE_N else "ip route"
    shows_one = s.mode == Mode.IP or s.family == AF_INET
    number = f" ({s.table if s.mode == Mode.IP else RT_TABLE_MAIN})" if shows_one else ""
    title = f"fibscope  {label} · {tname}{number} · {fam} · {view_name}"
    if s.source_live is False:
        title += f" · {safe_text(s.source_description)}"
    if s.shown:
        empty = ""
    elif notice or not s.has_state:
        empty = notice or "Nothing to show."
    elif s.sync == RELOADING:  # a big table is let go while it is re-read: none is not "none"
        empty = "The routes are being re-read from the kernel."
    elif s.sync == INDEXING:  # rows of a big first load wait for its index when filtered
        empty = "The routes are being indexed: filters and sorts apply once they are."
    elif s.filter_text:
        empty = f"No route passes the filter: {s.filter_text}."
    elif tname == "all tables":
        empty = f"No table has {fam} routes."
    else:
        empty = f"Table {tname} has no {fam} routes."
    found = f"{s.shown:,}+" if s.partial else f"{s.shown:,}"
    noun = "route" if s.total == 1 else "routes"
    count = f"{found} of {s.total:,} {noun}" if s.filter_text else f"{s.total:,} {noun}"
    tables = tname if tname == "all tables" else f"table {tname}"
    parts = [f"netns {label}", tables]
    if s.total or s.sync != INDEXING:  # rows waiting for the index have no count yet
        parts.append(count)
    if s.sync:  # right after the count it qualifies
        parts.append(safe_text(s.sync))
    if notice:  # early: it matters more than what follows when the line is cut
        parts.append(notice)
    if s.filter_text:
        parts.append(f"filter {safe_text(s.filter_text)}")
    if s.sort != "kernel" or s.reverse:
        parts.append(f"sort {s.sort}{' ↓' if s.reverse else ''}")
    parts.append("paused" if s.paused else s.live_text)
    if s.live:
        parts.append(f"changed {s.last_change}")
    if s.held:
        parts.append(f"{s.held} updates held")
    return StatusText(title, "  │  ".join(parts), empty)


class StatusLine(Static):
    """One line, cut with an ellipsis: the title bar and the status bar are both one."""

    _shown: str | None = None

    def show(self, text: str) -> None:
        """Show ``text`` (already escaped) on one line.  Redrawn only when it changed, and
        without a layout pass: the line's size is the CSS's (one row, the screen's width),
        not its text's; live changes ask for it many times a second."""
        if text == self._shown:
            return
        self._shown = text
        self.update(Text(text, no_wrap=True, overflow="ellipsis"), layout=False)
