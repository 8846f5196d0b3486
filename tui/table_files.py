"""Routing table names from iproute2's ``rt_tables`` files (pure parsing, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping

from tui.names import BUILTIN_TABLE_NAMES, RT_TABLE_MAX


def parse_rt_tables(text: str) -> dict[int, str]:
    """Parse ``ID NAME`` lines; comments, blank and malformed lines are ignored, not fatal."""
    names: dict[int, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        try:
            table_id = int(parts[0], 0)
        except ValueError:
            continue
        if 0 <= table_id <= RT_TABLE_MAX:
            names[table_id] = parts[1]
    return names


def merged_names(*sources: Mapping[int, str]) -> dict[int, str]:
    """Built-in names overlaid with each file's names in order (later files win, like iproute2)."""
    names = dict(BUILTIN_TABLE_NAMES)
    for source in sources:
        names.update(source)
    return names
