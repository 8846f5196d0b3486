"""The monitor's socket received on a second thread while a full load runs.

During a dump the kernel fills each datagram inside ``recvmsg`` (half a second of a million
routes' load), with the GIL released.  A thread receiving a few datagrams ahead lets that work
run on the other core while the monitor decodes the previous ones (as ``PrefetchSocket`` does
for ``fibscope routes``).  Unlike that one, this reader carries events as well as dumps, in the
socket's order, goes on after ENOBUFS (handed over in its place in that order, as the
socket would raise it), and can be stopped between loads: what it had received is still
handed out, then the monitor reads the socket itself again (one small datagram per event:
a thread hop for each would slow a flap down).
"""

from __future__ import annotations

import errno
import os
import queue
import select
import socket
import threading

_STOP = None  # put in the free queue to wake a thread waiting for a buffer
Item = tuple[bytearray, int] | OSError


class ReadAhead:
    """Receives from ``sock`` on a thread, up to ``depth`` datagrams of ``size`` bytes ahead."""

    def __init__(self, sock: socket.socket, *, size: int, depth: int = 8) -> None:
        self._sock = sock
        self._size = size
        self._free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()
        self._full: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._pending: Item | None = None  # taken from the queue by ``wait``, not yet handed
        self._ended = False  # the thread's end mark was taken: nothing more will come
        for _ in range(depth):
            self._free.put(bytearray(size))
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="monitor-read-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._sock.fileno(), select.POLLIN)
        poller.register(self._stop_r, select.POLLIN)
        try:
            while (data := self._free.get()) is not _STOP:
                events = dict(poller.poll())
                if self._stop_r in events:
                    return
                try:
                    n = self._sock.recv_into(data, self._size, socket.MSG_TRUNC)
                except OSError as exc:
                    self._free.put(data)
                    self._full.put(exc)
                    if exc.errno != errno.ENOBUFS:
                        return  # the monitor raises it and ends
                    continue
                self._full.put((data, n))
        except OSError as exc:  # poll failed: handed to the monitor, raised there
            self._full.put(exc)
        finally:
            self._full.put(None)

    def wait(self, timeout: float) -> bool:
        """Whether a datagram (or an error) is ready, waiting up to ``timeout`` seconds."""
        if self._pending is None and not self._ended:
            try:
                self._pending = self._full.get(timeout=timeout)
            except queue.Empty:
                return False
            if self._pending is None:
                self._ended = True
        return self._pending is not None

    def recv_into(self, buf: bytearray, nbytes: int = 0, flags: int = 0) -> int:
        """The next datagram copied into ``buf``, as ``socket.recv_into`` with MSG_DONTWAIT
        (BlockingIOError when none is ready) and MSG_TRUNC (the datagram's full length)."""
        if not self.wait(0 if flags & socket.MSG_DONTWAIT else 3600.0):
            raise BlockingIOError(errno.EAGAIN, "no datagram received ahead")
        item, self._pending = self._pending, None
        assert item is not None
        if isinstance(item, OSError):
            raise item
        data, n = item
        size = min(n, nbytes or len(buf), self._size)
        buf[:size] = memoryview(data)[:size]
        self._free.put(data)
        return n if flags & socket.MSG_TRUNC else size

    def stop(self) -> None:
        """Stop receiving (what was received is still handed out) and wait for the thread."""
        if self._stop_w >= 0:
            os.write(self._stop_w, b"x")
            self._free.put(_STOP)
            self._thread.join()
            os.close(self._stop_r)
            os.close(self._stop_w)
            self._stop_r = self._stop_w = -1

    def exhausted(self) -> bool:
        """Stopped and everything it received handed out: the socket is the monitor's again."""
        return self._stop_w < 0 and not self.wait(0)
