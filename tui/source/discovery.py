"""The namespaces a first screen starts from: the source's quick look, unless a namespace
asked for by name is not in it.

On a live host, finding every namespace means reading each other mount namespace's mount
table (hundreds on a Kubernetes node); the quick look leaves that out.  A name that the quick
look does not know is looked for among every namespace before it is called unknown: never a
false "no such namespace".
"""

from __future__ import annotations

from tui.model import NamespaceInfo
from tui.source import Source


def first_look(source: Source, name: str | None) -> tuple[list[NamespaceInfo], bool]:
    """(namespaces, complete): the quick look, or every namespace when ``name`` is asked for
    and the quick look does not hold it; complete False means ``source.namespaces()`` may
    find more."""
    infos, complete = source.first_namespaces()
    if not complete and name is not None and not any(info.known_as(name) for info in infos):
        return source.namespaces(), True
    return infos, complete
