"""The ``?`` screen: every key, and where to find each action."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("l", "lookup: trace where a packet goes (Enter runs, Escape closes)"),
    ("ctrl+f", "in the lookup: follow the packet across namespaces; up/down go through the hops"),
    ("/", "filter routes: a prefix (within), an address (contains or via), a device, or text"),
    ("n", "namespaces: pick another one"),
    ("t", "tables: pick another routing table"),
    ("r", "rules: the policy rules in priority order"),
    ("i", "interfaces: links, addresses, forwarding, rp_filter"),
    ("x", "nexthop objects: what routes with 'nhid N' use (ip nexthop show)"),
    ("v", "switch the route view: route -n / ip route"),
    ("6", "switch IPv4 / IPv6"),
    ("s", "sort by the next column (kernel order, destination, gateway, metric, device)"),
    ("S", "reverse the sort"),
    ("p", "pause / resume live updates"),
    ("escape", "back to the routes; close a pane or the filter"),
    ("ctrl+p", "command palette: every action by name"),
    ("?", "this help"),
    ("q, ctrl+c", "quit (the terminal is restored)"),
    ("mouse", "click a route to put the cursor on it, a column name to sort by it"),
]


class HelpScreen(ModalScreen[None]):
    """A list of every key; any of escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        """The key table."""
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()  # long lines wrap under their own column
        for key, text in KEYS:
            table.add_row(key, text)
        with VerticalScroll():
            yield Static(Group(Text("fibscope keys\n", style="bold"), table), id="help-text")
