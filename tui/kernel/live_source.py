"""The live kernel as a Source."""

from __future__ import annotations

import glob
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from tui.kernel.entry import NEEDS_ROOT, may_enter, path_of
from tui.kernel.name_files import ENV_DIR, read_proto_names
from tui.kernel.namespaces import discover, discover_quick, is_own
from tui.kernel.netlink.dump import read_netns
from tui.kernel.netlink.nexthop_codec import read_nexthops
from tui.kernel.netlink.route_codec import NetlinkError
from tui.kernel.netlink.route_dump import DumpInterrupted
from tui.kernel.netns import NetnsError
from tui.model import Namespace, NamespaceInfo, NexthopObject
from tui.names import set_proto_files
from tui.source import SourceError
from tui.source.events import Event
from tui.source.kernel import KernelAnswer, Render, RouteRequest, StreamInterrupted
from tui.table_files import merged_names, parse_rt_tables

RT_TABLES_FILES = (
    "/usr/share/iproute2/rt_tables",
    "/usr/lib/iproute2/rt_tables",
    "/etc/iproute2/rt_tables",
)
RT_TABLES_DIRS = (
    "/usr/share/iproute2/rt_tables.d",
    "/usr/lib/iproute2/rt_tables.d",
    "/etc/iproute2/rt_tables.d",
)

# This, the monitor, route_print and kernel_get are imported where used: a capture needs none.
if TYPE_CHECKING:
    from tui.kernel.path_host import LiveHost


def read_table_names() -> dict[int, str]:
    """Names from the rt_tables files; unreadable files and bad lines are ignored.

    With FIBSCOPE_IPROUTE2_DIR set, only that directory's rt_tables and rt_tables.d are read.
    """
    texts: list[dict[int, str]] = []
    override = os.environ.get(ENV_DIR)
    files = (os.path.join(override, "rt_tables"),) if override else RT_TABLES_FILES
    dirs = (os.path.join(override, "rt_tables.d"),) if override else RT_TABLES_DIRS
    paths = list(files)
    for directory in dirs:
        paths.extend(sorted(glob.glob(os.path.join(directory, "*.conf"))))
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                texts.append(parse_rt_tables(fh.read()))
        except OSError:
            continue
    return merged_names(*texts)


class LiveSource:
    """The running kernel."""

    live = True
    description = "live"

    def __init__(self, *, rcvbuf: int | None = None) -> None:
        self._names: dict[int, str] | None = None
        self.proto_names: dict[int, str] = {}
        self.rcvbuf = rcvbuf  # the monitor's socket buffer (tests make it tiny: overruns)

    def table_names(self) -> dict[int, str]:
        """Names from this host's rt_tables files (read once)."""
        if self._names is None:
            self._names = read_table_names()
            self.proto_names = read_proto_names()
            set_proto_files(self.proto_names)  # the views name protocols as this host's ip
        return self._names

    def namespaces(self) -> list[NamespaceInfo]:
        """Every namespace visible now."""
        return discover()

    def first_namespaces(self) -> tuple[list[NamespaceInfo], bool]:
        """Those found without reading other mount namespaces' mount tables (milliseconds
        where ``namespaces()`` takes a noticeable fraction of a second on a busy node)."""
        return discover_quick(), False

    def unreadable(self, info: NamespaceInfo) -> str | None:
        """Another namespace than our own can only be entered as root."""
        return None if may_enter(info) else "root needed"

    def read(self, info: NamespaceInfo) -> Namespace:
        """Read one namespace; a vanished or forbidden one comes back with an error."""
        if is_own(info):
            try:
                return Namespace(info=info, state=read_netns(None))
            except NetnsError as exc:
                return Namespace(info=info, error=str(exc))
        if not may_enter(info):
            return Namespace(info=info, error=NEEDS_ROOT)
        last = "namespace has gone"
        for path in info.paths:
            try:
                return Namespace(info=info, state=read_netns(path))
            except NetnsError as exc:
                last = str(exc)
        return Namespace(info=info, error=last)

    def kernel(self) -> LiveKernel:
        """The running kernel can be asked questions and streamed from."""
        return LiveKernel()

    def watch(self, info: NamespaceInfo, emit: Callable[[Event], None]) -> LiveWatch | None:
        """Follow ``info``: ``emit`` is called from a thread with each Event."""
        return watch(info, emit, rcvbuf=self.rcvbuf)

    def crossings(self, infos: list[NamespaceInfo]) -> dict[int, list[str]]:
        """Each namespace's links read now (no routes), its namespace ids asked."""
        from tui.kernel.listing import live_crossings

        return live_crossings(self, infos, path_of)

    def path_host(self) -> LiveHost:
        """Namespaces read as the path reaches them; namespace ids asked of the kernel."""
        from tui.kernel.path_host import LiveHost

        return LiveHost(self, path_of)


class LiveKernel:
    """The source's kernel capability (``tui.source.kernel.KernelAccess``) on the running
    kernel; the kernel's own exceptions become one-line ``SourceError``s here."""

    def route_get(self, info: NamespaceInfo, request: RouteRequest) -> KernelAnswer:
        """RTM_GETROUTE in ``info``: what ``ip route get`` would answer."""
        from tui.kernel.netlink.kernel_get import route_get

        try:
            return route_get(path_of(info), request)
        except NetnsError as exc:
            raise SourceError(str(exc)) from None
        except OSError as exc:
            raise SourceError(f"asking the kernel failed: {exc.strerror or exc}") from None

    def link_names(self, info: NamespaceInfo) -> dict[int, str]:
        """ifindex -> name of every link of ``info``, read now."""
        from tui.kernel.netlink import route_print

        try:
            return route_print.link_names(path_of(info))
        except NetnsError as exc:
            raise SourceError(str(exc)) from None
        except OSError as exc:
            raise SourceError(f"reading links failed: {exc.strerror or exc}") from None

    def nexthops(self, info: NamespaceInfo) -> tuple[NexthopObject, ...] | None:
        """The nexthop objects of ``info``, read now (``nexthop_codec.read_nexthops``)."""
        try:
            return read_nexthops(path_of(info))
        except NetnsError as exc:
            raise SourceError(str(exc)) from None
        except NetlinkError as exc:
            raise SourceError(f"reading nexthop objects failed: {exc}") from None
        except OSError as exc:
            raise SourceError(f"reading nexthop objects failed: {exc.strerror or exc}") from None

    def route_texts(
        self,
        info: NamespaceInfo,
        family: int,
        render: Render,
        *,
        table: int | None = None,
        dst_conversion: str = "%s",
    ) -> Iterator[str]:
        """The routes of ``info`` as text, a datagram at a time (``route_print.route_texts``)."""
        from tui.kernel.netlink import route_print

        try:
            path = path_of(info)
            yield from route_print.route_texts(
                path, family, render, table=table, dst_conversion=dst_conversion
            )
        except DumpInterrupted:
            raise StreamInterrupted from None
        except NetnsError as exc:
            raise SourceError(str(exc)) from None
        except NetlinkError as exc:
            raise SourceError(f"reading routes failed: {exc}") from None


class LiveWatch:
    """A monitor thread following one namespace; ``stop()`` ends it."""

    def __init__(
        self, path: str | None, emit: Callable[[Event], None], *, rcvbuf: int | None = None
    ) -> None:
        from tui.kernel.monitor import Monitor  # the follower only when one is started

        self._monitor = (
            Monitor(path, emit) if rcvbuf is None else Monitor(path, emit, rcvbuf=rcvbuf)
        )
        self._thread = threading.Thread(
            target=self._monitor.run, name="fibscope-monitor", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop following (returns at once; the thread ends within half a second)."""
        self._monitor.stop()


def watch(
    info: NamespaceInfo, emit: Callable[[Event], None], *, rcvbuf: int | None = None
) -> LiveWatch | None:
    """Follow ``info`` live, or None when it cannot be entered (no root, gone)."""
    if is_own(info):
        return LiveWatch(None, emit, rcvbuf=rcvbuf)
    if not may_enter(info) or not info.paths:
        return None
    return LiveWatch(info.paths[0], emit, rcvbuf=rcvbuf)
