"""Where routing state comes from: the live kernel or a capture file.

Every command and screen talks to a ``Source`` so that it works on a capture exactly as on a
live host.  This module holds the protocol and the capture source; the live one is in
``tui.kernel.live_source`` (it alone touches the kernel).  What only a kernel can do (ask
``RTM_GETROUTE``, stream a dump) is the optional capability ``Source.kernel()``
(``tui.source.kernel``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from tui.model import HostState, Namespace, NamespaceInfo
from tui.names import set_proto_files
from tui.source.events import Event
from tui.source.kernel import KernelAccess

if TYPE_CHECKING:  # the path engine is imported by the commands that walk paths (start-up)
    from tui.path.host import PathHost


class SourceError(Exception):
    """A namespace or file that cannot be used; the message is one line for the user."""


class Watch(Protocol):
    """A running follower of one namespace."""

    def stop(self) -> None:
        """Stop following."""
        ...


class Source(Protocol):
    """A provider of namespaces and their state."""

    live: bool
    description: str

    def table_names(self) -> dict[int, str]:
        """Table id → name (built-ins plus rt_tables files)."""
        ...

    def namespaces(self) -> list[NamespaceInfo]:
        """Every namespace, the host's first."""
        ...

    def first_namespaces(self) -> tuple[list[NamespaceInfo], bool]:
        """The namespaces that are quick to find, and whether they are all of them (False:
        ``namespaces()`` may find more, and the same ones with more detail)."""
        ...

    def read(self, info: NamespaceInfo) -> Namespace:
        """The namespace with its state, or with ``error`` saying why it could not be read."""
        ...

    def unreadable(self, info: NamespaceInfo) -> str | None:
        """In a few words, why ``info`` cannot be read; None when it can (as far as can be
        told without reading it)."""
        ...

    def watch(self, info: NamespaceInfo, emit: Callable[[Event], None]) -> Watch | None:
        """Follow ``info`` live (``emit`` runs in another thread); None when not possible."""
        ...

    def path_host(self) -> PathHost:
        """The host as ``fibscope path`` walks it (namespaces read as the path reaches them)."""
        ...

    def kernel(self) -> KernelAccess | None:
        """The kernel behind this source, to ask questions of and stream from; None when
        there is none (a capture)."""
        ...

    def crossings(self, infos: list[NamespaceInfo]) -> dict[int, list[str]]:
        """By inode, each namespace's veths and where their other ends are
        (``eth0 <-> node:cali7``), from the links alone (cheap: no routes are read)."""
        ...


class CaptureSource:
    """A capture file opened read-only."""

    live = False

    def __init__(self, host: HostState, path: str) -> None:
        self.host = host
        self.path = path
        self.description = f"capture of {host.hostname or path} (read-only)"

    @classmethod
    def open(cls, path: str) -> CaptureSource:
        """Load a capture; raises SourceError with a one-line message."""
        from tui import capture  # the live source (the app's first screen) needs none of it

        try:
            return cls(capture.load(path), path)
        except capture.CaptureError as exc:
            raise SourceError(str(exc)) from None

    def table_names(self) -> dict[int, str]:
        """The names recorded in the capture (its protocol names too, when it has them)."""
        if self.host.proto_names:
            set_proto_files(self.host.proto_names)
        return dict(self.host.table_names)

    def namespaces(self) -> list[NamespaceInfo]:
        """The namespaces recorded in the capture."""
        return [ns.info for ns in self.host.namespaces]

    def first_namespaces(self) -> tuple[list[NamespaceInfo], bool]:
        """A capture's list is all there is."""
        return self.namespaces(), True

    def read(self, info: NamespaceInfo) -> Namespace:
        """The recorded state of ``info``."""
        for ns in self.host.namespaces:
            if ns.info == info:
                return ns
        return Namespace(info=info, error="not in the capture")

    def unreadable(self, info: NamespaceInfo) -> str | None:
        """The capture could not read it either (``read`` tells the recorded reason)."""
        return None if self.read(info).state is not None else "not captured"

    def watch(self, info: NamespaceInfo, emit: Callable[[Event], None]) -> Watch | None:
        """A capture does not change."""
        return None

    def path_host(self) -> PathHost:
        """Everything is in the capture, the namespace-id maps included."""
        from tui.path.host import CaptureHost

        return CaptureHost(self.host)

    def kernel(self) -> KernelAccess | None:
        """A capture has no kernel to ask."""
        return None

    def crossings(self, infos: list[NamespaceInfo]) -> dict[int, list[str]]:
        """From the recorded links and namespace-id maps."""
        from tui.path.crossings import crossings as path_crossings

        wanted = {info.inode for info in infos}
        return path_crossings([ns for ns in self.host.namespaces if ns.info.inode in wanted])


def find_namespace(infos: list[NamespaceInfo], name: str | None) -> NamespaceInfo:
    """The namespace a user named (default: the host's); SourceError when there is none."""
    if name is None:
        for info in infos:
            if info.is_host:
                return info
        if infos:
            return infos[0]
        raise SourceError("no namespace found")
    for info in infos:
        if info.known_as(name):
            return info
    raise SourceError(f'unknown namespace "{name}"')
