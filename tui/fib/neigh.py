"""The neighbour table as the route selection reads it: one entry per (device, address).

``fib_good_nh`` and ``fib_detect_death`` look a gateway up in the ARP table (or the NDISC
table for an IPv6 gateway) of the next hop's device; proxy entries live in another table and
are never found there.  ``NeighbourIndex.known`` is False when the state holds no neighbour
table (an older capture, a live follow): a choice that depends on it is then not predicted.
"""

from __future__ import annotations

from tui.fib.addr import to_int
from tui.model import (
    AF_INET,
    AF_INET6,
    NUD_DELAY,
    NUD_FAILED,
    NUD_INCOMPLETE,
    NUD_NOARP,
    NUD_PERMANENT,
    NUD_PROBE,
    NUD_REACHABLE,
    NUD_STALE,
    NUD_VALID,
    Neighbour,
)

_STATE_NAMES = (
    (NUD_INCOMPLETE, "INCOMPLETE"),
    (NUD_REACHABLE, "REACHABLE"),
    (NUD_STALE, "STALE"),
    (NUD_DELAY, "DELAY"),
    (NUD_PROBE, "PROBE"),
    (NUD_FAILED, "FAILED"),
    (NUD_NOARP, "NOARP"),
    (NUD_PERMANENT, "PERMANENT"),
)


def nud_name(state: int) -> str:
    """``REACHABLE`` for 0x02, as ``ip neigh`` prints a state (``NONE`` for 0)."""
    names = [name for bit, name in _STATE_NAMES if state & bit]
    return ",".join(names) if names else "NONE"


def nud_valid(state: int) -> bool:
    """NUD_VALID: a usable link-layer address (PERMANENT, NOARP, REACHABLE, PROBE, STALE,
    DELAY)."""
    return bool(state & NUD_VALID)


class NeighbourIndex:
    """Neighbour states keyed by (family, ifindex, address int); proxy entries left out."""

    __slots__ = ("failed6", "known", "states")

    def __init__(self, entries: tuple[Neighbour, ...] | None) -> None:
        self.known = entries is not None
        self.states: dict[tuple[int, int, int], int] = {}
        # Some IPv6 entry is FAILED: only then can rt6_check_neigh refuse a gateway.
        self.failed6 = any(
            e.family == AF_INET6 and e.state & NUD_FAILED and not e.proxy for e in entries or ()
        )
        for entry in entries or ():
            if entry.proxy or entry.family not in (AF_INET, AF_INET6):
                continue
            try:
                key = (entry.family, entry.ifindex, to_int(entry.family, entry.dst))
            except ValueError:
                continue
            self.states[key] = entry.state

    def state(self, gateway: str, ifindex: int | None) -> int | None:
        """The state of ``gateway`` on the device, None when the table has no such entry."""
        family = AF_INET6 if ":" in gateway else AF_INET
        try:
            value = to_int(family, gateway)
        except ValueError:
            return None
        return self.states.get((family, ifindex or 0, value))
