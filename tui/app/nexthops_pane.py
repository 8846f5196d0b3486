"""Text of the nexthop objects pane: ``ip nexthop show`` of the namespace, with a heading.

Every object, both families and groups (as ``ip nexthop show`` without ``-4``/``-6``), so the
pane does not change with the IPv4/IPv6 switch.  Kept out of ``screen.py``: pure text.
"""

from __future__ import annotations

from tui.formats.ipnexthop import ip_nexthop_show
from tui.model import NetnsState


def nexthops_lines(state: NetnsState) -> list[str]:
    """The pane's lines for ``state``."""
    heading = "Nexthop objects (ip nexthop show): routes with 'nhid N' use them"
    if state.nexthops is None:
        return [
            heading,
            "",
            "Nexthop objects were not read (a capture made before fibscope read them).",
        ]
    if not state.nexthops:
        return [heading, "", "This namespace has no nexthop objects."]
    links = state.link_names()
    return [heading, "", *ip_nexthop_show(state.nexthops, links).splitlines()]
