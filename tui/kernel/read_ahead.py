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
import socket

from tui.kernel.netlink.prefetch import AheadReceiver

Item = tuple[bytearray, int] | OSError


class ReadAhead(AheadReceiver):
    """Receives from ``sock`` on a thread, up to ``depth`` datagrams of ``size`` bytes ahead."""

    def __init__(self, sock: socket.socket, *, size: int, depth: int = 8) -> None:
        super().__init__(sock, size=size, depth=depth, name="monitor-read-ahead")
        self._full: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._pending: Item | None = None  # taken from the queue by ``wait``, not yet handed
        self._ended = False  # the thread's end mark was taken: nothing more will come
        self._thread.start()

    def _run(self) -> None:
        try:
            poller = self._poller()
            while (data := self._next_buffer(poller)) is not None:
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
        return self._copy_out(*item, buf, nbytes, flags)

    def stop(self) -> None:
        """Stop receiving (what was received is still handed out) and wait for the thread."""
        if self._stop_w >= 0:
            self._halt()
            os.close(self._stop_r)
            os.close(self._stop_w)
            self._stop_r = self._stop_w = -1

    def exhausted(self) -> bool:
        """Stopped and everything it received handed out: the socket is the monitor's again."""
        return self._stop_w < 0 and not self.wait(0)
