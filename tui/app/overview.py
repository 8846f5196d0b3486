"""Text for the namespaces/tables overview: the side pane of wide terminals and the pickers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from tui.formats.safe_text import safe_text
from tui.model import AF_INET, AF_INET6, AF_MPLS, RT_TABLE_LOCAL, RT_TABLE_MAIN, NamespaceInfo
from tui.names import table_name

LOOKING = "  looking for more namespaces…"
FAMILY = {AF_INET: "IPv4", AF_INET6: "IPv6", AF_MPLS: "MPLS"}


def table_order(counts: Counter[tuple[int, int]]) -> list[tuple[int, int]]:
    """(family, table) pairs: IPv4 then IPv6, main first, then local, then by id."""
    pairs = set(counts) | {(AF_INET, RT_TABLE_MAIN), (AF_INET6, RT_TABLE_MAIN)}
    return sorted(
        pairs, key=lambda p: (p[0] != AF_INET, p[1] != RT_TABLE_MAIN, p[1] != RT_TABLE_LOCAL, p[1])
    )


def table_label(family: int, table: int, count: int, names: Mapping[int, str]) -> str:
    """``IPv4 main        254      15 routes`` (an unnamed table's number once)."""
    name = table_name(table, names)
    number = "" if name == str(table) else str(table)
    noun = "route" if count == 1 else "routes"
    name = safe_text(name)
    return f"{FAMILY.get(family, '?')} {name:<10} {number:>10} {count:>9,} {noun}"


def overview_lines(
    infos: list[NamespaceInfo],
    current: NamespaceInfo | None,
    counts: Counter[tuple[int, int]],
    family: int,
    table: int,
    names: Mapping[int, str],
    *,
    complete: bool = True,
) -> list[str]:
    """The side pane: namespaces (current marked) then tables with counts (current marked);
    ``complete`` False: the namespaces found so far, said so under the title."""
    lines = ["NAMESPACES (n)"]
    if not complete:
        lines.append(LOOKING)
    for info in infos:
        mark = "▶" if current is not None and info.inode == current.inode else " "
        procs = f" {len(info.processes)}p" if info.processes else ""
        lines.append(f"{mark} {safe_text(info.label)[:24]}{procs}")
    lines += [" ", "TABLES (t)"]
    for fam, tab in table_order(counts):
        mark = "▶" if (fam, tab) == (family, table) else " "
        name = safe_text(table_name(tab, names))[:12]
        lines.append(f"{mark} {FAMILY[fam]} {name:<12} {counts[(fam, tab)]:>8,}")
    return lines


def table_options(
    counts: Counter[tuple[int, int]], names: Mapping[int, str]
) -> list[tuple[str, str]]:
    """The table picker's entries: ("family:table", label), in ``table_order``."""
    return [
        (f"{fam}:{tab}", table_label(fam, tab, counts[(fam, tab)], names))
        for fam, tab in table_order(counts)
    ]
