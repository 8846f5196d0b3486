"""The ``?`` screen: every key, and where to find each action."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("l", "lookup: trace where a packet goes (Enter runs, Escape closes)"),
    ("/", "filter routes: a prefix (within), an address (contains or via), a device, or text"),
    ("n", "namespaces: pick another one"),
    ("t", "tables: pick another routing table"),
    ("r", "rules: the policy rules in priority order"),
    ("i", "interfaces: links, addresses, forwarding, rp_filter"),
    ("v", "switch the route view: route -n / ip route"),
    ("6", "switch IPv4 / IPv6"),
    ("s", "sort by the next column (kernel order, destination, gateway, metric, device)"),
    ("S", "reverse the sort"),
    ("p", "pause / resume live updates"),
    ("escape", "back to the routes; close a pane or the filter"),
    ("ctrl+p", "command palette: every action by name"),
    ("?", "this help"),
    ("q", "quit (the terminal is restored)"),
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
        lines = ["[b]fibscope keys[/b]", ""]
        lines += [f"[b]{key:>7}[/b]  {text}" for key, text in KEYS]
        with VerticalScroll():
            yield Static("\n".join(lines), id="help-text")
