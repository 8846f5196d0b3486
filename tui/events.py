"""Changes to a namespace's state as a live Source reports them (pure data, no I/O).

The kernel monitor produces them, the app consumes them: neither knows the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.model import Address, Ipv6ProcRoute, Link, NetnsState, Route, Rule, Sysctls


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A complete fresh state (at start and after an overrun)."""

    state: NetnsState
    reason: str


@dataclass(frozen=True, slots=True)
class RouteChanges:
    """Route events in kernel order since the last batch: (added, replace, route)."""

    changes: tuple[tuple[bool, bool, Route], ...]


@dataclass(frozen=True, slots=True)
class SmallChanged:
    """Links, addresses, rules or sysctls changed: their new values."""

    links: tuple[Link, ...]
    addresses: tuple[Address, ...]
    rules: tuple[Rule, ...]
    sysctls: Sysctls
    ipv6_proc_routes: tuple[Ipv6ProcRoute, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the user must hear about; ``fatal`` ends the following."""

    text: str
    fatal: bool


Event = Snapshot | RouteChanges | SmallChanged | Problem
