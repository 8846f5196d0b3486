"""A netlink socket whose datagrams are received on a second thread, ahead of the reader.

During a dump the kernel fills each datagram inside ``recvmsg``: about a third of the time of
printing a million routes is spent there, with the GIL released.  A thread that keeps a few
datagrams received ahead lets that kernel work run on the other core while the caller formats
the previous datagrams.  ``PrefetchSocket`` offers the two methods the dump loop uses
(``send`` and ``recv_into``, MSG_TRUNC semantics included), so ``route_dump.stream_chunks``
runs on it unchanged.

The thread receives only what arrives (it polls the socket and a stop pipe), in order, for as
many dumps as are asked; at most ``depth`` datagrams wait, so memory stays bounded when the
output is slow.  ``close()`` stops and joins it; the socket itself stays the caller's.
"""

from __future__ import annotations

import os
import queue
import select
import socket
import threading
from abc import ABC, abstractmethod
from types import TracebackType

_STOP = None  # put in the free queue to wake a thread waiting for a buffer


class AheadReceiver(ABC):
    """What a thread receiving ``sock`` ahead of its reader needs: ``depth`` buffers of ``size``
    bytes, a stop pipe, the wait for a free buffer and a readable socket, and the copy out with
    ``socket.recv_into``'s MSG_TRUNC semantics.  A subclass's ``_run`` is the thread's loop."""

    def __init__(self, sock: socket.socket, *, size: int, depth: int, name: str) -> None:
        self._sock = sock
        self._size = size
        self._free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()
        for _ in range(depth):
            self._free.put(bytearray(size))
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @abstractmethod
    def _run(self) -> None:
        """The thread's loop: receive into free buffers until stopped."""

    def _poller(self) -> select.poll:
        poller = select.poll()
        poller.register(self._sock.fileno(), select.POLLIN)
        poller.register(self._stop_r, select.POLLIN)
        return poller

    def _next_buffer(self, poller: select.poll) -> bytearray | None:
        """A free buffer once the socket has a datagram; None when asked to stop."""
        data = self._free.get()
        if data is _STOP or self._stop_r in dict(poller.poll()):
            return None
        return data

    def _copy_out(self, data: bytearray, n: int, buf: bytearray, nbytes: int, flags: int) -> int:
        """Datagram ``data`` (``n`` bytes long) into ``buf``; its buffer is free again."""
        size = min(n, nbytes or len(buf), self._size)
        buf[:size] = memoryview(data)[:size]
        self._free.put(data)
        return n if flags & socket.MSG_TRUNC else size

    def _halt(self) -> None:
        """Wake the thread (in poll, or waiting for a free buffer) to end, and wait for it."""
        os.write(self._stop_w, b"x")
        self._free.put(_STOP)
        self._thread.join()


class PrefetchSocket(AheadReceiver):
    """Receives from ``sock`` on a thread, ``depth`` datagrams of up to ``size`` bytes ahead."""

    def __init__(self, sock: socket.socket, *, size: int, depth: int = 8) -> None:
        super().__init__(sock, size=size, depth=depth, name="netlink-prefetch")
        self._full: queue.SimpleQueue[tuple[bytearray, int] | BaseException] = queue.SimpleQueue()
        self._thread.start()

    def send(self, data: bytes) -> int:
        """Send on the socket (a request: its answer will be prefetched)."""
        return self._sock.send(data)

    def recv_into(self, buf: bytearray, nbytes: int = 0, flags: int = 0) -> int:
        """The next datagram, copied into ``buf``; like ``socket.recv_into`` with MSG_TRUNC
        (returns the datagram's full length even when ``nbytes`` is smaller)."""
        item = self._full.get()
        if isinstance(item, BaseException):
            raise item
        return self._copy_out(*item, buf, nbytes, flags)

    def _run(self) -> None:
        try:
            poller = self._poller()
            while (data := self._next_buffer(poller)) is not None:
                n = self._sock.recv_into(data, self._size, socket.MSG_TRUNC)
                self._full.put((data, n))
        except BaseException as exc:  # handed to the reader, raised there
            self._full.put(exc)

    def close(self) -> None:
        """Stop the thread and wait for it (it is in poll, or waiting for a free buffer)."""
        if self._thread.is_alive():
            self._halt()
        os.close(self._stop_r)
        os.close(self._stop_w)

    def __enter__(self) -> PrefetchSocket:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
