"""Routing table names from iproute2's ``rt_tables`` files (pure parsing, no I/O)."""

from __future__ import annotations

import re
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


_ID_NAME = re.compile(r"[ \t]*(?:0x([0-9a-fA-F]+)|([+-]?[0-9]+))[ \t\n\r\f\v]*([^ \t\n\r\f\v]+)")


def parse_id_names(text: str, size: int = 256) -> dict[int, str]:
    """An iproute2 ``ID NAME`` file (rt_protos, rt_realms, ...) as rtnl_tab_initialize reads
    it: blank and ``#`` lines skipped, ids in hex (``0x..``) or decimal, the name the next
    word; ids outside 0..size-1 ignored; a line of another form ends the file (ip prints
    "Database ... is corrupted" and keeps what it read before)."""
    names: dict[int, str] = {}
    for raw in text.splitlines():
        line = raw.lstrip(" \t")
        if not line or line.startswith("#"):
            continue
        match = _ID_NAME.match(line)
        if match is None:
            break
        hexa, dec, name = match.groups()
        number = int(hexa, 16) if hexa is not None else int(dec)
        if 0 <= number < size:
            names[number] = name
    return names
