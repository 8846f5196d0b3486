"""A capture's routes streamed from the kernel into columns: the dump never becomes a list
of a million ``Route`` objects (``fibscope capture`` of a full table in constant memory but
for the destinations, at about the dump's own speed)."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from tui.capture import route_columns_json
from tui.capture.column_writer import ColumnWriter
from tui.kernel.netlink.route_codec import collect_routes
from tui.kernel.netlink.route_dump import (
    RECV_BUFFER,
    DumpInterrupted,
    open_route_socket,
    stream_chunks,
)
from tui.model import Route

#: Routes handed to the column writer at once (a datagram holds a few hundred).
CHUNK = 8192


def route_columns(path: str | None, retries: int = 5) -> dict[str, Any]:
    """The version-2 ``routes`` of the namespace at ``path`` (None: the calling thread's);
    a dump the kernel flags as interrupted is retried up to ``retries`` times, then raises
    DumpInterrupted as ``dump_routes`` does."""
    with open_route_socket(path) as sock:
        buf = bytearray(RECV_BUFFER)
        for _ in range(retries):
            with contextlib.suppress(DumpInterrupted):
                return _dump(sock, buf)
        return _dump(sock, buf)


def _dump(sock: socket.socket, buf: bytearray) -> dict[str, Any]:
    writer = ColumnWriter()
    pending: list[Route] = []

    def read(data: bytearray, end: int, seq: int) -> tuple[None, bool, bool]:
        done, interrupted = collect_routes(data, end, seq, pending)
        if len(pending) >= CHUNK:
            writer.add(pending)
            pending.clear()
        return None, done, interrupted

    for _ in stream_chunks(sock, socket.AF_UNSPEC, read, buffer=buf):
        pass
    writer.add(pending)
    return route_columns_json(writer)
