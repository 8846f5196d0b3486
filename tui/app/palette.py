"""Every key's action as a command of Textual's command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import SystemCommand

# (title, help, action name) — the same actions the keys run.
PALETTE = (
    ("Lookup", "Trace where a packet goes (l)", "lookup"),
    ("Filter routes", "Prefix, address, device or text (/)", "filter"),
    ("Namespaces", "Switch to another network namespace (n)", "namespaces"),
    ("Tables", "Switch to another routing table (t)", "tables"),
    ("Rules", "Show the policy rules (r)", "rules"),
    ("Links", "Links, addresses, forwarding and rp_filter (i)", "links"),
    ("Nexthop objects", "What routes with nhid use: ip nexthop show (x)", "nexthops"),
    ("Toggle route view", "route -n / ip route (v)", "toggle_view"),
    ("Toggle IPv4/IPv6", "Switch the address family (6)", "toggle_family"),
    ("Sort", "Sort by the next column (s)", "sort"),
    ("Reverse sort", "Reverse the sort order (S)", "sort_reverse"),
    ("Pause / resume live", "Hold or apply live updates (p)", "pause"),
    ("Help", "Every key (?)", "help"),
)


def palette_commands(run: Callable[[str], Callable[[], object]]) -> Iterable[SystemCommand]:
    """The palette entries; ``run(name)`` gives the callable for an action name."""
    for title, help_text, action in PALETTE:
        yield SystemCommand(title, help_text, run(action))
