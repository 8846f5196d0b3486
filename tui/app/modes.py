"""The app's named choices: the form of the route rows and the panes of the main area."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    """The form of the route rows: ``route -n`` or ``ip route``."""

    ROUTE_N = "route-n"
    IP = "ip"


class Pane(StrEnum):
    """The panes of the main area (the ids of the ContentSwitcher's children)."""

    ROUTES = "routes-pane"
    RULES = "rules"
    LINKS = "links"
    NEXTHOPS = "nexthops"
