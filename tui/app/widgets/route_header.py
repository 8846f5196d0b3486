"""The column names above the route -n rows; a click on one sorts by that column."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

# Header words that name a sortable column, and the sort key each one means.
SORTABLE = {
    "Destination": "destination",
    "Gateway": "gateway",
    "Next Hop": "gateway",
    "Metric": "metric",
    "Met": "metric",
    "Iface": "device",
    "If": "device",
}
COLUMNS = (
    "Destination",
    "Gateway",
    "Next Hop",
    "Genmask",
    "Flags",
    "Flag",
    "Metric",
    "Met",
    "Ref",
    "Use",
    "Iface",
    "If",
)


def column_at(header: str, x: int) -> str | None:
    """The sort key of the column whose header spans ``x`` (None: not a sortable one)."""
    starts = []
    for name in COLUMNS:
        at = header.find(name)
        while at >= 0:  # whole words only: "If" in "Iface" does not count
            end = at + len(name)
            if (at == 0 or header[at - 1] == " ") and (end == len(header) or header[end] == " "):
                starts.append((at, name))
                break
            at = header.find(name, at + 1)
    chosen = None
    for at, name in sorted(starts):
        if at <= x:
            chosen = name
    return SORTABLE.get(chosen) if chosen is not None else None


class RouteHeader(Static):
    """Column names (route -n view; the ip route view has none)."""

    class SortBy(Message):
        """A column name was clicked."""

        def __init__(self, key: str) -> None:
            self.key = key
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.lines: list[str] = []

    def show(self, lines: list[str]) -> None:
        """Show these header lines."""
        self.lines = lines
        self.update(Text("\n".join(lines)))

    def on_click(self, event: events.Click) -> None:
        """Sort by the clicked column."""
        if 0 <= event.y < len(self.lines):
            key = column_at(self.lines[event.y], event.x)
            if key is not None:
                self.post_message(self.SortBy(key))
