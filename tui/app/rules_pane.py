"""Text of the rules pane: ``ip rule show`` of the shown family, under a heading (pure text)."""

from __future__ import annotations

from collections.abc import Mapping

from tui.formats.iprule import ip_rule_show
from tui.model import AF_INET6, NetnsState


def rules_lines(state: NetnsState, family: int, names: Mapping[int, str]) -> list[str]:
    """The pane's lines: the family's rules in the order the kernel tries them."""
    rules = [r for r in state.rules if r.family == family]
    fam = "IPv6" if family == AF_INET6 else "IPv4"
    text = f"{fam} policy rules, in the order the kernel tries them\n\n" + ip_rule_show(
        rules, family=family, table_names=names
    )
    return text.splitlines()
