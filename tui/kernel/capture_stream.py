"""A capture's routes streamed from the kernel into columns: the dump never becomes a list
of a million ``Route`` objects (``fibscope capture`` of a full table in constant memory but
for the destinations, at about the dump's own speed).

Runs of messages of one shape are decoded straight into columns
(``route_column_shapes.collect_columns``); the rest, and everything with ``fast=False``, goes
through the general decoder into ``Route`` objects first.  Both write the same columns."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from tui.capture import route_columns_json
from tui.capture.column_writer import ChunkColumn, ColumnWriter
from tui.kernel.netlink.route_codec import collect_routes
from tui.kernel.netlink.route_column_shapes import collect_columns
from tui.kernel.netlink.route_dump import (
    _GC_PAUSE,
    RECV_BUFFER,
    DumpInterrupted,
    open_route_socket,
    stream_chunks,
)
from tui.model import Route

#: Routes handed to the column writer at once (a datagram holds a few hundred).
CHUNK = 8192


def route_columns(path: str | None, retries: int = 5, *, fast: bool = True) -> dict[str, Any]:
    """The version-2 ``routes`` of the namespace at ``path`` (None: the calling thread's);
    a dump the kernel flags as interrupted is retried up to ``retries`` times, then raises
    DumpInterrupted as ``dump_routes`` does.  ``fast=False``: every message through the
    general decoder (the reference the column decoder is tested against)."""
    dump = _dump_columns if fast else _dump_routes
    with open_route_socket(path) as sock, _GC_PAUSE:
        buf = bytearray(RECV_BUFFER)
        for _ in range(retries):
            with contextlib.suppress(DumpInterrupted):
                return dump(sock, buf)
        return dump(sock, buf)


def _dump_routes(sock: socket.socket, buf: bytearray) -> dict[str, Any]:
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


def _dump_columns(sock: socket.socket, buf: bytearray) -> dict[str, Any]:
    writer = ColumnWriter()
    pending: list[Route] = []

    def emit(n: int, columns: list[ChunkColumn]) -> None:
        if pending:
            writer.add(pending)
            pending.clear()
        writer.add_columns(n, columns)

    def read(data: bytearray, end: int, seq: int) -> tuple[None, bool, bool]:
        return (None, *collect_columns(data, end, seq, pending, emit))

    for _ in stream_chunks(sock, socket.AF_UNSPEC, read, buffer=buf):
        pass
    writer.add(pending)
    return route_columns_json(writer)
