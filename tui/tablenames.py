"""Routing table names from iproute2's ``rt_tables`` files (pure parsing, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping

BUILTIN_TABLE_NAMES: dict[int, str] = {0: "unspec", 253: "default", 254: "main", 255: "local"}
MAX_TABLE_ID = 2**32 - 1


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
        if 0 <= table_id <= MAX_TABLE_ID:
            names[table_id] = parts[1]
    return names


def merged_names(*sources: Mapping[int, str]) -> dict[int, str]:
    """Built-in names overlaid with each file's names in order (later files win, like iproute2)."""
    names = dict(BUILTIN_TABLE_NAMES)
    for source in sources:
        names.update(source)
    return names


def table_name(table_id: int, names: Mapping[int, str]) -> str:
    """The name iproute2 prints for a table id (the number when it has no name)."""
    return names.get(table_id, str(table_id))


def parse_table(text: str, names: Mapping[int, str]) -> int:
    """A table given as a name or a number; raises ValueError with a one-line message."""
    for table_id, name in names.items():
        if name == text:
            return table_id
    try:
        table_id = int(text, 0)
    except ValueError:
        raise ValueError(f'unknown table "{text}"') from None
    if not 0 <= table_id <= MAX_TABLE_ID:
        raise ValueError(f'table id {text} is out of range (0..{MAX_TABLE_ID})')
    return table_id
