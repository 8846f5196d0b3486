"""Dumping a namespace's routes over a raw NETLINK_ROUTE socket, decoded as they arrive.

No pyroute2 here: a plain ``socket`` and the struct decoder of ``route_codec`` read a million
routes in about the time ``ip route show`` takes, at constant memory when streamed.  The socket
is created inside the namespace (``entered(path)``, this thread only) and keeps it afterwards,
so the same opener serves the event monitor.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import itertools
import socket
import struct
import threading
from collections.abc import Callable, Generator
from typing import Protocol, TypeVar

from tui.kernel.netlink.const import (
    NETLINK_EXT_ACK,
    NETLINK_GET_STRICT_CHK,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    RTA_TABLE,
    RTM_GETROUTE,
    SO_RCVBUFFORCE,
    SOL_NETLINK,
)
from tui.kernel.netlink.route_codec import DecodeError, NetlinkError, collect_routes
from tui.kernel.netns import entered
from tui.model import AF_INET, AF_INET6, Route

AF_UNSPEC = 0
DEFAULT_RCVBUF = 32 << 20
# The kernel fills dump datagrams up to ~32 KiB; a larger buffer never truncates one.
RECV_BUFFER = 1 << 18
_REQUEST = struct.Struct("=IHHIIBBBBBBBBI")  # nlmsghdr + rtmsg
_U32_ATTR = struct.Struct("=HHI")
_SEQ = itertools.count(1)

_T = TypeVar("_T")


class DumpSocket(Protocol):
    """What the dump loop uses of a socket: a ``socket.socket``, or a ``PrefetchSocket``."""

    def send(self, data: bytes, /) -> int: ...

    def recv_into(self, buf: bytearray, nbytes: int = 0, flags: int = 0, /) -> int: ...


# read(buf, end, seq) -> (result, done, interrupted): what ``stream_chunks`` does per datagram.
ChunkReader = Callable[[bytearray, int, int], tuple[_T, bool, bool]]


class _GcPause:
    """Cyclic GC off while a list of a million fresh objects is built, then back as it was.

    With the collector on, every young-generation pass and the growing old generation are
    re-traversed while the list grows: building 1M Routes takes twice as long.  Counted, so
    overlapping dumps in several threads restore it only when the last one finishes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


_GC_PAUSE = _GcPause()


class DumpInterrupted(NetlinkError):
    """The routes changed while they were dumped (NLM_F_DUMP_INTR): the result may be skewed."""

    def __init__(self) -> None:
        super().__init__(errno.EINTR, "route dump interrupted by a concurrent change")


def open_route_socket(
    path: str | None = None, *, groups: int = 0, rcvbuf: int = DEFAULT_RCVBUF
) -> socket.socket:
    """A bound NETLINK_ROUTE socket living in the namespace at ``path`` (None: our own).

    ``groups`` is the legacy RTMGRP_* bitmask for a monitor (0 for dumps only).  Raises
    NetnsError if the namespace cannot be entered.
    """
    with entered(path):
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    try:
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
        except PermissionError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        for option in (NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK):
            with contextlib.suppress(OSError):  # older kernels: plain errors, unfiltered dumps
                sock.setsockopt(SOL_NETLINK, option, 1)
        sock.bind((0, groups))
    except BaseException:
        sock.close()
        raise
    return sock


def next_seq() -> int:
    """A fresh non-zero sequence number (0 is what kernel events carry)."""
    return next(_SEQ) % 0xFFFFFFFF + 1


def dump_request(family: int, seq: int, table: int | None = None) -> bytes:
    """RTM_GETROUTE with NLM_F_DUMP; with ``table``, asks the kernel to dump only that table."""
    attrs = b"" if table is None else _U32_ATTR.pack(8, RTA_TABLE, table)
    length = _REQUEST.size + len(attrs)
    flags = NLM_F_REQUEST | NLM_F_DUMP
    return _REQUEST.pack(length, RTM_GETROUTE, flags, seq, 0, family, *(0,) * 8) + attrs


def stream_routes(
    sock: socket.socket,
    family: int = AF_UNSPEC,
    *,
    table: int | None = None,
    buffer: bytearray | None = None,
    drain: bool = True,
) -> Generator[Route, None, None]:
    """Dump the routes of ``family`` on ``sock`` and yield them while they arrive.

    ``family`` AF_INET, AF_INET6 or AF_UNSPEC (IPv4 then IPv6, one dump each: an AF_UNSPEC
    dump would also bring multicast-routing and MPLS entries).  ``table`` asks the kernel to
    dump one table (a table that does not exist has no routes).  Raises NetlinkError on a
    kernel error and, once a dump has been read to its end, DumpInterrupted if the kernel
    flagged it inconsistent (the caller restarts or accepts it).  A consumer that stops early
    gets the rest read and dropped (``drain``) so the socket stays usable; ``drain=False``
    when the socket is about to be closed anyway.
    """

    def read(buf: bytearray, end: int, seq: int) -> tuple[list[Route], bool, bool]:
        routes: list[Route] = []
        done, interrupted = collect_routes(buf, end, seq, routes)
        if table is not None:  # kernels without strict checking ignore the filter
            routes = [r for r in routes if r.table == table]
        return routes, done, interrupted

    for routes in stream_chunks(sock, family, read, table=table, buffer=buffer, drain=drain):
        yield from routes


def stream_chunks(
    sock: DumpSocket,
    family: int,
    read: ChunkReader[_T],
    *,
    table: int | None = None,
    buffer: bytearray | None = None,
    drain: bool = True,
) -> Generator[_T, None, None]:
    """The dump loop of ``stream_routes``, a datagram at a time: yields ``read``'s result for
    each datagram (a list of routes, a block of text, ...), with no per-route frame here.

    ``read(buf, end, seq)`` handles ``buf[:end]`` and returns ``(result, done, interrupted)``:
    ``done`` when it saw this dump's NLMSG_DONE, ``interrupted`` when a message carried
    NLM_F_DUMP_INTR; it raises NetlinkError for the kernel's error.  Families, the table
    filter, ENOENT for a missing table, DumpInterrupted and draining are as in
    ``stream_routes``.  ``read`` filters by table itself when the kernel ignores the filter.
    """
    buf = buffer if buffer is not None else bytearray(RECV_BUFFER)
    interrupted = False
    for fam in (AF_INET, AF_INET6) if family == AF_UNSPEC else (family,):
        interrupted |= yield from _chunks_one(sock, fam, table, read, buf, drain)
    if interrupted:
        raise DumpInterrupted()


def _chunks_one(
    sock: DumpSocket,
    family: int,
    table: int | None,
    read: ChunkReader[_T],
    buf: bytearray,
    drain: bool,
) -> Generator[_T, None, bool]:
    """One dump request of one family, datagram by datagram; returns "interrupted"."""
    seq = next_seq()
    size = len(buf)
    sock.send(dump_request(family, seq, table))
    done = interrupted = False
    try:
        while not done:
            n = sock.recv_into(buf, size, socket.MSG_TRUNC)
            if n > size:
                raise DecodeError(f"netlink datagram of {n} bytes exceeds the {size} byte buffer")
            try:
                result, done, intr = read(buf, n, seq)
            except NetlinkError as exc:
                done = True  # the kernel ends a dump with its error
                if table is not None and exc.errno == errno.ENOENT:
                    return False  # "FIB table does not exist": no routes in it
                raise
            interrupted |= intr
            yield result
    finally:
        if not done and drain:
            _drain(sock, seq, buf)
    return interrupted


def _drain(sock: DumpSocket, seq: int, buf: bytearray) -> None:
    """Read the rest of an abandoned dump: a socket with a dump running refuses the next one."""
    scratch: list[Route] = []
    try:
        while not collect_routes(buf, sock.recv_into(buf, len(buf)), seq, scratch)[0]:
            scratch.clear()
    except (OSError, DecodeError):
        return


def iter_routes(
    path: str | None = None, family: int = AF_UNSPEC, *, table: int | None = None
) -> Generator[Route, None, None]:
    """Stream the routes of the namespace at ``path`` (None: the calling thread's own).

    Constant memory, so a CLI can print while reading.  An inconsistent dump raises
    DumpInterrupted at the end (routes already yielded cannot be taken back).
    """
    with open_route_socket(path) as sock:
        yield from stream_routes(sock, family, table=table, drain=False)


def dump_routes(
    path: str | None = None,
    family: int = AF_UNSPEC,
    *,
    table: int | None = None,
    retries: int = 5,
) -> list[Route]:
    """All routes of the namespace at ``path`` as a list; a dump the kernel flags as
    interrupted by a concurrent change is retried up to ``retries`` times."""
    with open_route_socket(path) as sock, _GC_PAUSE:
        buf = bytearray(RECV_BUFFER)
        for _ in range(retries):
            with contextlib.suppress(DumpInterrupted):
                return list(stream_routes(sock, family, table=table, buffer=buf))
        return list(stream_routes(sock, family, table=table, buffer=buf))
