"""The namespace picker's rows, pure: natural order, the filter, and two lines per namespace
(what it is, then its identity and veth crossings) cut to the picker's width."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text

from tui.model import NamespaceInfo
from tui.path.text import printable

_DIGITS = re.compile(r"(\d+)")


def natural_key(label: str) -> tuple[tuple[int, int, str], ...]:
    """``pod2`` before ``pod10``: runs of digits compare as numbers, the rest without case."""
    parts = _DIGITS.split(label)
    return tuple(
        (1, int(part), "") if i % 2 else (0, 0, part.casefold())
        for i, part in enumerate(parts)
        if part
    )


def ordered(infos: Sequence[NamespaceInfo]) -> list[NamespaceInfo]:
    """The host's namespace first, then the others by name, naturally (inode breaks ties)."""
    return sorted(infos, key=lambda i: (not i.is_host, natural_key(i.label), i.inode))


def identity(info: NamespaceInfo) -> list[str]:
    """``hostname web-7``, ``container containerd:0123456789ab`` (id cut to 12), ``pod UID``."""
    out = []
    if info.hostname:
        out.append(f"hostname {info.hostname}")
    if info.container:
        runtime, _, cid = info.container.partition(":")
        out.append(f"container {runtime}:{cid[:12]}" if cid else f"container {runtime}")
    if info.pod_uid:
        out.append(f"pod {info.pod_uid}")
    return out


@dataclass(frozen=True)
class Row:
    """One namespace as the picker shows and filters it."""

    info: NamespaceInfo
    unreadable: str | None
    crossings: tuple[str, ...]

    def haystack(self) -> str:
        """Everything the filter looks in, case-folded."""
        info = self.info
        words = [info.label, *info.names, str(info.inode), *identity(info), *self.crossings]
        words += [p.name for p in info.processes]
        return "\n".join(words).casefold()

    def matches(self, text: str) -> bool:
        """Every word typed appears somewhere (label, names, inode, processes, hostname,
        container, pod UID, crossings)."""
        hay = self.haystack()
        return all(word in hay for word in text.casefold().split())

    def prompt(self, width: int) -> Text:
        """Two lines at most, each cut to ``width`` cells with an ellipsis, names escaped:
        name, inode, why unreadable, how many processes; then the processes' names, the
        identity and the crossings."""
        info = self.info
        procs = sorted({p.name for p in info.processes})
        first = f"{printable(info.label):<24} {info.inode}"
        if self.unreadable:
            first += f" · {self.unreadable}"
        if info.processes:
            first += f"  {len(info.processes)} proc{'s' if len(info.processes) > 1 else ''}"
        text = _cut(first, width)
        shown = [printable(name) for name in procs[:3]]
        if len(procs) > 3:
            shown.append(f"+{len(procs) - 3} more")
        more = shown + [printable(part) for part in identity(info)] + list(self.crossings)
        if more:
            text.append("\n")
            text.append_text(_cut("  " + ", ".join(more), width, style="dim"))
        return text


def _cut(line: str, width: int, style: str = "") -> Text:
    text = Text(line, style=style, no_wrap=True, overflow="ellipsis")
    text.truncate(width, overflow="ellipsis")
    return text


def rows(
    infos: Sequence[NamespaceInfo],
    unreadable: Mapping[int, str | None],
    crossings: Mapping[int, Sequence[str]],
) -> list[Row]:
    """Every namespace's row in picker order."""
    return [
        Row(info, unreadable.get(info.inode), tuple(crossings.get(info.inode, ())))
        for info in ordered(infos)
    ]
