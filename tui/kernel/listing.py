"""``fibscope namespaces`` on the live kernel: each namespace's links and counts, no routes.

Reading a namespace in full builds its whole state (a million routes take seconds and
hundreds of MB); the listing only shows counts and veth crossings, so it reads those alone
(``netlink.summary``) and maps the namespace ids the crossings need.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.kernel.capture_host import with_nsids
from tui.kernel.netlink.summary import read_link_list, read_summary
from tui.kernel.netns import NetnsError
from tui.model import Namespace, NamespaceInfo, NetnsState
from tui.path.crossings import crossings
from tui.source import Source

# Where to enter a namespace (None: our own); NetnsError when it cannot be entered.
PathOf = Callable[[NamespaceInfo], str | None]


def list_namespaces(
    source: Source, infos: list[NamespaceInfo], path_of: PathOf
) -> tuple[list[Namespace], dict[int, dict[str, int]]]:
    """Each namespace with only its links read (its state holds nothing else: never hand it
    to the engine), and ``{inode: counts}`` for those that could be read; an unreadable or
    vanished namespace keeps its error."""
    namespaces: list[Namespace] = []
    counts: dict[int, dict[str, int]] = {}
    for info in infos:
        try:
            links, counted = read_summary(path_of(info))
        except NetnsError as exc:
            namespaces.append(Namespace(info=info, error=str(exc)))
            continue
        except OSError as exc:
            namespaces.append(Namespace(info=info, error=f"{exc.strerror or exc}"))
            continue
        namespaces.append(Namespace(info=info, state=NetnsState(links=links)))
        counts[info.inode] = counted.as_dict()
    return with_nsids(source, namespaces), counts


def live_crossings(
    source: Source, infos: list[NamespaceInfo], path_of: PathOf
) -> dict[int, list[str]]:
    """By inode, the veth crossings of each namespace that can be read (links only)."""
    namespaces: list[Namespace] = []
    for info in infos:
        try:
            links = read_link_list(path_of(info))
        except (NetnsError, OSError):  # gone or forbidden: nothing to show
            continue
        namespaces.append(Namespace(info=info, state=NetnsState(links=links)))
    return crossings(with_nsids(source, namespaces))
